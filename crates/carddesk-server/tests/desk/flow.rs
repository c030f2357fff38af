//! The remote unfreeze through the desk: the one-go send, the live
//! events as the customer acts, the refusals the rules give, approval.

use carddesk_domain::customer::IdDocument;
use carddesk_domain::{CardStatus, FreezeReason, Role};
use carddesk_processor::CredentialUpload;
use carddesk_wire::{
    CardStatus as WireCardStatus, CaseState, DeskEvent, ErrorCode, EventFilter, InstructRequest,
    ReasonRequest,
};
use secrecy::SecretString;

use super::harness::{Bench, PHONE_ORIGIN, next_matching, wrong_pin};
use crate::common::{self, Person};
use crate::conformance;

conformance! {
    one_go_send_then_the_customer_unfreezes_live => flow_local_sqlite, flow_http_postgres;
    the_rules_refuse_with_stable_codes => refusals_local_sqlite, refusals_http_postgres;
    a_supervisor_approves_what_an_agent_opened => approval_local_sqlite, approval_http_postgres;
    resend_replaces_the_code_and_the_voice_prompt_plays => resend_local_sqlite, resend_http_postgres;
}

const BOTH: InstructRequest = InstructRequest {
    text: true,
    voice: true,
};

fn upload(person: &Person, password: &str) -> CredentialUpload {
    CredentialUpload {
        id_document: Some(IdDocument::resident_id(&person.id_number).expect("valid ID")),
        transaction_password: Some(SecretString::from(password.to_owned())),
    }
}

async fn one_go_send_then_the_customer_unfreezes_live(b: &Bench) {
    let agent = b.staff("alice", Role::Agent).await;
    let person = b.customer(1, &[wrong_pin()]).await;
    let card = person.card(0).0;

    let case = b
        .desk
        .send_unfreeze(&agent, card, &BOTH)
        .await
        .expect("sent");
    assert_eq!(case.state, CaseState::Instructed);
    assert_eq!(case.card_id, card);
    assert_eq!(case.attempts_left, 3);
    assert_eq!(case.assigned_to, "agent:alice");
    assert!(case.expires_at.is_some());

    let mut events = b
        .desk
        .events(
            &agent,
            EventFilter {
                case: Some(case.id),
            },
        )
        .await
        .expect("events");
    // The customer opens the code, is challenged, fails once, then succeeds.
    let code = b.app.code_for(case.id).await;
    let p = &b.app.processor;
    let session = p
        .request_unfreeze(&code, PHONE_ORIGIN)
        .await
        .expect("code opens");
    next_matching(&mut events, |e| {
        matches!(
            e,
            DeskEvent::Case {
                state: CaseState::Requested,
                ..
            }
        )
    })
    .await;
    p.challenge(&session.token, PHONE_ORIGIN)
        .await
        .expect("challenge");
    next_matching(&mut events, |e| {
        matches!(
            e,
            DeskEvent::Case {
                state: CaseState::Challenged,
                ..
            }
        )
    })
    .await;
    let failed = p
        .verify(
            &session.token,
            upload(&person, common::WRONG_PASSWORD),
            PHONE_ORIGIN,
        )
        .await;
    assert!(failed.is_err(), "a wrong password fails");
    assert_eq!(
        next_matching(&mut events, |e| matches!(e, DeskEvent::Attempt { .. })).await,
        DeskEvent::Attempt {
            case_id: case.id,
            remaining: 2
        }
    );
    p.verify(
        &session.token,
        upload(&person, common::PASSWORD),
        PHONE_ORIGIN,
    )
    .await
    .expect("the right details unfreeze");
    assert_eq!(
        next_matching(&mut events, |e| matches!(e, DeskEvent::Card { .. })).await,
        DeskEvent::Card {
            card_id: card,
            status: WireCardStatus::Active
        }
    );

    let done = b.desk.case(&agent, case.id).await.expect("case");
    assert_eq!(done.state, CaseState::Unfrozen);
    assert_eq!(done.failed_attempts, 1);
    let timeline: Vec<String> = b
        .desk
        .timeline(&agent, case.id)
        .await
        .expect("timeline")
        .into_iter()
        .map(|e| e.action)
        .collect();
    for step in [
        "case.marked",
        "case.packaged",
        "case.instructed",
        "card.unfrozen",
    ] {
        assert!(timeline.iter().any(|a| a == step), "{step} in {timeline:?}");
    }
    let view = b.desk.customer(&agent, person.id.0).await.expect("view");
    assert_eq!(view.customer.cards[0].status, WireCardStatus::Active);
    assert!(view.open_cases.is_empty(), "the case is closed");
    // Reads of customer data are audited, by whom and about whom.
    let reads = b.audit_of(&format!("customer:{}", person.id.0)).await;
    assert!(reads.contains(&(
        "agent:alice".to_owned(),
        "customer.viewed".to_owned(),
        "success".to_owned()
    )));
}

