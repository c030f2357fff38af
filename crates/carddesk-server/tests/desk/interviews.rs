//! The video-interview queue through both desks (issue 8): an applicant's
//! uploads reach the queue, an agent claims and reviews them, a pass
//! issues the card and the customer's view shows how it came to be; only
//! the reviewer and supervisors see the uploads; an override needs a
//! supervisor other than the reviewer; the two-card route's card shows
//! too.

use carddesk_domain::CardStatus;
use carddesk_domain::Role;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_processor::applications::{ApplicationForm, Submitted};
use carddesk_store::MediaKind;
use carddesk_wire::{
    ApplicationState, AuthRoute, ChecklistItem, ErrorCode, InterviewStep, ReassignRequest,
    UploadKind, VerdictKind, VerdictReason, VerdictRequest,
};

use super::harness::{Bench, PHONE_ORIGIN};
use crate::common;
use crate::conformance;

conformance! {
    an_override_declined_by_another_supervisor => decline_local_sqlite, decline_http_postgres;
    an_interview_reviewed_and_passed => interview_local_sqlite, interview_http_postgres;
    failures_overrides_and_who_may_look => interview_rules_local_sqlite, interview_rules_http_postgres;
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../carddesk-media/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn form(id_number: &str) -> ApplicationForm {
    ApplicationForm {
        name: "Zhao Lei".to_owned(),
        document: IdDocument::resident_id(id_number).expect("valid ID"),
        phone: PhoneNumber::parse(&common::phone(321)).expect("phone"),
        product: "virtual_debit".to_owned(),
        language: "en".to_owned(),
        consent_terms: true,
        consent_recording: true,
    }
}

/// A first-card applicant who has uploaded everything.
async fn queued(b: &Bench, seed: u32) -> Submitted {
    let p = &b.app.processor;
    let s = p
        .submit_application(form(&common::resident_id(seed)), PHONE_ORIGIN)
        .await
        .expect("submit");
    for (kind, file) in [
        (MediaKind::IdFront, "image_64.jpg"),
        (MediaKind::IdBack, "image_64.png"),
        (MediaKind::Selfie, "image_64.jpg"),
        (MediaKind::Video, "video_2s_mediarecorder.webm"),
    ] {
        p.upload_interview_media(&s.session, kind, &fixture(file), PHONE_ORIGIN)
            .await
            .expect("upload");
    }
    s
}

fn pass(items: &[ChecklistItem]) -> VerdictRequest {
    VerdictRequest {
        verdict: VerdictKind::Pass,
        checklist: items.to_vec(),
        reasons: vec![],
    }
}

const EVERY_ITEM: [ChecklistItem; 5] = [
    ChecklistItem::FaceMatchesId,
    ChecklistItem::Liveness,
    ChecklistItem::DocumentGenuine,
    ChecklistItem::ConsentGiven,
    ChecklistItem::QuestionsAnswered,
];

async fn an_interview_reviewed_and_passed(b: &Bench) {
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

async fn failures_overrides_and_who_may_look(b: &Bench) {
    let li = b.staff("li", Role::Agent).await;
    let wang = b.staff("wang", Role::Agent).await;
    let zhang = b.staff("zhang", Role::Supervisor).await;
    let liu = b.staff("liu", Role::Supervisor).await;
    let s = queued(b, 620).await;
    let id = s.application_id.0;
    b.desk.claim_interview(&li, id).await.expect("claim");
    let refused = b
        .desk
        .interview_media(&wang, id, UploadKind::IdFront)
        .await
        .expect_err("not wang's");
    assert_eq!(refused.code, ErrorCode::Forbidden);
    assert_eq!(
        b.desk
            .claim_interview(&wang, id)
            .await
            .expect_err("held")
            .code,
        ErrorCode::Forbidden
    );
    assert_eq!(
        b.desk
            .reassign_interview(
                &wang,
                id,
                &ReassignRequest {
                    username: "wang".into()
                }
            )
            .await
            .expect_err("agents do not reassign")
            .code,
        ErrorCode::Forbidden
    );
    // A supervisor gives it to wang, who may now look and decide.
    b.desk
        .reassign_interview(
            &zhang,
            id,
            &ReassignRequest {
                username: "wang".into(),
            },
        )
        .await
        .expect("reassigned");
    b.desk
        .interview_media(&wang, id, UploadKind::IdFront)
        .await
        .expect("wang's now");
    let fail = VerdictRequest {
        verdict: VerdictKind::Fail,
        checklist: vec![],
        reasons: vec![VerdictReason::DocumentNotGenuine],
    };
    assert_eq!(
        b.desk
            .decide_interview(&li, id, &fail)
            .await
            .expect_err("not li's")
            .code,
        ErrorCode::Forbidden
    );
    let mixed = VerdictRequest {
        checklist: vec![ChecklistItem::Liveness],
        ..fail.clone()
    };
    assert_eq!(
        b.desk
            .decide_interview(&wang, id, &mixed)
            .await
            .expect_err("mixed")
            .code,
        ErrorCode::InvalidInput
    );
    let no_reason = VerdictRequest {
        reasons: vec![],
        ..fail.clone()
    };
    assert_eq!(
        b.desk
            .decide_interview(&wang, id, &no_reason)
            .await
            .expect_err("no reason")
            .code,
        ErrorCode::InvalidInput
    );
    let answer = b
        .desk
        .decide_interview(&wang, id, &fail)
        .await
        .expect("fail");
    assert_eq!(answer.state, ApplicationState::Rejected);
    assert!(answer.card.is_none());
    let audit = b.audit_of(&format!("application:{id}")).await;
    assert!(
        audit
            .iter()
            .any(|(actor, action, outcome)| actor == "agent:wang"
                && action == "interview.media_viewed"
                && outcome == "refused")
    );

    // An override: zhang reviews and passes with liveness unticked; only
    // another supervisor approves it.
    let s = queued(b, 621).await;
    let id = s.application_id.0;
    b.desk.claim_interview(&zhang, id).await.expect("claim");
    let partial = pass(
        &EVERY_ITEM[..4]
            .iter()
            .copied()
            .filter(|i| *i != ChecklistItem::Liveness)
            .collect::<Vec<_>>(),
    );
    let answer = b
        .desk
        .decide_interview(&zhang, id, &partial)
        .await
        .expect("partial pass");
    assert_eq!(answer.step, InterviewStep::AwaitingOverride);
    // The approver sees what the reviewer did not confirm.
    let waiting = b.desk.interviews(&liu).await.expect("queue");
    let entry = waiting
        .iter()
        .find(|i| i.application_id == id)
        .expect("waiting");
    assert_eq!(
        entry.ticked,
        [
            ChecklistItem::FaceMatchesId,
            ChecklistItem::DocumentGenuine,
            ChecklistItem::ConsentGiven
        ]
    );
    assert_eq!(
        b.desk
            .approve_override(&zhang, id)
            .await
            .expect_err("own")
            .code,
        ErrorCode::MakerChecker
    );
    assert_eq!(
        b.desk
            .approve_override(&li, id)
            .await
            .expect_err("agent")
            .code,
        ErrorCode::Forbidden
    );
    let approved = b.desk.approve_override(&liu, id).await.expect("approved");
    assert_eq!(approved.state, ApplicationState::Issued);
    assert_eq!(approved.card.expect("card").decided_by, "supervisor:liu");
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

async fn an_override_declined_by_another_supervisor(b: &Bench) {
    let li = b.staff("li", Role::Agent).await;
    let zhang = b.staff("zhang", Role::Supervisor).await;
    let liu = b.staff("liu", Role::Supervisor).await;
    let s = queued(b, 630).await;
    let id = s.application_id.0;
    b.desk.claim_interview(&zhang, id).await.expect("claim");
    let partial = pass(&EVERY_ITEM[1..]);
    b.desk
        .decide_interview(&zhang, id, &partial)
        .await
        .expect("partial pass");
    let decline = carddesk_wire::DeclineRequest {
        reasons: vec![VerdictReason::FaceMismatch],
    };
    let refused = |e: carddesk_wire::DeskError| e.code;
    assert_eq!(
        refused(
            b.desk
                .decline_override(&zhang, id, &decline)
                .await
                .expect_err("own")
        ),
        ErrorCode::MakerChecker
    );
    assert_eq!(
        refused(
            b.desk
                .decline_override(&li, id, &decline)
                .await
                .expect_err("agent")
        ),
        ErrorCode::Forbidden
    );
    let none = carddesk_wire::DeclineRequest { reasons: vec![] };
    assert_eq!(
        refused(
            b.desk
                .decline_override(&liu, id, &none)
                .await
                .expect_err("no reason")
        ),
        ErrorCode::InvalidInput
    );
    let answer = b
        .desk
        .decline_override(&liu, id, &decline)
        .await
        .expect("declined");
    assert_eq!(answer.state, ApplicationState::Rejected);
    assert!(answer.card.is_none());
    assert_eq!(
        refused(
            b.desk
                .approve_override(&liu, id)
                .await
                .expect_err("decided")
        ),
        ErrorCode::IllegalState
    );
    let audit = b.audit_of(&format!("application:{id}")).await;
    assert!(
        audit
            .iter()
            .any(|(actor, action, _)| actor == "supervisor:liu"
                && action == "interview.override_declined")
    );
}
