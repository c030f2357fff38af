//! The logs of a delivery hold neither the code nor the message bodies.

use std::sync::Arc;

use crate::common::*;
use crate::support::*;
use carddesk_processor::delivery::speech::EspeakNg;
use carddesk_store::Store;
use chrono::Duration;
use wiremock::{MockServer, ResponseTemplate};

pub(crate) async fn logs_hold_no_code_and_no_body(store: Arc<dyn Store>, db: TestDb) {
    let logs = capture_logs();
    let desk = Desk::new(store, &db).await;
    let server = MockServer::start().await;
    // One failure each, for the retry's logging too.
    answer_once(&server, "/sms", ResponseTemplate::new(502)).await;
    answer_once(&server, "/voice", ResponseTemplate::new(503)).await;
    answer(&server, "/sms", 200).await;
    answer(&server, "/voice", 200).await;
    let (case, code, person) = instructed(&desk, 8, "en", TEXT_AND_VOICE).await;
    let bodies: Vec<String> = desk
        .processor
        .local_outbox(100)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|m| m.case_id == case)
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies.len(), 2);
    let w = worker(&desk, gateways(&server), config("logged"));
    let mut errors = Vec::new();
    assert_eq!(pass(&w, &desk).await.retried, 2);
    desk.advance(Duration::seconds(10));
    assert_eq!(pass(&w, &desk).await.sent, 2);
    let rows = deliveries(&desk, case).await;
    let (text_id, voice_id) = (rows[0].message.id, rows[1].message.id);
    errors.push(
        desk.processor
            .voice_prompt_audio(&agent("alice"), text_id, &EspeakNg::default(), CONSOLE)
            .await
            .expect_err("a text message has no voice prompt"),
    );
    let broken = EspeakNg {
        program: "/nonexistent/espeak-ng".into(),
        ..EspeakNg::default()
    };
    errors.push(
        desk.processor
            .voice_prompt_audio(&agent("alice"), voice_id, &broken, CONSOLE)
            .await
            .expect_err("no such engine"),
    );

    let captured = logs.contents();
    assert!(
        contains(&captured, b"instruction delivered")
            && contains(&captured, b"will retry")
            && contains(&captured, format!("outbox_id={voice_id}").as_bytes()),
        "the capture heard the worker"
    );
    let bare = code.replace('-', "");
    let mut secrets = vec![code.clone(), bare.clone(), spelled(&code)];
    // Any ten characters of a message would do; the sentence around the
    // code, and the body in full.
    secrets.extend(bodies.iter().cloned());
    secrets.extend(bodies.iter().map(|b| b.chars().take(40).collect()));
    for secret in &secrets {
        assert!(
            !contains(&captured, secret.as_bytes()),
            "a secret is in the logs: {secret}"
        );
    }
    // Nor are they in the audit trail or in what the errors say.
    let mut texts: Vec<String> = desk
        .processor
        .timeline(case)
        .await
        .expect("timeline")
        .into_iter()
        .map(|r| r.entry.detail)
        .collect();
    texts.extend(errors.iter().map(|e| format!("{e} {e:?}")));
    for text in &texts {
        for secret in [&code, &bare, &person.phone] {
            assert!(!text.contains(secret.as_str()), "{text}");
        }
    }
}
