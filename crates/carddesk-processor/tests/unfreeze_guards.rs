//! What an unfreeze checks before it lifts, on both databases: the card must
//! still be frozen for the reason its case was opened for (a card frozen
//! again by court order, or unfrozen at a branch, while the case was open
//! stays as it is, on the customer's path and the supervisor's), and a code
//! replaced by a resend is never accepted, even by requests racing the
//! resend.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use std::sync::Arc;

use carddesk_domain::case::{CaseError, CaseId};
use carddesk_domain::{CardId, CardStatus, CaseState, FreezeReason};
use carddesk_processor::{ProcessorError, VerifyOutcome};
use carddesk_store::{ChainReport, Outcome, Store};
use common::*;

on_both_databases! {
    court_order_stays_on_verify => sqlite_court_order_stays_on_verify, postgres_court_order_stays_on_verify;
    unfrozen_card_stays_on_verify =>
        sqlite_unfrozen_card_stays_on_verify, postgres_unfrozen_card_stays_on_verify;
    court_order_stays_on_approve =>
        sqlite_court_order_stays_on_approve, postgres_court_order_stays_on_approve;
    replaced_code_loses_the_race =>
        sqlite_replaced_code_loses_the_race, postgres_replaced_code_loses_the_race;
}

/// Freezes the card again by court order behind the case's back, as the
/// bank's core system would (a court order needs no case).
async fn court_order(db: &TestDb, card: CardId) {
    let n = db
        .raw
        .exec(&format!(
            "UPDATE cards SET freeze_reason = 'court_order' WHERE id = {}",
            card.0
        ))
        .await
        .expect("court order");
    assert_eq!(n, 1);
}

/// The case's audit entries as (action, outcome).
async fn entries(desk: &Desk, case: CaseId) -> Vec<(String, Outcome)> {
    desk.processor
        .timeline(case)
        .await
        .expect("timeline")
        .into_iter()
        .map(|r| (r.entry.action, r.entry.outcome))
        .collect()
}

/// The case was refused and cancelled, with the reason in its timeline,
/// and nothing was lifted.
async fn assert_cancelled_unlifted(desk: &Desk, case: CaseId, attempt: &str, why: &str) {
    assert_eq!(
        desk.processor.case(case).await.expect("case").state,
        CaseState::Cancelled
    );
    let timeline = desk.processor.timeline(case).await.expect("timeline");
    let cancelled = timeline
        .iter()
        .find(|r| r.entry.action == "case.cancelled")
        .expect("the cancellation is audited");
    assert!(
        cancelled.entry.detail.contains(why),
        "{:?}",
        cancelled.entry.detail
    );
    let actions = entries(desk, case).await;
    assert!(
        actions.contains(&(attempt.to_owned(), Outcome::Refused)),
        "{actions:?}"
    );
    assert!(
        !actions.iter().any(|(a, _)| a == "card.unfrozen"),
        "{actions:?}"
    );
    let chain = desk.processor.verify_audit_chain().await.expect("chain");
    assert!(matches!(chain, ChainReport::Intact { .. }), "{chain:?}");
}

async fn court_order_stays_on_verify(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let person = desk
        .enrol(41, "en", &[frozen(FreezeReason::WrongPinLimit)])
        .await;
    let card = person.card(0);
    let (case, session) = desk.challenged(&agent("alice"), card).await;
    court_order(&db, card).await;

    let err = desk
        .processor
        .verify(&session, person.right(), PHONE)
        .await
        .expect_err("a court order is not lifted");
    assert!(matches!(err, ProcessorError::CaseClosed), "{err:?}");
    assert_eq!(
        desk.card_status(card).await.freeze_reason(),
        Some(FreezeReason::CourtOrder)
    );
    assert_cancelled_unlifted(&desk, case, "case.verify", "court_order").await;
    // A closed case does not reopen on a second try.
    let again = desk
        .processor
        .verify(&session, person.right(), PHONE)
        .await
        .expect_err("still refused");
    assert!(matches!(again, ProcessorError::CaseClosed), "{again:?}");
    assert_eq!(
        desk.card_status(card).await.freeze_reason(),
        Some(FreezeReason::CourtOrder)
    );
}

