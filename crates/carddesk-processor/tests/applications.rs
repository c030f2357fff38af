//! Virtual-card applications (issue 8): the transit service's routing and
//! refusals, and the two-card route to an issued card, on both databases.

mod applicant;
mod common;

use std::sync::Arc;

use applicant::*;
use carddesk_domain::application::{ApplicationState, AuthRoute};
use carddesk_domain::card::CardNumber;
use carddesk_domain::{CardStatus, FreezeReason};
use carddesk_processor::ProcessorError;
use carddesk_store::Store;
use chrono::Duration;
use common::*;
use secrecy::{ExposeSecret, SecretString};

fn pan(s: &str) -> CardNumber {
    CardNumber::parse(s).expect("valid PAN")
}

fn password(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

async fn routes_by_whether_the_person_holds_an_active_card(store: Arc<dyn Store>, db: TestDb) {
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

async fn refusals_have_stable_reasons_and_store_nothing(store: Arc<dyn Store>, db: TestDb) {
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

async fn two_cards_to_an_issued_card_shown_once(store: Arc<dyn Store>, db: TestDb) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let person = desk.enrol(4, "en", &[CardStatus::Active]).await;
    let typed_phone = phone(404);
    let s = p
        .submit_application(form(&person.id_number, &typed_phone), ADDRESS)
        .await
        .expect("submit");
    // A wrong card (someone else's number) and a wrong password fail alike.
    let other = desk.enrol(5, "en", &[CardStatus::Active]).await;
    let a = err(p
        .prove_card(
            &s.session,
            &pan(&other.cards[0].number),
            password(PASSWORD),
            ADDRESS,
        )
        .await);
    let b = err(p
        .prove_card(
            &s.session,
            &pan(&person.cards[0].number),
            password(WRONG_PASSWORD),
            ADDRESS,
        )
        .await);
    assert_eq!(a.code(), "verification_failed");
    assert_eq!(
        a.to_string().replace('2', "N"),
        b.to_string().replace('1', "N"),
        "the two failures read the same"
    );
    assert!(
        texts(&desk, s.application_id).await.is_empty(),
        "no code for a failed proof"
    );

    let sent = p
        .prove_card(
            &s.session,
            &pan(&person.cards[0].number),
            password(PASSWORD),
            ADDRESS,
        )
        .await
        .expect("proven");
    assert!(
        sent.phone_masked
            .ends_with(&person.phone[person.phone.len() - 4..])
    );
    assert!(!sent.phone_masked.contains(&person.phone[3..9]), "masked");
    let sent_texts = texts(&desk, s.application_id).await;
    assert_eq!(sent_texts.len(), 1);
    assert_eq!(
        sent_texts[0].0, person.phone,
        "the code goes to the phone on file"
    );
    assert_ne!(sent_texts[0].0, typed_phone, "never to the one typed in");
    let code = code_sent(&desk, s.application_id).await;

    // Two attempts are spent; the right code now.
    let issued = p
        .enter_application_code(&s.session, &code, ADDRESS)
        .await
        .expect("issued");
    assert_eq!(issued.route, AuthRoute::TwoCard);
    assert_eq!(issued.decided_by, "system");
    let card = desk
        .store
        .card(issued.card_id)
        .await
        .expect("read")
        .expect("card");
    assert_eq!(card.customer_id, person.id);
    assert_eq!(card.status, CardStatus::Active);
    assert!(card.masked_number().starts_with("6217 99") || card.bin == "621799");
    // Reused: the application is issued, the code is gone.
    assert_eq!(
        err(p.enter_application_code(&s.session, &code, ADDRESS).await).code(),
        "illegal_state"
    );

    let shown = p.reveal_card(&s.session, ADDRESS).await.expect("shown");
    let number = shown.number.expose_secret().to_owned();
    assert!(number.starts_with("621799") && carddesk_domain::luhn::is_valid(&number));
    assert_eq!(shown.security_code.expose_secret().len(), 3);
    assert_eq!(
        err(p.reveal_card(&s.session, ADDRESS).await).code(),
        "already_shown"
    );
    let notices = texts(&desk, s.application_id).await;
    assert!(
        notices.last().expect("a notice").1.contains(&number[12..]),
        "told the last four"
    );
    let cvc = shown.security_code.expose_secret().to_owned();
    for (_, body) in &notices {
        assert!(!body.contains(&number), "no text carries the full number");
        if !body.contains("code is") {
            assert!(!body.contains(&format!(" {cvc}")), "nor the security code");
        }
    }
}

async fn attempts_are_limited_and_an_expired_code_asks_for_the_card_again(
    store: Arc<dyn Store>,
    db: TestDb,
) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let person = desk.enrol(6, "zh-CN", &[CardStatus::Active]).await;
    let s = p
        .submit_application(form(&person.id_number, &phone(9)), ADDRESS)
        .await
        .expect("submit");
    let card = pan(&person.cards[0].number);
    p.prove_card(&s.session, &card, password(PASSWORD), ADDRESS)
        .await
        .expect("proven");
    desk.advance(Duration::minutes(11));
    assert_eq!(
        err(p
            .enter_application_code(&s.session, "000000", ADDRESS)
            .await)
        .code(),
        "expired"
    );
    // Back to the card step, no attempt spent; a new code comes.
    p.prove_card(&s.session, &card, password(PASSWORD), ADDRESS)
        .await
        .expect("proven again");
    let code = code_sent(&desk, s.application_id).await;
    let wrong = if code == "123456" { "654321" } else { "123456" };
    assert!(matches!(
        p.enter_application_code(&s.session, wrong, ADDRESS).await,
        Err(ProcessorError::VerificationFailed { remaining: 2 })
    ));
    assert_eq!(
        err(p.enter_application_code(&s.session, "12345", ADDRESS).await).code(),
        "invalid_input"
    );
    assert!(matches!(
        p.enter_application_code(&s.session, wrong, ADDRESS).await,
        Err(ProcessorError::VerificationFailed { remaining: 1 })
    ));
    assert!(matches!(
        p.enter_application_code(&s.session, wrong, ADDRESS).await,
        Err(ProcessorError::Locked)
    ));
    // Rejected: not even the right code works now.
    assert!(
        p.enter_application_code(&s.session, &code, ADDRESS)
            .await
            .is_err()
    );
    let stored = desk
        .store
        .application(s.application_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.application.state, ApplicationState::Rejected);
    assert_eq!(
        count(&db.raw, "SELECT COUNT(*) FROM virtual_cards").await,
        0
    );
    // Chinese texts for a Chinese customer.
    assert!(texts(&desk, s.application_id).await[0].1.contains("验证码"));
}

async fn a_virtual_card_alone_cannot_prove_its_holder(store: Arc<dyn Store>, db: TestDb) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    // A first card through the interview...
    let person = resident_id(630);
    let first = p
        .submit_application(form(&person, &phone(7)), ADDRESS)
        .await
        .expect("submit");
    for (kind, file) in [
        (carddesk_store::MediaKind::IdFront, "image_64.jpg"),
        (carddesk_store::MediaKind::IdBack, "image_64.png"),
        (carddesk_store::MediaKind::Selfie, "image_64.jpg"),
        (
            carddesk_store::MediaKind::Video,
            "video_2s_mediarecorder.webm",
        ),
    ] {
        let bytes = std::fs::read(format!(
            "{}/../carddesk-media/tests/fixtures/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture");
        p.upload_interview_media(&first.session, kind, &bytes, ADDRESS)
            .await
            .expect("upload");
    }
    let li = agent("li");
    p.claim_interview(&li, first.application_id, CONSOLE)
        .await
        .expect("claim");
    let every = carddesk_domain::application::Checklist(
        carddesk_domain::application::ChecklistItem::ALL
            .into_iter()
            .collect(),
    );
    let pass = carddesk_domain::application::Verdict::Pass { checklist: every };
    p.decide_interview(&li, first.application_id, &pass, CONSOLE)
        .await
        .expect("decide")
        .expect("issued");
    // ...is no card to prove a second application with: it has no password.
    let second = p
        .submit_application(form(&person, &phone(7)), ADDRESS)
        .await
        .expect("second");
    assert_eq!(
        second.route,
        AuthRoute::VideoInterview,
        "a virtual card alone does not route to two cards"
    );
}

async fn the_card_is_shown_only_within_the_applications_day(store: Arc<dyn Store>, db: TestDb) {
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

async fn an_unfinished_application_expires_and_frees_its_applicant(
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

on_both_databases! {
    a_virtual_card_alone_cannot_prove_its_holder => sqlite_virtual_only, postgres_virtual_only;
    the_card_is_shown_only_within_the_applications_day => sqlite_reveal_window, postgres_reveal_window;
    an_unfinished_application_expires_and_frees_its_applicant => sqlite_expiry, postgres_expiry;
    routes_by_whether_the_person_holds_an_active_card => sqlite_routes, postgres_routes;
    refusals_have_stable_reasons_and_store_nothing => sqlite_refusals, postgres_refusals;
    two_cards_to_an_issued_card_shown_once => sqlite_two_cards, postgres_two_cards;
    attempts_are_limited_and_an_expired_code_asks_for_the_card_again => sqlite_attempts, postgres_attempts;
}
