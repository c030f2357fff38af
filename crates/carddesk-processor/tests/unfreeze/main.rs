//! Remote unfreeze end to end, through the processor, on both databases.
//!
//! Each scenario is written once as a generic `async fn` over the store
//! interface and run by `on_both_databases!` as `sqlite_<name>` and
//! `postgres_<name>`, each on a fresh database (`#[sqlx::test]`) migrated by
//! the store itself. The races (`concurrent_uploads_unfreeze_once`,
//! `many_instructs_at_once`) have hand-written pairs instead: on SQLite they
//! use the WAL file and pool the console opens, and the upload race runs on
//! a multi-threaded runtime, which `#[sqlx::test]`'s is not.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

#[path = "../common/mod.rs"]
mod common;

mod approval;
mod attempts;
mod codes;
mod expiry;
mod flow;
mod marking;
mod races;
mod tampering;

use approval::*;
use attempts::*;
use carddesk_domain::card::CardTransition;
use carddesk_domain::case::{CaseId, UnfreezeCase};
use carddesk_domain::{CardStatus, CardStatusKind, Credential, FreezeReason};
use carddesk_store::{AuditRecord, ChainReport};
use codes::*;
use common::*;
use expiry::*;
use flow::*;
use marking::*;
use tampering::*;

on_both_databases! {
    whole_flow => sqlite_whole_flow, postgres_whole_flow;
    wrong_credentials_lock_the_case =>
        sqlite_wrong_credentials_lock_the_case, postgres_wrong_credentials_lock_the_case;
    customer_failure_limit => sqlite_customer_failure_limit, postgres_customer_failure_limit;
    codes_expire => sqlite_codes_expire, postgres_codes_expire;
    resend_gives_a_fresh_code => sqlite_resend_gives_a_fresh_code, postgres_resend_gives_a_fresh_code;
    expire_due_reaches_the_oldest_cases =>
        sqlite_expire_due_reaches_the_oldest_cases, postgres_expire_due_reaches_the_oldest_cases;
    codes_and_sessions_open_one_case_once =>
        sqlite_codes_and_sessions_open_one_case_once, postgres_codes_and_sessions_open_one_case_once;
    refusals_at_mark => sqlite_refusals_at_mark, postgres_refusals_at_mark;
    approval_needs_another_supervisor =>
        sqlite_approval_needs_another_supervisor, postgres_approval_needs_another_supervisor;
    audit_tampering_is_detected =>
        sqlite_audit_tampering_is_detected, postgres_audit_tampering_is_detected;
}

pub(crate) const BOTH: [Credential; 2] = [Credential::IdNumber, Credential::TransactionPassword];

pub(crate) async fn stored_case(desk: &Desk, case: CaseId) -> UnfreezeCase {
    desk.processor.case(case).await.expect("read case")
}

pub(crate) async fn history(desk: &Desk, card: carddesk_domain::CardId) -> Vec<CardTransition> {
    desk.store.card_history(card).await.expect("card history")
}

pub(crate) async fn timeline(desk: &Desk, case: CaseId) -> Vec<AuditRecord> {
    desk.processor.timeline(case).await.expect("timeline")
}

pub(crate) async fn assert_chain_intact(desk: &Desk) {
    let all = desk
        .store
        .audit_entries(None, 0, 100_000)
        .await
        .expect("audit entries");
    assert_eq!(
        desk.processor.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact {
            entries: all.len() as u64
        }
    );
}

pub(crate) fn is_frozen(status: CardStatus, reason: FreezeReason) -> bool {
    status.kind() == CardStatusKind::Frozen && status.freeze_reason() == Some(reason)
}