async fn unfrozen_card_stays_on_verify(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let person = desk.enrol(42, "en", &[frozen(FreezeReason::Dormant)]).await;
    let card = person.card(0);
    let (case, session) = desk.challenged(&agent("alice"), card).await;
    // Unfrozen at a branch, then reported lost: nothing for the case to lift.
    db.raw
        .exec(&format!(
            "UPDATE cards SET status = 'lost', freeze_reason = NULL, frozen_since = NULL \
             WHERE id = {}",
            card.0
        ))
        .await
        .expect("card lost");

    let err = desk
        .processor
        .verify(&session, person.right(), PHONE)
        .await
        .expect_err("a lost card is not made active");
    assert!(matches!(err, ProcessorError::CaseClosed), "{err:?}");
    assert_eq!(desk.card_status(card).await, CardStatus::Lost);
    assert_cancelled_unlifted(&desk, case, "case.verify", "lost").await;
}

async fn court_order_stays_on_approve(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let person = desk
        .enrol(43, "en", &[frozen(FreezeReason::SuspiciousTransaction)])
        .await;
    let card = person.card(0);
    let (case, session) = desk.challenged(&agent("alice"), card).await;
    assert_eq!(
        desk.processor
            .verify(&session, person.right(), PHONE)
            .await
            .expect("verify"),
        VerifyOutcome::AwaitingApproval
    );
    court_order(&db, card).await;

    let err = desk
        .processor
        .approve(&supervisor("tom"), case, CONSOLE)
        .await
        .expect_err("a court order is not lifted");
    assert!(
        matches!(
            err,
            ProcessorError::Case(CaseError::FreezeChanged {
                opened_for: FreezeReason::SuspiciousTransaction,
                now: FreezeReason::CourtOrder,
            })
        ),
        "{err:?}"
    );
    assert_eq!(
        desk.card_status(card).await.freeze_reason(),
        Some(FreezeReason::CourtOrder)
    );
    assert_cancelled_unlifted(&desk, case, "case.approve", "court_order").await;
    let actions = entries(&desk, case).await;
    assert!(
        !actions.iter().any(|(a, _)| a == "case.approved"),
        "{actions:?}"
    );
}

/// Twenty requests with the first code race a resend, five times over.
/// Whichever commits first wins: either the resend (then no request with
/// the old code succeeds, and the new code opens the case) or one request
/// (then the resend is refused, the case having moved on).
async fn replaced_code_loses_the_race(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let alice = agent("alice");
    for round in 0..5u32 {
        let person = desk
            .enrol(50 + round, "en", &[frozen(FreezeReason::WrongPinLimit)])
            .await;
        let card = person.card(0);
        let (case, old) = desk.instructed(&alice, card).await;

        let resend = {
            let p = desk.processor.clone();
            let alice = alice.clone();
            tokio::spawn(async move { p.resend(&alice, case, TEXT, CONSOLE).await })
        };
        // Spread over the resend's few milliseconds, so that some requests
        // look the old code up before the resend commits and take the
        // case's lock after.
        let requests: Vec<_> = (0..20u64)
            .map(|i| {
                let p = desk.processor.clone();
                let old = old.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_micros(400 * i)).await;
                    p.request_unfreeze(&old, PHONE).await
                })
            })
            .collect();
        let mut accepted = 0;
        for request in requests {
            match request.await.expect("request task") {
                Ok(session) => {
                    assert_eq!(session.case_id, case);
                    accepted += 1;
                }
                Err(
                    ProcessorError::NotFound(_)
                    | ProcessorError::CodeUsed
                    | ProcessorError::CaseClosed,
                ) => {}
                Err(e) => panic!("round {round}: unexpected {e:?}"),
            }
        }
        let resent = resend.await.expect("resend task");
        assert!(accepted <= 1, "round {round}: {accepted} requests accepted");
        match resent {
            Ok(_) => {
                assert_eq!(
                    accepted, 0,
                    "round {round}: the old code was accepted and the resend committed"
                );
                let new = desk.code_for(case).await;
                assert_ne!(new, old);
                assert!(matches!(
                    desk.processor.request_unfreeze(&old, PHONE).await,
                    Err(ProcessorError::NotFound(_))
                ));
                desk.processor
                    .request_unfreeze(&new, PHONE)
                    .await
                    .expect("the new code opens the case");
            }
            Err(e) => {
                assert_eq!(
                    accepted, 1,
                    "round {round}: resend refused ({e:?}) for nothing"
                );
            }
        }
        assert_eq!(
            desk.processor.case(case).await.expect("case").state,
            CaseState::Requested
        );
        let requested = entries(&desk, case)
            .await
            .iter()
            .filter(|(a, o)| a == "case.requested" && *o == Outcome::Success)
            .count();
        assert_eq!(requested, 1, "round {round}");
    }
}
