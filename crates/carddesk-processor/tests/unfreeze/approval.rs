//! Approval (maker-checker): a case that needs a supervisor other than the
//! one who opened it, approved or rejected.

use super::*;

use std::sync::Arc;

use crate::common::*;
use carddesk_domain::{CardStatus, CaseState, Channel, FreezeReason};
use carddesk_processor::VerifyOutcome;
use carddesk_store::{Outcome, Store};

// ---------------------------------------------------------------------------
// 7. Approval (maker-checker)
// ---------------------------------------------------------------------------

pub(crate) async fn approval_needs_another_supervisor(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let sam = supervisor("sam");
    let sue = supervisor("sue");
    let suspicious = frozen(FreezeReason::SuspiciousTransaction);
    let person = desk.enrol(9, "en", &[suspicious, suspicious]).await;
    let card = person.card(0);

    // Sam opens the case; the customer's credentials match; the card waits.
    let (a, sa) = desk.challenged(&sam, card).await;
    assert!(stored_case(&desk, a).await.needs_approval);
    assert_eq!(
        p.verify(&sa, person.right(), PHONE).await.expect("verify"),
        VerifyOutcome::AwaitingApproval
    );
    assert_eq!(stored_case(&desk, a).await.state, CaseState::Verified);
    assert!(is_frozen(
        desk.card_status(card).await,
        FreezeReason::SuspiciousTransaction
    ));
    assert!(history(&desk, card).await.is_empty());

    let e = err(p.approve(&alice, a, CONSOLE).await);
    assert_eq!(e.code(), "forbidden", "{e:?}");
    let e = err(p.approve(&sam, a, CONSOLE).await);
    assert_eq!(e.code(), "maker_checker", "{e:?}");
    assert_eq!(stored_case(&desk, a).await.state, CaseState::Verified);
    assert!(is_frozen(
        desk.card_status(card).await,
        FreezeReason::SuspiciousTransaction
    ));

    let approved = p.approve(&sue, a, CONSOLE).await.expect("approve");
    assert_eq!(approved.state, CaseState::Unfrozen);
    assert_eq!(stored_case(&desk, a).await.state, CaseState::Unfrozen);
    assert_eq!(desk.card_status(card).await, CardStatus::Active);
    let transitions = history(&desk, card).await;
    assert_eq!(transitions.len(), 1);
    assert_eq!(transitions[0].channel, Channel::Agent);
    assert_eq!(transitions[0].actor, "supervisor:sue");
    assert_eq!(
        transitions[0].reason,
        Some(FreezeReason::SuspiciousTransaction)
    );
    let entries = timeline(&desk, a).await;
    let tail: Vec<(&str, &str, Outcome)> = entries[entries.len() - 5..]
        .iter()
        .map(|r| {
            (
                r.entry.action.as_str(),
                r.entry.actor.as_str(),
                r.entry.outcome,
            )
        })
        .collect();
    let customer = format!("customer:{}", person.id.0);
    assert_eq!(
        tail,
        [
            ("case.verified", customer.as_str(), Outcome::Success),
            ("case.approve", "agent:alice", Outcome::Refused),
            ("case.approve", "supervisor:sam", Outcome::Refused),
            ("case.approved", "supervisor:sue", Outcome::Success),
            ("card.unfrozen", "supervisor:sue", Outcome::Success),
        ]
    );
    let e = err(p.approve(&sue, a, CONSOLE).await);
    assert_eq!(e.code(), "illegal_state", "{e:?}");
    assert_eq!(history(&desk, card).await.len(), 1);

    // The reject path leaves the card frozen.
    let other = person.card(1);
    let (b, sb) = desk.challenged(&alice, other).await;
    assert_eq!(
        p.verify(&sb, person.right(), PHONE).await.expect("verify"),
        VerifyOutcome::AwaitingApproval
    );
    let e = err(p.reject(&alice, b, "looks wrong", CONSOLE).await);
    assert_eq!(e.code(), "forbidden", "{e:?}");
    let rejected = p
        .reject(&sue, b, "the transaction was confirmed fraudulent", CONSOLE)
        .await
        .expect("reject");
    assert_eq!(rejected.state, CaseState::Rejected);
    assert_eq!(stored_case(&desk, b).await.state, CaseState::Rejected);
    let e = err(p.approve(&sam, b, CONSOLE).await);
    assert_eq!(e.code(), "illegal_state", "{e:?}");
    let e = err(p.verify(&sb, person.right(), PHONE).await);
    assert_eq!(e.code(), "case_closed", "{e:?}");
    assert!(is_frozen(
        desk.card_status(other).await,
        FreezeReason::SuspiciousTransaction
    ));
    assert!(history(&desk, other).await.is_empty());
    let last = timeline(&desk, b)
        .await
        .into_iter()
        .rfind(|r| r.entry.action == "case.rejected")
        .expect("rejection audited");
    assert_eq!(last.entry.actor, "supervisor:sue");
    assert_chain_intact(&desk).await;
}
