//! Expiry: codes and sessions that run out, and the sweep that expires
//! what ran out, however many cases are open.

use super::*;

use std::sync::Arc;

use crate::common::*;
use carddesk_domain::card::CardNumber;
use carddesk_domain::case::UnfreezeCase;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{Card, CaseState, FreezeReason, PolicyLimits};
use carddesk_processor::enrol::{card_record, customer_record};
use carddesk_processor::{Event, ProcessorError, passwords};
use carddesk_store::{CaseFilter, Outcome, Store};
use chrono::Duration;
use secrecy::SecretString;

// ---------------------------------------------------------------------------
// 4. Expiry
// ---------------------------------------------------------------------------

pub(crate) async fn codes_expire(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let wrong_pin = frozen(FreezeReason::WrongPinLimit);
    let person = desk.enrol(6, "zh-CN", &[wrong_pin, wrong_pin]).await;
    let card = person.card(0);
    let mut events = p.events().subscribe();

    // The code runs out before the customer uses it.
    let (a, code_a) = desk.instructed(&alice, card).await;
    desk.advance(Duration::minutes(16));
    let e = err(p.request_unfreeze(&code_a, PHONE).await);
    assert!(matches!(e, ProcessorError::Expired), "{e:?}");
    assert_eq!(e.code(), "expired");
    assert_eq!(stored_case(&desk, a).await.state, CaseState::Expired);
    let last = timeline(&desk, a).await.pop().expect("entries");
    assert_eq!(
        (
            last.entry.action.as_str(),
            last.entry.actor.as_str(),
            last.entry.outcome
        ),
        ("case.expired", "system", Outcome::Success)
    );
    assert!(drain(&mut events).await.contains(&Event::CaseChanged {
        case_id: a,
        state: CaseState::Expired
    }));
    let again = err(p.request_unfreeze(&code_a, PHONE).await);
    assert!(
        ["expired", "case_closed"].contains(&again.code()),
        "{again:?}"
    );
    assert_eq!(stored_case(&desk, a).await.state, CaseState::Expired);

    // The session runs out between the challenge and the upload.
    let (b, sb) = desk.challenged(&alice, card).await;
    desk.advance(Duration::minutes(14));
    let challenge = p.challenge(&sb, PHONE).await.expect("still live");
    assert_eq!(challenge.attempts_left, 3);
    desk.advance(Duration::minutes(2));
    let e = err(p.verify(&sb, person.right(), PHONE).await);
    assert!(matches!(e, ProcessorError::Expired), "{e:?}");
    let case_b = stored_case(&desk, b).await;
    assert_eq!(
        (case_b.state, case_b.failed_attempts),
        (CaseState::Expired, 0)
    );
    assert!(is_frozen(
        desk.card_status(card).await,
        FreezeReason::WrongPinLimit
    ));
    assert!(history(&desk, card).await.is_empty());
    let again = err(p.verify(&sb, person.right(), PHONE).await);
    assert!(
        ["expired", "case_closed"].contains(&again.code()),
        "{again:?}"
    );
    assert!(is_frozen(
        desk.card_status(card).await,
        FreezeReason::WrongPinLimit
    ));

    // The sweep expires what ran out, and only that.
    let (c, _) = desk.instructed(&alice, card).await;
    desk.advance(Duration::minutes(10));
    let (d, code_d) = desk.instructed(&alice, person.card(1)).await;
    desk.advance(Duration::minutes(6));
    assert_eq!(p.expire_due().await.expect("sweep"), 1);
    assert_eq!(stored_case(&desk, c).await.state, CaseState::Expired);
    assert_eq!(stored_case(&desk, d).await.state, CaseState::Instructed);
    assert_eq!(p.expire_due().await.expect("sweep"), 0);
    desk.advance(Duration::minutes(10));
    assert_eq!(p.expire_due().await.expect("sweep"), 1);
    assert_eq!(stored_case(&desk, d).await.state, CaseState::Expired);
    let e = err(p.request_unfreeze(&code_d, PHONE).await);
    assert!(["expired", "case_closed"].contains(&e.code()), "{e:?}");
    for card in [person.card(0), person.card(1)] {
        assert!(is_frozen(
            desk.card_status(card).await,
            FreezeReason::WrongPinLimit
        ));
    }
    assert_chain_intact(&desk).await;
}

/// More open cases than one page of the store's listing: the sweep must
/// still reach the oldest, which are the ones that run out first.
pub(crate) async fn expire_due_reaches_the_oldest_cases(store: Arc<dyn Store>, db: TestDb) {
    const CASES: u32 = 501;
    let desk = Desk::new(store, &db).await;
    let alice = agent("alice");
    let keys = &desk.keys;
    let limits = PolicyLimits::default();
    let rule = desk.processor.policy().rule(FreezeReason::Dormant).clone();
    let status = frozen(FreezeReason::Dormant);
    let password_hash = passwords::hash(&SecretString::from(PASSWORD.to_owned()));
    let document = IdDocument::resident_id(&resident_id(20)).expect("id");
    let phone_number = PhoneNumber::parse(&phone(20)).expect("phone");
    let mut tx = desk.store.begin().await.expect("begin");
    let customer = tx
        .insert_customer(&customer_record(
            keys,
            "Many Cards",
            &document,
            &phone_number,
            "en",
        ))
        .await
        .expect("customer");
    let mut ids = Vec::new();
    for i in 0..CASES {
        let pan = CardNumber::parse(&card_number(5_000 + i)).expect("pan");
        let card_id = tx
            .insert_card(&card_record(
                keys,
                customer,
                &pan,
                password_hash.clone(),
                "Debit",
                status,
            ))
            .await
            .expect("card");
        let card = Card {
            id: card_id,
            customer_id: customer,
            bin: pan.bin().to_owned(),
            last_four: pan.last_four().to_owned(),
            pan_length: 16,
            product: "Debit".to_owned(),
            status,
        };
        // The first case was instructed 20 minutes ago, the others now.
        let at = if i == 0 {
            start() - Duration::minutes(20)
        } else {
            start()
        };
        let mut case = UnfreezeCase::open(&card, &rule, &alice, at).expect("open");
        case.package(at).expect("package");
        case.instruct(at, &limits).expect("instruct");
        ids.push(tx.insert_case(&case).await.expect("case"));
    }
    tx.commit().await.expect("commit");

    assert_eq!(desk.processor.expire_due().await.expect("sweep"), 1);
    assert_eq!(stored_case(&desk, ids[0]).await.state, CaseState::Expired);
    assert_eq!(
        stored_case(&desk, ids[ids.len() - 1]).await.state,
        CaseState::Instructed
    );
    let open = desk
        .store
        .cases(&CaseFilter {
            states: vec![CaseState::Instructed],
            limit: 1_000,
            ..Default::default()
        })
        .await
        .expect("cases");
    assert_eq!(open.len(), CASES as usize - 1);
}
