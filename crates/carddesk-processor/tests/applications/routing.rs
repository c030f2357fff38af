//! The transit service's routing by whether the person holds an active
//! card, and its refusals, each with a stable reason and nothing stored.

use std::sync::Arc;

use crate::applicant::*;
use crate::common::*;
use carddesk_domain::application::{ApplicationState, AuthRoute};
use carddesk_domain::{CardStatus, FreezeReason};
use carddesk_store::Store;
use chrono::Duration;

pub(crate) async fn routes_by_whether_the_person_holds_an_active_card(
    store: Arc<dyn Store>,
    db: TestDb,
) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let customer = desk.enrol(1, "en", &[CardStatus::Active]).await;
    let lapsed = desk.enrol(2, "en", &[CardStatus::Closed]).await;
    let secondary = p
        .submit_application(form(&customer.id_number, &phone(77)), ADDRESS)
        .await
        .expect("secondary");
    assert_eq!(secondary.route, AuthRoute::TwoCard);
    let first = p
        .submit_application(form(&resident_id(500), &phone(78)), ADDRESS)
        .await
        .expect("first");
    assert_eq!(first.route, AuthRoute::VideoInterview);
    // A customer whose only card is closed holds no active card: a first card.
    let closed = p
        .submit_application(form(&lapsed.id_number, &phone(79)), ADDRESS)
        .await
        .expect("closed card");
    assert_eq!(closed.route, AuthRoute::VideoInterview);
    let stored = desk
        .store
        .application(secondary.application_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.application.state, ApplicationState::Routed);
    assert_eq!(stored.application.customer_id, Some(customer.id));
    assert_eq!(
        stored.consent_version,
        carddesk_processor::applications::CONSENT_VERSION
    );
    assert!(
        !stored
            .applicant
            .document_masked
            .contains(&customer.id_number[4..14])
    );
}

pub(crate) async fn refusals_have_stable_reasons_and_store_nothing(
    store: Arc<dyn Store>,
    db: TestDb,
) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let court = desk
        .enrol(
            3,
            "en",
            &[CardStatus::Active, frozen(FreezeReason::CourtOrder)],
        )
        .await;
    let refused = err(p
        .submit_application(form(&court.id_number, &phone(1)), ADDRESS)
        .await);
    assert_eq!(refused.code(), "court_order_freeze");

    for (change, wanted) in [
        (
            Box::new(
                |f: &mut carddesk_processor::applications::ApplicationForm| {
                    f.consent_recording = false
                },
            ) as Box<dyn Fn(&mut _)>,
            "invalid_input",
        ),
        (
            Box::new(
                |f: &mut carddesk_processor::applications::ApplicationForm| {
                    f.product = "platinum".into()
                },
            ),
            "invalid_input",
        ),
        (
            Box::new(
                |f: &mut carddesk_processor::applications::ApplicationForm| f.name = "  ".into(),
            ),
            "invalid_input",
        ),
        (
            Box::new(
                |f: &mut carddesk_processor::applications::ApplicationForm| {
                    f.name = "x".repeat(101)
                },
            ),
            "invalid_input",
        ),
        (
            Box::new(
                |f: &mut carddesk_processor::applications::ApplicationForm| {
                    f.language = "fr".into()
                },
            ),
            "invalid_input",
        ),
    ] {
        let mut f = form(&resident_id(600), &phone(2));
        change(&mut f);
        assert_eq!(err(p.submit_application(f, ADDRESS).await).code(), wanted);
    }
    assert_eq!(count(&db.raw, "SELECT COUNT(*) FROM applications").await, 0);
    assert_eq!(
        count(&db.raw, "SELECT COUNT(*) FROM application_quota").await,
        0,
        "a refusal counts nothing"
    );

    // One open application per person; withdrawn, they may apply again,
    // up to three a day.
    let person = resident_id(601);
    let open = p
        .submit_application(form(&person, &phone(3)), ADDRESS)
        .await
        .expect("first");
    assert_eq!(
        err(p
            .submit_application(form(&person, &phone(3)), ADDRESS)
            .await)
        .code(),
        "open_application"
    );
    p.withdraw_application(&open.session, ADDRESS)
        .await
        .expect("withdraw");
    for _ in 0..2 {
        let again = p
            .submit_application(form(&person, &phone(3)), ADDRESS)
            .await
            .expect("again");
        p.withdraw_application(&again.session, ADDRESS)
            .await
            .expect("withdraw");
    }
    assert_eq!(
        err(p
            .submit_application(form(&person, &phone(3)), ADDRESS)
            .await)
        .code(),
        "too_many_applications"
    );
    // The next day counts afresh.
    desk.advance(Duration::days(1));
    p.submit_application(form(&person, &phone(3)), ADDRESS)
        .await
        .expect("a new day");
    assert_eq!(count(&db.raw, "SELECT COUNT(*) FROM applications").await, 4);
}
