//! Entries that stand alone (refusals, audited reads) appended together by
//! the audit writer, on both databases: 64 refused steps at once each get
//! their entry, exactly once, committed before the step answers, and the
//! chain still verifies; one alone is recorded as before.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use std::sync::Arc;

use carddesk_domain::CardStatus;
use carddesk_store::{ChainReport, Outcome, Store};
use common::*;

on_both_databases! {
    racing_refusals_are_each_recorded_once =>
        sqlite_racing_refusals_are_each_recorded_once, postgres_racing_refusals_are_each_recorded_once;
}

const AT_ONCE: usize = 64;

async fn racing_refusals_are_each_recorded_once(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store.clone(), &db).await;
    let person = desk.enrol(51, "en", &[CardStatus::Active]).await;
    let card = person.card(0);
    let object = format!("card:{}", card.0);

    // One alone: answered only once its entry is in the log.
    let alone = desk.processor.mark(&agent("alice"), card, CONSOLE).await;
    assert!(alone.is_err(), "an active card cannot be marked");
    let refusals = |entries: Vec<carddesk_store::AuditRecord>| {
        entries
            .into_iter()
            .filter(|r| r.entry.action == "case.mark" && r.entry.outcome == Outcome::Refused)
            .count()
    };
    let logged = store
        .audit_entries(Some(&object), 0, 1_000)
        .await
        .expect("audit");
    assert_eq!(refusals(logged), 1);

    // Many at once: each recorded before it answers, none twice.
    let mut racing = tokio::task::JoinSet::new();
    for i in 0..AT_ONCE {
        let (p, store, object) = (desk.processor.clone(), store.clone(), object.clone());
        racing.spawn(async move {
            let staff = agent(&format!("agent{i}"));
            assert!(p.mark(&staff, card, CONSOLE).await.is_err());
            // Its own entry is there when the refusal reaches the caller.
            let logged = store
                .audit_entries(Some(&object), 0, 1_000)
                .await
                .expect("audit");
            assert!(
                logged
                    .iter()
                    .any(|r| r.entry.actor == format!("agent:agent{i}")),
                "agent{i}'s refusal was answered before it was recorded"
            );
        });
    }
    while let Some(done) = racing.join_next().await {
        done.expect("a racing step");
    }
    let logged = store
        .audit_entries(Some(&object), 0, 1_000)
        .await
        .expect("audit");
    assert_eq!(refusals(logged), AT_ONCE + 1, "each refusal once");
    assert!(matches!(
        desk.processor.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { .. }
    ));
}
