//! Races: uploads racing to unfreeze once, and many agents instructing at
//! once, each with its hand-written pair of tests.

use super::*;

use std::sync::Arc;

use crate::common::*;
use carddesk_domain::{CardStatus, CardStatusKind, CaseState, FreezeReason};
use carddesk_processor::{ProcessorError, VerifyOutcome};
use carddesk_store::Store;

// ---------------------------------------------------------------------------
// 8. Racing uploads unfreeze once
// ---------------------------------------------------------------------------

async fn concurrent_uploads_unfreeze_once(store: Arc<dyn Store>, db: TestDb) {
    const REQUESTS: usize = 20;
    const UPLOADS: usize = 50;
    let desk = Desk::new(store, &db).await;
    let alice = agent("alice");
    let person = desk
        .enrol(11, "zh-CN", &[frozen(FreezeReason::WrongPinLimit)])
        .await;
    let card = person.card(0);
    let (case, code) = desk.instructed(&alice, card).await;

    // The same code, many times at once: one session.
    let requests: Vec<_> = (0..REQUESTS)
        .map(|_| {
            let p = desk.processor.clone();
            let code = code.clone();
            tokio::spawn(async move { p.request_unfreeze(&code, PHONE).await })
        })
        .collect();
    let mut sessions = Vec::new();
    for r in futures::future::join_all(requests).await {
        match r.expect("task ran") {
            Ok(session) => sessions.push(session),
            Err(e) => assert!(matches!(e, ProcessorError::CodeUsed), "{e:?}"),
        }
    }
    assert_eq!(sessions.len(), 1, "exactly one request opens the case");
    let token = sessions.pop().expect("one session").token;
    desk.processor
        .challenge(&token, PHONE)
        .await
        .expect("challenge");

    // The right credentials, many times at once: one unfreeze.
    let uploads: Vec<_> = (0..UPLOADS)
        .map(|_| {
            let p = desk.processor.clone();
            let token = token.clone();
            let upload = person.right();
            tokio::spawn(async move { p.verify(&token, upload, PHONE).await })
        })
        .collect();
    let mut unfrozen = 0;
    let mut codes = Vec::new();
    for r in futures::future::join_all(uploads).await {
        match r.expect("task ran") {
            Ok(outcome) => {
                assert_eq!(outcome, VerifyOutcome::Unfrozen);
                unfrozen += 1;
            }
            Err(e) => codes.push(e.code()),
        }
    }
    assert_eq!(unfrozen, 1, "errors: {codes:?}");
    assert!(codes.iter().all(|c| *c == "case_closed"), "{codes:?}");

    assert_eq!(desk.card_status(card).await, CardStatus::Active);
    let transitions = history(&desk, card).await;
    assert_eq!(transitions.len(), 1, "{transitions:?}");
    assert_eq!(
        (transitions[0].from, transitions[0].to),
        (CardStatusKind::Frozen, CardStatusKind::Active)
    );
    let case_now = stored_case(&desk, case).await;
    assert_eq!(
        (case_now.state, case_now.failed_attempts),
        (CaseState::Unfrozen, 0)
    );
    let actions = desk.actions(case).await;
    let count = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert_eq!(count("card.unfrozen"), 1);
    assert_eq!(count("case.verified"), 1);
    assert_eq!(count("case.requested"), 1);
    assert_eq!(count("case.verify"), UPLOADS - 1, "refusals audited");
    assert_eq!(count("case.request"), REQUESTS - 1, "refusals audited");
    assert_chain_intact(&desk).await;
}

/// On the SQLite file the console opens (WAL, a pool of writers).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_uploads_unfreeze_once() {
    let (store, db) = common::sqlite_file().await;
    concurrent_uploads_unfreeze_once(store, db).await;
}

/// `#[sqlx::test]` makes the database but runs on a current-thread
/// runtime: the race runs on a multi-threaded runtime of its own, over a
/// new pool to the same database.
#[sqlx::test(migrations = false)]
async fn postgres_concurrent_uploads_unfreeze_once(pool: sqlx::PgPool) {
    common::on_postgres(pool, concurrent_uploads_unfreeze_once);
}

/// Many agents instructing at once, more of them than the pool has
/// connections: no step may hold its transaction's connection while it
/// waits for another from the same pool, or they all wait on each other
/// until the pool's acquire timeout (PostgreSQL) or SQLite's busy timeout
/// fails them.
async fn many_instructs_at_once(store: Arc<dyn Store>, db: TestDb) {
    const CASES: u32 = 12;
    let desk = Desk::new(store, &db).await;
    let alice = agent("alice");
    let statuses = vec![frozen(FreezeReason::Dormant); CASES as usize];
    let person = desk.enrol(13, "en", &statuses).await;
    let mut cases = Vec::new();
    for card in &person.cards {
        let case = desk
            .processor
            .mark(&alice, card.id, CONSOLE)
            .await
            .expect("mark");
        desk.processor
            .package(&alice, case.id, CONSOLE)
            .await
            .expect("package");
        cases.push(case.id);
    }
    let tasks: Vec<_> = cases
        .iter()
        .map(|case| {
            let p = desk.processor.clone();
            let (case, alice) = (*case, alice.clone());
            tokio::spawn(async move { p.instruct(&alice, case, TEXT, CONSOLE).await })
        })
        .collect();
    for r in futures::future::join_all(tasks).await {
        let case = r.expect("task ran").expect("instruct");
        assert_eq!(case.state, CaseState::Instructed);
    }
    for case in &cases {
        assert_eq!(stored_case(&desk, *case).await.state, CaseState::Instructed);
        desk.code_for(*case).await;
    }
    assert_chain_intact(&desk).await;
}

/// On the SQLite file the console opens: a pool of 8 connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_many_instructs_at_once() {
    let (store, db) = common::sqlite_file().await;
    many_instructs_at_once(store, db).await;
}

/// On PostgreSQL through a pool smaller than the number of agents.
#[sqlx::test(migrations = false)]
async fn postgres_many_instructs_at_once(pool: sqlx::PgPool) {
    let small = carddesk_store::PgStore::pool_options()
        .max_connections(4)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect_with((*pool.connect_options()).clone())
        .await
        .expect("connect");
    let (store, db) = common::postgres(small.clone()).await;
    many_instructs_at_once(store, db).await;
    small.close().await;
}
