//! Refusals when marking: cards that cannot be unfrozen remotely, cards
//! not frozen, and a card with a case already open.

use super::*;

use std::sync::Arc;

use crate::common::*;
use carddesk_domain::{CardStatus, CaseState, FreezeReason};
use carddesk_processor::ProcessorError;
use carddesk_store::{CaseFilter, Outcome, Store};

// ---------------------------------------------------------------------------
// 6. Refusals when marking
// ---------------------------------------------------------------------------

pub(crate) async fn refusals_at_mark(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let bob = agent("bob");
    let person = desk
        .enrol(
            8,
            "zh-CN",
            &[
                frozen(FreezeReason::CourtOrder),
                CardStatus::Active,
                CardStatus::Lost,
                frozen(FreezeReason::WrongPinLimit),
            ],
        )
        .await;
    let (court, active, lost, wrong_pin) = (
        person.card(0),
        person.card(1),
        person.card(2),
        person.card(3),
    );

    let e = err(p.mark(&alice, court, CONSOLE).await);
    assert_eq!(e.code(), "not_remote", "{e:?}");
    assert!(e.to_string().contains("branch"), "{e}");
    let mut refusals = vec![(court, e.to_string())];
    for card in [active, lost] {
        let e = err(p.mark(&alice, card, CONSOLE).await);
        assert_eq!(e.code(), "card_not_frozen", "{e:?}");
        refusals.push((card, e.to_string()));
    }
    let all_cases = CaseFilter {
        limit: 100,
        ..Default::default()
    };
    assert!(
        desk.store
            .cases(&all_cases)
            .await
            .expect("cases")
            .is_empty()
    );
    for (card, message) in &refusals {
        let object = format!("card:{}", card.0);
        let entries = desk
            .store
            .audit_entries(Some(&object), 0, 100)
            .await
            .expect("audit");
        assert_eq!(entries.len(), 1, "{entries:?}");
        let entry = &entries[0].entry;
        assert_eq!(entry.action, "case.mark");
        assert_eq!(entry.outcome, Outcome::Refused);
        assert_eq!(entry.actor, "agent:alice");
        assert_eq!(entry.origin, CONSOLE);
        assert_eq!(&entry.detail, message);
    }

    let case = p.mark(&alice, wrong_pin, CONSOLE).await.expect("mark");
    let e = err(p.mark(&bob, wrong_pin, CONSOLE).await);
    assert!(matches!(e, ProcessorError::CaseAlreadyOpen), "{e:?}");
    assert_eq!(e.code(), "case_open");
    let object = format!("card:{}", wrong_pin.0);
    let entries = desk
        .store
        .audit_entries(Some(&object), 0, 100)
        .await
        .expect("audit");
    let last = &entries.last().expect("refusal entry").entry;
    assert_eq!(
        (last.action.as_str(), last.actor.as_str(), last.outcome),
        ("case.mark", "agent:bob", Outcome::Refused)
    );
    assert_eq!(desk.store.cases(&all_cases).await.expect("cases").len(), 1);
    assert_eq!(stored_case(&desk, case.id).await.state, CaseState::Marked);

    // Once the open case is cancelled, the card can be marked again.
    let cancelled = p
        .cancel(&alice, case.id, "the customer hung up", CONSOLE)
        .await
        .expect("cancel");
    assert_eq!(cancelled.state, CaseState::Cancelled);
    let again = p.mark(&bob, wrong_pin, CONSOLE).await.expect("mark again");
    assert_ne!(again.id, case.id);

    assert!(is_frozen(
        desk.card_status(court).await,
        FreezeReason::CourtOrder
    ));
    assert_eq!(desk.card_status(active).await, CardStatus::Active);
    assert_eq!(desk.card_status(lost).await, CardStatus::Lost);
    assert_chain_intact(&desk).await;
}
