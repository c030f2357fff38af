//! The spoken one-time code stays with the case (issue 7, finding 2): a
//! voice prompt's audio is for the case's holder and supervisors only,
//! each fetch and each refusal audited, and the live events carry an
//! outbox message's id only to the consoles that may fetch it.

use carddesk_domain::Role;
use carddesk_wire::{CaseState, DeskEvent, ErrorCode, EventFilter, EventStream, InstructRequest};
use futures::StreamExt;

use super::harness::{Bench, PHONE_ORIGIN, next_matching, wrong_pin};
use crate::conformance;

conformance! {
    the_spoken_code_stays_with_the_case => prompt_local_sqlite, prompt_http_postgres;
}

const BOTH: InstructRequest = InstructRequest {
    text: true,
    voice: true,
};

fn instruction_of(case: i64) -> impl Fn(&DeskEvent) -> bool {
    move |e| matches!(e, DeskEvent::Instruction { case_id, .. } if *case_id == case)
}

/// Everything `events` gives up to and including the case reaching
/// `state`.
async fn until_state(events: &mut EventStream, case: i64, state: CaseState) -> Vec<DeskEvent> {
    let mut seen = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let event = events.next().await.expect("the stream goes on");
            let done = matches!(&event,
                DeskEvent::Case { case_id, state: s } if *case_id == case && *s == state);
            seen.push(event);
            if done {
                return;
            }
        }
    })
    .await
    .expect("the case moves within 10 s");
    seen
}

async fn the_spoken_code_stays_with_the_case(b: &Bench) {
    let alice = b.staff("alice", Role::Agent).await;
    let bob = b.staff("bob", Role::Agent).await;
    let sam = b.staff("sam", Role::Supervisor).await;
    let all = EventFilter::default();
    let mut alices = b.desk.events(&alice, all).await.expect("alice listens");
    let mut bobs = b.desk.events(&bob, all).await.expect("bob listens");
    let mut sams = b.desk.events(&sam, all).await.expect("sam listens");

    let person = b.customer(410, &[wrong_pin()]).await;
    let case = b
        .desk
        .send_unfreeze(&alice, person.card(0).0, &BOTH)
        .await
        .expect("sent")
        .id;
    // The holder and the supervisor hear of both messages.
    let mut outbox = Vec::new();
    for events in [&mut alices, &mut sams] {
        for _ in 0..2 {
            match next_matching(events, instruction_of(case)).await {
                DeskEvent::Instruction { outbox_id, .. } => outbox.push(outbox_id),
                other => unreachable!("{other:?}"),
            }
        }
    }
    let voice = b
        .app
        .processor
        .local_outbox(100)
        .await
        .expect("outbox")
        .into_iter()
        .rfind(|m| m.case_id.0 == case && m.channel == carddesk_store::OutboxChannel::Voice)
        .expect("a voice prompt")
        .id;
    assert!(outbox.contains(&voice), "{outbox:?} names the voice prompt");

    // Another agent may not hear the code; the refusal is kept.
    let refused = b
        .desk
        .voice_audio(&bob, voice)
        .await
        .expect_err("not bob's");
    assert_eq!(refused.code, ErrorCode::Forbidden);
    for (who, token) in [("alice", &alice), ("sam", &sam)] {
        let wav = b.desk.voice_audio(token, voice).await.expect("audio");
        assert_eq!(&wav[..4], b"RIFF", "{who} gets a WAV file");
    }
    let audio: Vec<_> = b
        .audit_of(&format!("case:{case}"))
        .await
        .into_iter()
        .filter(|(_, action, _)| action == "instruction.audio")
        .collect();
    let entry = |actor: &str, outcome: &str| {
        (
            actor.to_owned(),
            "instruction.audio".to_owned(),
            outcome.to_owned(),
        )
    };
    assert_eq!(
        audio,
        [
            entry("agent:bob", "refused"),
            entry("agent:alice", "success"),
            entry("supervisor:sam", "success"),
        ]
    );

    // Bob's console sees the case move, but never the outbox messages: the
    // customer opening the code is the next thing it hears.
    let code = b.app.code_for(case).await;
    b.app
        .processor
        .request_unfreeze(&code, PHONE_ORIGIN)
        .await
        .expect("the code opens");
    let heard = until_state(&mut bobs, case, CaseState::Requested).await;
    assert!(
        heard.iter().any(|e| matches!(e,
            DeskEvent::Case { case_id, state: CaseState::Instructed } if *case_id == case)),
        "bob sees the case instructed: {heard:?}"
    );
    assert!(
        !heard
            .iter()
            .any(|e| matches!(e, DeskEvent::Instruction { .. })),
        "bob hears no outbox message: {heard:?}"
    );
}
