//! How long an application lasts: the card shown only within the
//! application's day, and an unfinished application that expires and
//! frees its applicant.

use super::*;

use std::sync::Arc;

use crate::applicant::*;
use crate::common::*;
use carddesk_domain::CardStatus;
use carddesk_domain::application::ApplicationState;
use carddesk_store::Store;
use chrono::Duration;

pub(crate) async fn the_card_is_shown_only_within_the_applications_day(
    store: Arc<dyn Store>,
    db: TestDb,
) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let person = desk.enrol(640, "en", &[CardStatus::Active]).await;
    let s = p
        .submit_application(form(&person.id_number, &phone(8)), ADDRESS)
        .await
        .expect("submit");
    p.prove_card(
        &s.session,
        &pan(&person.cards[0].number),
        password(PASSWORD),
        ADDRESS,
    )
    .await
    .expect("proven");
    let code = code_sent(&desk, s.application_id).await;
    p.enter_application_code(&s.session, &code, ADDRESS)
        .await
        .expect("issued");
    desk.advance(Duration::hours(25));
    assert_eq!(
        err(p.reveal_card(&s.session, ADDRESS).await).code(),
        "expired",
        "a leaked session opens nothing a day on"
    );
}

pub(crate) async fn an_unfinished_application_expires_and_frees_its_applicant(
    store: Arc<dyn Store>,
    db: TestDb,
) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let person = resident_id(620);
    let s = p
        .submit_application(form(&person, &phone(6)), ADDRESS)
        .await
        .expect("submit");
    desk.advance(Duration::hours(23));
    assert_eq!(
        p.expire_due_applications(100).await.expect("sweep"),
        0,
        "not yet"
    );
    desk.advance(Duration::hours(1));
    assert_eq!(p.expire_due_applications(100).await.expect("sweep"), 1);
    let stored = desk
        .store
        .application(s.application_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.application.state, ApplicationState::Expired);
    assert!(
        p.upload_interview_media(&s.session, carddesk_store::MediaKind::Video, b"x", ADDRESS)
            .await
            .is_err()
    );
    p.submit_application(form(&person, &phone(6)), ADDRESS)
        .await
        .expect("free to apply again");
}
