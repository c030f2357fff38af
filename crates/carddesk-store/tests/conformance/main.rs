//! The store's conformance suite.
//!
//! Every repository test is written once, as a generic `async fn` over the
//! interface (`&dyn Store`), or over [`Backend`] when it must reach past the
//! interface to the raw database (to play an attacker who can write SQL, or
//! to set a column the interface does not). `conformance!` then generates
//! one `#[sqlx::test]` per backend for each: `sqlite::<name>` and
//! `postgres::<name>`, each on a fresh database that the store migrates
//! itself (`migrations = false`).
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`
//! (`#[sqlx::test]` creates a database per test on that server); SQLite
//! needs nothing.
//!
//! The store never sees a secret in clear, so digests and sealed values here
//! are arbitrary bytes (with a NUL and a 0xFF, to catch text handling of
//! binary columns) and the password hash is a well-formed but fake PHC
//! string. Timestamps have microsecond precision: the store keeps
//! microseconds, and every round trip below must be exact.

use std::sync::Arc;

use carddesk_domain::card::CardTransition;
use carddesk_domain::case::{CaseId, UnfreezeCase};
use carddesk_domain::customer::{DocumentKind, PhoneNumber};
use carddesk_domain::{
    Actor, Card, CardId, CardStatus, CaseState, Credential, Customer, CustomerId, FreezeReason,
    PolicyLimits, PolicyRule, Role, StaffMember, UnfreezePolicy,
};
use carddesk_store::{
    AuditKey, AuditRecord, CardSecrets, CaseFilter, CaseKey, CaseRecord, ChainReport, CustomerCase,
    CustomerSecrets, FailedCheck, GENESIS, NewAuditEntry, NewCard, NewCustomer, NewOutboxMessage,
    OutboxChannel, OutboxDelivery, OutboxMessage, OutboxSettlement, OutboxSubject, Outcome,
    Package, PgStore, SqliteStore, Store, StoreError,
};
use chrono::{DateTime, Duration, Utc};
use sqlx::{PgPool, SqlitePool};

mod audit;
mod cards;
mod cases;
mod customer_cases;
mod customers;
mod failures;
mod fixtures;
mod outbox;
mod packages;
mod units;

use audit::*;
use cards::*;
use cases::*;
use customer_cases::*;
use customers::*;
use failures::*;
use fixtures::*;
use outbox::*;
use packages::*;
use units::*;

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// The audit key every test store uses.
const KEY: [u8; 32] = *b"carddesk conformance audit key..";

fn test_key() -> AuditKey {
    AuditKey::new(KEY)
}

/// The raw pool under a store, for what the interface does not offer.
#[derive(Debug, Clone)]
enum RawPool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A store under test and the raw database beneath it.
#[derive(Debug)]
struct Backend {
    store: Arc<dyn Store>,
    raw: RawPool,
}

impl Backend {
    async fn sqlite(pool: SqlitePool) -> Self {
        let store = SqliteStore::from_pool(pool, test_key())
            .await
            .expect("SQLite migrations apply");
        Self {
            raw: RawPool::Sqlite(store.pool().clone()),
            store: Arc::new(store),
        }
    }

    async fn postgres(pool: PgPool) -> Self {
        let store = PgStore::from_pool(pool, test_key())
            .await
            .expect("PostgreSQL migrations apply");
        Self {
            raw: RawPool::Postgres(store.pool().clone()),
            store: Arc::new(store),
        }
    }

    /// Runs raw SQL (one or more statements) on the database, bypassing the
    /// store, and returns the rows affected.
    async fn exec(&self, sql: &str) -> Result<u64, sqlx::Error> {
        match &self.raw {
            RawPool::Sqlite(pool) => sqlx::raw_sql(sql)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
            RawPool::Postgres(pool) => sqlx::raw_sql(sql)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
        }
    }

    /// The same database behind a store holding another audit key.
    async fn with_key(&self, key: AuditKey) -> Arc<dyn Store> {
        match &self.raw {
            RawPool::Sqlite(pool) => Arc::new(
                SqliteStore::from_pool(pool.clone(), key)
                    .await
                    .expect("reopen"),
            ),
            RawPool::Postgres(pool) => {
                Arc::new(PgStore::from_pool(pool.clone(), key).await.expect("reopen"))
            }
        }
    }

    /// What an attacker with database access does first: removes the
    /// triggers that keep the audit log append-only.
    async fn drop_audit_triggers(&self) {
        let sql = match self.raw {
            RawPool::Sqlite(_) => {
                "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; \
                 DROP TRIGGER audit_log_no_replace;"
            }
            RawPool::Postgres(_) => {
                "DROP TRIGGER audit_log_no_update ON audit_log; \
                 DROP TRIGGER audit_log_no_truncate ON audit_log;"
            }
        };
        self.exec(sql).await.expect("drop the audit triggers");
    }
}

/// What a generic test takes: the interface alone, or the whole backend.
trait FromBackend<'a> {
    fn from_backend(backend: &'a Backend) -> Self;
}

impl<'a> FromBackend<'a> for &'a dyn Store {
    fn from_backend(backend: &'a Backend) -> Self {
        backend.store.as_ref()
    }
}

impl<'a> FromBackend<'a> for &'a Backend {
    fn from_backend(backend: &'a Backend) -> Self {
        backend
    }
}

/// For each generic test, one `#[sqlx::test]` per backend:
/// `sqlite::<name>` and `postgres::<name>`.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            use super::{Backend, FromBackend};
            $(
                #[sqlx::test(migrations = false)]
                async fn $name(pool: sqlx::SqlitePool) {
                    let backend = Backend::sqlite(pool).await;
                    super::$name(FromBackend::from_backend(&backend)).await;
                }
            )*
        }

        mod postgres {
            use super::{Backend, FromBackend};
            $(
                #[sqlx::test(migrations = false)]
                async fn $name(pool: sqlx::PgPool) {
                    let backend = Backend::postgres(pool).await;
                    super::$name(FromBackend::from_backend(&backend)).await;
                }
            )*
        }
    };
}

conformance! {
    customers_insert_and_read,
    customers_lookup_by_id_digest_and_phone,
    customers_duplicate_id_digest_is_conflict,
    cards_round_trip_every_status,
    cards_of_customer_in_id_order,
    cards_by_pan_digest_and_secrets,
    cards_duplicate_pan_digest_is_conflict,
    card_status_change_writes_history,
    bulk_inserts_then_sync_sequences,
    cases_insert_lock_save_round_trip,
    cases_one_open_per_card,
    case_codes_and_sessions,
    customer_case_locked_by_code_or_session,
    customer_case_lock_misses_a_code_a_resend_replaced,
    cases_filtered_and_paginated,
    customer_overview_reads_what_the_view_shows,
    packages_round_trip,
    outbox_listing_and_idempotency,
    outbox_claim_lease_and_settle,
    outbox_concurrent_claims_are_disjoint,
    credential_failures_counted_since,
    credential_failures_name_a_case_or_an_application,
    customer_cards_locked_in_id_order,
    policy_round_trip,
    dropped_tx_leaves_nothing,
    failed_tx_does_not_block_the_next,
    audit_chain_appends_and_links,
    audit_chain_verified_across_pages,
    audit_log_refuses_update_and_delete,
    audit_tampered_detail_is_detected,
    audit_deleted_entry_is_detected,
    audit_forged_entry_is_detected,
    audit_other_key_breaks_at_first_entry,
    audit_concurrent_appends_stay_gap_free,
}
