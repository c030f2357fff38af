//! Maker-checker over every step, on both databases: a supervisor who
//! opened, packaged, instructed or resent a case may neither approve nor
//! reject it (`maker_checker`, audited as refused, the case still verified
//! and the card still frozen), while a supervisor who took no step approves.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use std::sync::Arc;

use carddesk_domain::case::CaseId;
use carddesk_domain::{CardStatus, CaseState, FreezeReason, StaffMember};
use carddesk_processor::VerifyOutcome;
use carddesk_store::{Outcome, Store};
use common::*;

on_both_databases! {
    opener_may_not_check => sqlite_opener_may_not_check, postgres_opener_may_not_check;
    packager_may_not_check => sqlite_packager_may_not_check, postgres_packager_may_not_check;
    instructor_may_not_check =>
        sqlite_instructor_may_not_check, postgres_instructor_may_not_check;
    resender_may_not_check => sqlite_resender_may_not_check, postgres_resender_may_not_check;
}

/// The step the supervisor takes; the agent takes the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Open,
    Package,
    Instruct,
    Resend,
}

async fn opener_may_not_check(store: Arc<dyn Store>, db: TestDb) {
    supervisor_took(Step::Open, store, db).await;
}

async fn packager_may_not_check(store: Arc<dyn Store>, db: TestDb) {
    supervisor_took(Step::Package, store, db).await;
}

async fn instructor_may_not_check(store: Arc<dyn Store>, db: TestDb) {
    supervisor_took(Step::Instruct, store, db).await;
}

async fn resender_may_not_check(store: Arc<dyn Store>, db: TestDb) {
    supervisor_took(Step::Resend, store, db).await;
}

/// Takes a case needing approval to verified, with supervisor Sam taking
/// `step` and agent Alice the rest; then Sam's approve and reject are
/// refused and Tom, who took no step, approves.
async fn supervisor_took(step: Step, store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let sam = supervisor("sam");
    let tom = supervisor("tom");
    let by = |s: Step| -> &StaffMember { if s == step { &sam } else { &alice } };
    let reason = FreezeReason::SuspiciousTransaction;
    let person = desk.enrol(31, "en", &[frozen(reason)]).await;
    let card = person.card(0);

    let case = p
        .mark(by(Step::Open), card, CONSOLE)
        .await
        .expect("mark")
        .id;
    assert!(p.case(case).await.expect("case").needs_approval);
    if step == Step::Open {
        // Sam hands the case to Alice, as the desk's reassign does, so
        // that she may take the other steps.
        let mut tx = desk.store.begin().await.expect("begin");
        tx.lock_case(case).await.expect("lock").expect("the case");
        tx.assign_case(case, "agent:alice", start())
            .await
            .expect("assign");
        tx.commit().await.expect("commit");
    }
    p.package(by(Step::Package), case, CONSOLE)
        .await
        .expect("package");
    p.instruct(by(Step::Instruct), case, TEXT, CONSOLE)
        .await
        .expect("instruct");
    if step == Step::Resend {
        p.resend(&sam, case, TEXT, CONSOLE).await.expect("resend");
    }
    let session = p
        .request_unfreeze(&desk.code_for(case).await, PHONE)
        .await
        .expect("request");
    p.challenge(&session.token, PHONE).await.expect("challenge");
    assert_eq!(
        p.verify(&session.token, person.right(), PHONE)
            .await
            .expect("verify"),
        VerifyOutcome::AwaitingApproval
    );

    let e = err(p.approve(&sam, case, CONSOLE).await);
    assert_eq!(e.code(), "maker_checker", "{step:?}: {e:?}");
    let e = err(p.reject(&sam, case, "not convinced", CONSOLE).await);
    assert_eq!(e.code(), "maker_checker", "{step:?}: {e:?}");
    assert_eq!(
        p.case(case).await.expect("case").state,
        CaseState::Verified,
        "{step:?}"
    );
    assert!(
        matches!(desk.card_status(card).await, CardStatus::Frozen { reason: r, .. } if r == reason),
        "{step:?}"
    );
    assert!(
        desk.store
            .card_history(card)
            .await
            .expect("history")
            .is_empty()
    );
    assert_refused(
        &desk,
        case,
        &["case.approve", "case.reject"],
        "supervisor:sam",
    )
    .await;

    let approved = p.approve(&tom, case, CONSOLE).await.expect("approve");
    assert_eq!(approved.state, CaseState::Unfrozen, "{step:?}");
    assert_eq!(desk.card_status(card).await, CardStatus::Active);
    let history = desk.store.card_history(card).await.expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].actor, "supervisor:tom");
}

/// The case's timeline holds, for each of `actions`, a refused entry by
/// `actor` that says why, and no successful one.
async fn assert_refused(desk: &Desk, case: CaseId, actions: &[&str], actor: &str) {
    let timeline = desk.processor.timeline(case).await.expect("timeline");
    for action in actions {
        let by_actor: Vec<_> = timeline
            .iter()
            .map(|r| &r.entry)
            .filter(|e| e.action == *action && e.actor == actor)
            .collect();
        assert_eq!(by_actor.len(), 1, "{action}: {by_actor:?}");
        assert_eq!(by_actor[0].outcome, Outcome::Refused, "{action}");
        assert!(
            by_actor[0].detail.contains("approve or reject"),
            "{action}: {}",
            by_actor[0].detail
        );
    }
    assert!(
        !timeline
            .iter()
            .any(|r| r.entry.action == "case.approved" || r.entry.action == "case.rejected"),
        "nothing was decided yet"
    );
}
