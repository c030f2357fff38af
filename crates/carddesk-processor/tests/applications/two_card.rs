//! The two-card route to an issued card shown once, its limited attempts,
//! and a virtual card that cannot prove its holder alone.

use super::*;

use std::sync::Arc;

use crate::applicant::*;
use crate::common::*;
use carddesk_domain::CardStatus;
use carddesk_domain::application::{ApplicationState, AuthRoute};
use carddesk_processor::ProcessorError;
use carddesk_store::Store;
use chrono::Duration;
use secrecy::ExposeSecret;

pub(crate) async fn two_cards_to_an_issued_card_shown_once(store: Arc<dyn Store>, db: TestDb) {
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

pub(crate) async fn attempts_are_limited_and_an_expired_code_asks_for_the_card_again(
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

pub(crate) async fn a_virtual_card_alone_cannot_prove_its_holder(
    store: Arc<dyn Store>,
    db: TestDb,
) {
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
