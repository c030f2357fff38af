//! An interview reviewed and passed: the queue, the claim, the uploads,
//! the card issued and the customer's view of how it came to be; the
//! two-card route's card beside it.

use carddesk_domain::CardStatus;
use carddesk_domain::Role;
use carddesk_wire::{ApplicationState, AuthRoute, InterviewStep, UploadKind};

use super::{EVERY_ITEM, fixture, form, pass, queued};
use crate::common;
use crate::desk::harness::{Bench, PHONE_ORIGIN};

pub(super) async fn an_interview_reviewed_and_passed(b: &Bench) {
    let li = b.staff("li", Role::Agent).await;
    let s = queued(b, 610).await;
    let id = s.application_id.0;
    let queue = b.desk.interviews(&li).await.expect("queue");
    let entry = queue
        .iter()
        .find(|i| i.application_id == id)
        .expect("in the queue");
    assert_eq!(entry.step, InterviewStep::Queued);
    assert_eq!(entry.uploads.len(), 4);
    assert!(
        entry.phone_masked.ends_with("0321") && !entry.phone_masked.contains("10000321"),
        "masked"
    );

    let claimed = b.desk.claim_interview(&li, id).await.expect("claim");
    assert_eq!(claimed.step, InterviewStep::Claimed);
    assert_eq!(claimed.reviewer.as_deref(), Some("agent:li"));
    let video = b
        .desk
        .interview_media(&li, id, UploadKind::Video)
        .await
        .expect("video");
    assert_eq!(video, fixture("video_2s_mediarecorder.webm"));
    let selfie = b
        .desk
        .interview_media(&li, id, UploadKind::Selfie)
        .await
        .expect("selfie");
    assert_eq!(selfie, fixture("image_64.jpg"));

    let answer = b
        .desk
        .decide_interview(&li, id, &pass(&EVERY_ITEM))
        .await
        .expect("pass");
    assert_eq!(answer.state, ApplicationState::Issued);
    let card = answer.card.expect("a card");
    assert_eq!(card.route, AuthRoute::VideoInterview);
    assert_eq!(card.decided_by, "agent:li");

    // The card is in the customer's view, with how it came to be.
    let customer = b
        .app
        .store
        .card(carddesk_domain::CardId(card.card_id))
        .await
        .expect("read")
        .expect("card")
        .customer_id;
    let view = b.desk.customer(&li, customer.0).await.expect("view");
    assert!(view.customer.cards.iter().any(|c| c.id == card.card_id));
    let issued = view
        .virtual_cards
        .iter()
        .find(|v| v.card_id == card.card_id)
        .expect("virtual card");
    assert_eq!(issued.application_id, id);
    assert_eq!(issued.decided_by, "agent:li");
    assert!(
        b.desk
            .interviews(&li)
            .await
            .expect("queue")
            .iter()
            .all(|i| i.application_id != id)
    );

    // The two-card route's card shows as issued by the system.
    let holder = b.customer(611, &[CardStatus::Active]).await;
    let p = &b.app.processor;
    let t = p
        .submit_application(form(&holder.id_number), PHONE_ORIGIN)
        .await
        .expect("submit");
    let pan = carddesk_domain::card::CardNumber::parse(&holder.cards[0].number).expect("pan");
    p.prove_card(
        &t.session,
        &pan,
        secrecy::SecretString::from(common::PASSWORD.to_owned()),
        PHONE_ORIGIN,
    )
    .await
    .expect("proven");
    let code = code_sent(b, t.application_id).await;
    p.enter_application_code(&t.session, &code, PHONE_ORIGIN)
        .await
        .expect("issued");
    let view = b.desk.customer(&li, holder.id.0).await.expect("view");
    assert_eq!(view.customer.cards.len(), 2);
    let v = &view.virtual_cards[0];
    assert_eq!(
        (v.route, v.decided_by.as_str()),
        (AuthRoute::TwoCard, "system")
    );
}

/// The six-digit code in an application's latest code text.
async fn code_sent(b: &Bench, id: carddesk_domain::application::ApplicationId) -> String {
    let mut latest = None;
    for m in b.app.store.outbox(None, 10_000).await.expect("outbox") {
        if m.message.subject == carddesk_store::OutboxSubject::ApplicationCode(id) {
            let body = b
                .app
                .keys
                .open(
                    carddesk_processor::Purpose::Instruction,
                    &m.message.body_sealed,
                )
                .expect("open");
            latest = Some(String::from_utf8(body.to_vec()).expect("utf-8"));
        }
    }
    let body = latest.expect("a code text");
    body.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .expect("six digits")
        .to_owned()
}