async fn the_rules_refuse_with_stable_codes(b: &Bench) {
    let agent = b.staff("alice", Role::Agent).await;
    let person = b
        .customer(
            2,
            &[
                common::frozen(FreezeReason::CourtOrder),
                CardStatus::Active,
                wrong_pin(),
            ],
        )
        .await;
    let refused =
        |r: carddesk_wire::DeskResult<carddesk_wire::CaseDto>| r.expect_err("refused").code;
    assert_eq!(
        refused(b.desk.mark(&agent, person.card(0).0).await),
        ErrorCode::NotRemote
    );
    assert_eq!(
        refused(b.desk.mark(&agent, person.card(1).0).await),
        ErrorCode::CardNotFrozen
    );
    assert_eq!(
        refused(b.desk.mark(&agent, 999_999).await),
        ErrorCode::NotFound
    );
    let case = b.desk.mark(&agent, person.card(2).0).await.expect("marked");
    assert_eq!(
        refused(b.desk.mark(&agent, person.card(2).0).await),
        ErrorCode::CaseOpen
    );
    let neither = InstructRequest {
        text: false,
        voice: false,
    };
    assert_eq!(
        refused(
            b.desk
                .send_unfreeze(&agent, person.card(2).0, &neither)
                .await
        ),
        ErrorCode::InvalidInput
    );
    // Instructions before the package: the case's state machine says no.
    assert_eq!(
        refused(b.desk.instruct(&agent, case.id, &BOTH).await),
        ErrorCode::IllegalState
    );
    let blank = ReasonRequest {
        reason: "  ".to_owned(),
    };
    assert_eq!(
        refused(b.desk.cancel(&agent, case.id, &blank).await),
        ErrorCode::InvalidInput
    );
    let bad = SecretString::from("not-a-session".to_owned());
    assert_eq!(
        refused(b.desk.case(&bad, case.id).await),
        ErrorCode::Unauthenticated
    );
    // The court order's refusal is in the audit log.
    let entries = b.audit_of(&format!("card:{}", person.card(0).0)).await;
    assert!(entries.contains(&(
        "agent:alice".to_owned(),
        "case.mark".to_owned(),
        "refused".to_owned()
    )));
    // And nothing was lost: the case can still go on.
    let packaged = b.desk.package(&agent, case.id).await.expect("packaged");
    assert_eq!(packaged.state, CaseState::Packaged);
}

async fn a_supervisor_approves_what_an_agent_opened(b: &Bench) {
    let agent = b.staff("alice", Role::Agent).await;
    let supervisor = b.staff("sam", Role::Supervisor).await;
    let person = b
        .customer(3, &[common::frozen(FreezeReason::SuspiciousTransaction)])
        .await;
    let case = b
        .desk
        .send_unfreeze(&agent, person.card(0).0, &BOTH)
        .await
        .expect("sent");
    assert!(case.needs_approval);
    b.customer_verifies(&person, case.id).await;
    assert_eq!(
        b.desk
            .approve(&agent, case.id)
            .await
            .expect_err("agents cannot")
            .code,
        ErrorCode::Forbidden
    );
    let approved = b
        .desk
        .approve(&supervisor, case.id)
        .await
        .expect("approved");
    assert_eq!(approved.state, CaseState::Unfrozen);
}

async fn resend_replaces_the_code_and_the_voice_prompt_plays(b: &Bench) {
    let agent = b.staff("alice", Role::Agent).await;
    let person = b.customer(4, &[wrong_pin()]).await;
    let case = b
        .desk
        .send_unfreeze(&agent, person.card(0).0, &BOTH)
        .await
        .expect("sent");
    let first = b.app.code_for(case.id).await;
    b.desk.resend(&agent, case.id, &BOTH).await.expect("resent");
    let second = b.app.code_for(case.id).await;
    assert_ne!(first, second, "a fresh code");
    let p = &b.app.processor;
    assert!(
        p.request_unfreeze(&first, PHONE_ORIGIN).await.is_err(),
        "the old code is dead"
    );
    let voice = b
        .app
        .processor
        .local_outbox(100)
        .await
        .expect("outbox")
        .into_iter()
        .rfind(|m| m.channel == carddesk_store::OutboxChannel::Voice)
        .expect("a voice prompt");
    let wav = b.desk.voice_audio(&agent, voice.id).await.expect("audio");
    assert_eq!(&wav[..4], b"RIFF", "a WAV file");
    assert!(wav.len() > 10_000, "speech, not an empty file");
    let heard = b.audit_of(&format!("case:{}", case.id)).await;
    assert!(
        heard
            .iter()
            .any(|(_, action, _)| action == "instruction.audio")
    );
}
