//! The applicant API over HTTP (issue 8), on SQLite and PostgreSQL: both
//! routes from the application to the card, which then appears at the
//! desk; malformed input at every edge refused with a clear 4xx and
//! nothing stored.

mod common;

use carddesk_domain::CardStatus;
use carddesk_domain::Role;
use common::*;
use serde_json::{Value, json};

const APPLY: &str = "/api/applicant/applications";

fn application(id_number: &str) -> Value {
    json!({
        "name": "Chen Jing",
        "document_kind": "resident_id",
        "id_number": id_number,
        "phone": "13800138000",
        "product": "virtual_debit",
        "language": "en",
        "consent_terms": true,
        "consent_recording": true,
    })
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../carddesk-media/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The six-digit code in the application's latest code text.
async fn code_of(app: &TestApp, application: i64) -> String {
    let id = carddesk_domain::application::ApplicationId(application);
    let mut latest = None;
    for m in app.store.outbox(None, 10_000).await.expect("outbox") {
        if m.message.subject == carddesk_store::OutboxSubject::ApplicationCode(id) {
            let body = app
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

async fn upload(app: &TestApp, token: &str, kind: &str, bytes: Vec<u8>) -> Resp {
    app.send(
        app.request(
            reqwest::Method::POST,
            &format!("/api/applicant/media/{kind}"),
            Some(token),
        )
        .header("content-type", "application/octet-stream")
        .body(bytes),
    )
    .await
}

async fn both_routes_to_a_card_the_desk_shows(app: &TestApp) {
    let agent = app.staff("li", Role::Agent).await;
    // Two cards: an existing customer proves their card, then the code.
    let person = app.enrol(40, &[CardStatus::Active]).await;
    let applied = app.post(APPLY, None, &application(&person.id_number)).await;
    assert_eq!(
        applied.headers["cache-control"], "no-store",
        "the answer carries a session"
    );
    let applied = applied.ok();
    assert_eq!(applied["route"], "two_card");
    let token = applied["session_token"].as_str().expect("token").to_owned();
    let id = applied["application_id"].as_i64().expect("id");
    let wrong = app
        .post(
            "/api/applicant/two-card/card",
            Some(&token),
            &json!({"card_number": person.cards[0].number, "transaction_password": "000000"}),
        )
        .await;
    let message = wrong.error(401, "verification_failed");
    assert!(
        message.contains("do not match") && message.contains('2'),
        "{message}"
    );
    let sent = app
        .post(
            "/api/applicant/two-card/card",
            Some(&token),
            &json!({"card_number": person.cards[0].number, "transaction_password": PASSWORD}),
        )
        .await
        .ok();
    assert!(
        sent["phone_masked"]
            .as_str()
            .expect("masked")
            .ends_with(&person.phone[person.phone.len() - 4..])
    );
    let code = code_of(app, id).await;
    let issued = app
        .post(
            "/api/applicant/two-card/code",
            Some(&token),
            &json!({"code": code}),
        )
        .await
        .ok();
    assert_eq!(issued["route"], "two_card");
    let masked = issued["masked_number"].as_str().expect("masked").to_owned();
    // Sent with an Idempotency-Key, as a client that retries would: the
    // number is still kept nowhere, not even as a remembered answer.
    let reveal = || {
        app.send(
            app.request(
                reqwest::Method::POST,
                "/api/applicant/card/reveal",
                Some(&token),
            )
            .header("idempotency-key", "reveal-once"),
        )
    };
    let first = reveal().await;
    assert_eq!(first.headers["cache-control"], "no-store");
    let shown = first.ok();
    let number = shown["number"].as_str().expect("number").to_owned();
    assert!(number.starts_with("621799") && carddesk_domain::luhn::is_valid(&number));
    assert!(masked.ends_with(&number[12..]) && !masked.contains(&number[6..12]));
    assert_eq!(
        app.raw.count("FROM idempotency_keys").await,
        0,
        "no answer remembered"
    );
    reveal().await.error(409, "already_shown");
    let status = app
        .get("/api/applicant/application", Some(&token))
        .await
        .ok();
    assert_eq!(
        (status["state"].as_str(), status["revealed"].as_bool()),
        (Some("issued"), Some(true))
    );
    let view = app
        .get(
            &format!("/api/agent/customers/{}", person.id.0),
            Some(&agent),
        )
        .await
        .ok();
    assert_eq!(
        view["customer"]["cards"].as_array().expect("cards").len(),
        2
    );
    assert_eq!(view["virtual_cards"][0]["route"], "two_card");

    // A first card: the four uploads, an agent's review at the desk.
    let applied = app
        .post(APPLY, None, &application(&resident_id(41)))
        .await
        .ok();
    assert_eq!(applied["route"], "video_interview");
    let token = applied["session_token"].as_str().expect("token").to_owned();
    let id = applied["application_id"].as_i64().expect("id");
    for (kind, file) in [
        ("id_front", "image_64.jpg"),
        ("id_back", "image_64.png"),
        ("selfie", "image_64.jpg"),
        ("video", "video_2s_mediarecorder.webm"),
    ] {
        upload(app, &token, kind, fixture(file)).await.ok();
    }
    let status = app
        .get("/api/applicant/application", Some(&token))
        .await
        .ok();
    assert_eq!(status["interview_step"], "queued");
    let queue = app.get("/api/agent/interviews", Some(&agent)).await.ok();
    assert_eq!(queue[0]["application_id"], id);
    app.post_empty(&format!("/api/agent/interviews/{id}/claim"), Some(&agent))
        .await
        .ok();
    let video = app
        .get(
            &format!("/api/agent/interviews/{id}/media?kind=video"),
            Some(&agent),
        )
        .await;
    assert_eq!(video.status, 200);
    assert_eq!(video.headers["content-type"], "video/webm");
    assert_eq!(video.headers["cache-control"], "no-store");
    let answer = app
        .post(
            &format!("/api/agent/interviews/{id}/verdict"),
            Some(&agent),
            &json!({"verdict": "pass", "checklist": ["face_matches_id", "liveness", "document_genuine", "consent_given", "questions_answered"], "reasons": []}),
        )
        .await
        .ok();
    assert_eq!(answer["state"], "issued");
    assert_eq!(answer["card"]["decided_by"], "agent:li");
    let status = app
        .get("/api/applicant/application", Some(&token))
        .await
        .ok();
    assert_eq!(status["card"]["route"], "video_interview");
}

async fn malformed_input_at_every_edge(app: &TestApp) {
    let before = app.raw.snapshot_but_audit().await;
    let valid = application(&resident_id(50));
    let mut bad_check_digit = valid.clone();
    bad_check_digit["id_number"] = json!(malformed_id(50));
    let mut bad_phone = valid.clone();
    bad_phone["phone"] = json!("12345");
    let mut unknown_product = valid.clone();
    unknown_product["product"] = json!("platinum");
    let mut extra = valid.clone();
    extra["salary"] = json!(1);
    let mut no_consent = valid.clone();
    no_consent["consent_recording"] = json!(false);
    let mut passport_no_country = valid.clone();
    passport_no_country["document_kind"] = json!("passport");
    passport_no_country["id_number"] = json!("E1234567");
    let mut long_name = valid.clone();
    long_name["name"] = json!("x".repeat(101));
    for body in [
        bad_check_digit,
        bad_phone,
        unknown_product,
        extra,
        no_consent,
        passport_no_country,
        long_name,
        json!({}),
    ] {
        let r = app.post(APPLY, None, &body).await;
        assert!((400..500).contains(&r.status), "{body}: {}", r.head());
        assert_eq!(r.json()["code"], "invalid_input", "{body}: {}", r.head());
    }
    assert_eq!(app.raw.snapshot_but_audit().await, before, "nothing stored");

    let applied = app.post(APPLY, None, &valid).await.ok();
    let token = applied["session_token"].as_str().expect("token").to_owned();
    let before = app.raw.snapshot_but_audit().await;
    for (path, body) in [
        ("/api/applicant/two-card/code", json!({"code": "12a456"})),
        ("/api/applicant/two-card/code", json!({"code": "1234567"})),
        (
            "/api/applicant/two-card/card",
            json!({"card_number": "4111111111111112", "transaction_password": "1"}),
        ),
        (
            "/api/applicant/two-card/card",
            json!({"card_number": "4111111111111111"}),
        ),
    ] {
        let r = app.post(path, Some(&token), &body).await;
        assert!(
            (400..500).contains(&r.status),
            "{path} {body}: {}",
            r.head()
        );
    }
    for (kind, bytes) in [
        ("id_front", fixture("not_an_image.jpg")),
        ("video", fixture("image_64.png")),
        ("passport", fixture("image_64.png")),
    ] {
        let r = upload(app, &token, kind, bytes).await;
        assert!((400..500).contains(&r.status), "{kind}: {}", r.head());
    }
    upload(app, &token, "id_front", fixture("not_an_image.jpg"))
        .await
        .error(422, "invalid_upload");
    // An unknown kind is refused in the common shape (the document says
    // every 4xx is {code, message}), not as axum's plain text.
    upload(app, &token, "passport", fixture("image_64.png"))
        .await
        .error(400, "invalid_input");
    assert_eq!(app.raw.snapshot_but_audit().await, before, "nothing stored");
    app.get("/api/applicant/application", Some("not-a-session"))
        .await
        .error(401, "unauthenticated");
}

on_both_databases! {
    both_routes_to_a_card_the_desk_shows => sqlite_both_routes, postgres_both_routes;
    malformed_input_at_every_edge => sqlite_malformed, postgres_malformed;
}
