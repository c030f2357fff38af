//! Each hit's open cases.

use std::sync::Arc;

use carddesk_domain::customer::IdDocument;
use carddesk_domain::{CardStatus, CaseState, FreezeReason};
use carddesk_store::Store;

use super::common::*;
use super::fixtures::*;

pub(crate) async fn open_cases_come_with_the_hit(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let alice = agent("alice");
    let wrong_pin = || frozen(FreezeReason::WrongPinLimit);
    let numbers: Vec<String> = (0..4).map(|i| card_ending("8888", 10 + i)).collect();
    let (who, cards) = enrol_caller(
        &desk,
        "Chen Jing",
        &IdDocument::resident_id(&resident_id_ending("0001", 1)).expect("valid"),
        &phone_ending("0001", 1),
        &[
            (&numbers[0], wrong_pin()),
            (&numbers[1], wrong_pin()),
            (&numbers[2], wrong_pin()),
            (&numbers[3], CardStatus::Active),
        ],
    )
    .await;
    let (other, other_cards) = enrol_caller(
        &desk,
        "Chen Ming",
        &IdDocument::resident_id(&resident_id_ending("0002", 2)).expect("valid"),
        &phone_ending("0002", 2),
        &[(&card_ending("9999", 20), wrong_pin())],
    )
    .await;
    let p = &desk.processor;
    let first = p.mark(&alice, cards[0], CONSOLE).await.expect("mark").id;
    let cancelled = p.mark(&alice, cards[1], CONSOLE).await.expect("mark").id;
    p.cancel(&alice, cancelled, "customer hung up", CONSOLE)
        .await
        .expect("cancel");
    let packaged = p.mark(&alice, cards[2], CONSOLE).await.expect("mark").id;
    p.package(&alice, packaged, CONSOLE).await.expect("package");
    let others = p
        .mark(&alice, other_cards[0], CONSOLE)
        .await
        .expect("mark")
        .id;
    // A supervisor gave the first case to bob.
    let mut tx = desk.store.begin().await.expect("begin");
    tx.lock_case(first).await.expect("lock").expect("case");
    tx.assign_case(first, "agent:bob", desk.processor.now())
        .await
        .expect("assign");
    tx.commit().await.expect("commit");

    let found = search(&desk, "chen").await;
    let by_customer: Vec<_> = found
        .hits
        .iter()
        .map(|h| {
            let cases: Vec<_> = h
                .open_cases
                .iter()
                .map(|r| (r.case.id, r.case.state, r.assigned_to.as_str()))
                .collect();
            (h.customer.id, h.cards.len(), cases)
        })
        .collect();
    assert_eq!(
        by_customer,
        vec![
            (
                who,
                4,
                vec![
                    (packaged, CaseState::Packaged, "agent:alice"),
                    (first, CaseState::Marked, "agent:bob"),
                ]
            ),
            (other, 1, vec![(others, CaseState::Marked, "agent:alice")]),
        ]
    );
    // The same whichever way the customer is found.
    let by_card = search(&desk, "8888").await;
    assert_eq!(by_card.hits.len(), 1);
    assert_eq!(by_card.hits[0].open_cases, found.hits[0].open_cases);
}
