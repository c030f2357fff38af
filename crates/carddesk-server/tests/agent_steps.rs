//! The agent's resend, the voice prompt's audio, and the queue's age filter,
//! over HTTP on both databases.

mod common;

use carddesk_domain::{FreezeReason, Role};
use carddesk_store::OutboxChannel;
use chrono::Duration;
use common::{TestApp, frozen};
use serde_json::json;

on_both_databases! {
    resend_replaces_the_code => sqlite_resend_replaces_the_code, postgres_resend_replaces_the_code;
    voice_prompt_audio => sqlite_voice_prompt_audio, postgres_voice_prompt_audio;
    queue_by_age => sqlite_queue_by_age, postgres_queue_by_age;
}

async fn resend_replaces_the_code(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app.enrol(31, &[frozen(FreezeReason::Dormant)]).await;
    let (case, first) = app.instructed(&agent, person.card(0)).await;
    app.advance(Duration::minutes(20));
    // 20 minutes unused ended the session (15 is the idle limit).
    let agent = app.sign_in("alice").await;

    let resent = app
        .post(
            &format!("/api/agent/cases/{case}/resend"),
            Some(&agent),
            &json!({ "text": true, "voice": false }),
        )
        .await
        .ok();
    assert_eq!(resent["state"], "instructed");
    let second = app.code_for(case).await;
    assert_ne!(first, second);

    let old = app
        .post(
            "/api/customer/unfreeze-requests",
            None,
            &json!({ "code": first }),
        )
        .await;
    old.error(404, "not_found");
    app.post(
        "/api/customer/unfreeze-requests",
        None,
        &json!({ "code": second }),
    )
    .await
    .ok();

    // The code is used: nothing to resend any more.
    app.post(
        &format!("/api/agent/cases/{case}/resend"),
        Some(&agent),
        &json!({ "text": true, "voice": false }),
    )
    .await
    .error(409, "illegal_state");
}

async fn voice_prompt_audio(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app.enrol(32, &[frozen(FreezeReason::WrongPinLimit)]).await;
    let case = app
        .post_empty(
            &format!("/api/agent/cards/{}/cases", person.card(0).0),
            Some(&agent),
        )
        .await
        .ok()["id"]
        .as_i64()
        .expect("case id");
    app.post_empty(&format!("/api/agent/cases/{case}/package"), Some(&agent))
        .await
        .ok();
    app.post(
        &format!("/api/agent/cases/{case}/instructions"),
        Some(&agent),
        &json!({ "text": false, "voice": true }),
    )
    .await
    .ok();
    let outbox = app.processor.local_outbox(1_000).await.expect("outbox");
    let voice = outbox
        .iter()
        .find(|m| m.case_id.0 == case && m.channel == OutboxChannel::Voice)
        .expect("a voice prompt");

    let audio = app
        .get(
            &format!("/api/agent/outbox/{}/audio", voice.id),
            Some(&agent),
        )
        .await;
    assert_eq!(audio.status, 200, "{}", audio.head());
    assert_eq!(audio.headers["content-type"], "audio/wav");
    assert_eq!(audio.headers["cache-control"], "no-store");
    assert_eq!(&audio.body[..4], b"RIFF", "a WAV file");
    assert!(
        audio.body.len() > 16_000,
        "about a second of speech or more, not an empty file"
    );

    // Without a session there is no audio.
    app.get(&format!("/api/agent/outbox/{}/audio", voice.id), None)
        .await
        .error(401, "unauthenticated");
}

async fn queue_by_age(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app
        .enrol(
            33,
            &[
                frozen(FreezeReason::Dormant),
                frozen(FreezeReason::CustomerRequest),
            ],
        )
        .await;
    let old = app
        .post_empty(
            &format!("/api/agent/cards/{}/cases", person.card(0).0),
            Some(&agent),
        )
        .await
        .ok()["id"]
        .as_i64()
        .expect("id");
    app.advance(Duration::minutes(45));
    // 45 minutes unused ended the session (15 is the idle limit).
    let agent = app.sign_in("alice").await;
    let new = app
        .post_empty(
            &format!("/api/agent/cards/{}/cases", person.card(1).0),
            Some(&agent),
        )
        .await
        .ok()["id"]
        .as_i64()
        .expect("id");

    let ids = |page: serde_json::Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| c["id"].as_i64().expect("id"))
            .collect()
    };
    assert_eq!(
        ids(app.get("/api/agent/cases", Some(&agent)).await.ok()),
        vec![new, old]
    );
    assert_eq!(
        ids(app
            .get("/api/agent/cases?older_than_minutes=30", Some(&agent))
            .await
            .ok()),
        vec![old]
    );
    assert_eq!(
        ids(app
            .get("/api/agent/cases?older_than_minutes=60", Some(&agent))
            .await
            .ok()),
        Vec::<i64>::new()
    );
}
