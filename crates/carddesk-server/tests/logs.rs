//! What the server logs, captured at TRACE by a global subscriber while the
//! whole flow runs (right and wrong uploads, lookups by card and ID number,
//! the customer's link page, failed sign-ins, idempotent retries), holds no
//! secret in clear: no transaction password, ID number, card number,
//! one-time code, customer session token, staff token or staff password.

mod common;

use carddesk_domain::{FreezeReason, Role};
use carddesk_processor::passwords;
use carddesk_testkit::{LogBuffer, capture_logs_with_spans};
use common::{TestApp, contains, frozen};
use secrecy::SecretString;
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;

on_both_databases! {
    logs_hold_no_secret => sqlite_logs_hold_no_secret, postgres_logs_hold_no_secret;
}

/// Everything logged by this test binary, from its first test on: the
/// global subscriber (carddesk-testkit's capture), installed once, at
/// TRACE, with every field and span.
fn logs() -> LogBuffer {
    capture_logs_with_spans(FmtSpan::FULL)
}

/// Transaction passwords unlike anything else a log could hold.
const CARD_PASSWORD: &str = "Tp-5809-47qz";
const WRONG_CARD_PASSWORD: &str = "Wp-3316-91kx";

async fn logs_hold_no_secret(app: &TestApp) {
    let logs = logs();
    let staff_password = common::STAFF_PASSWORD;
    app.add_staff("alice", Role::Agent).await;
    app.add_staff("sam", Role::Supervisor).await;
    let hash = passwords::hash(&SecretString::from(CARD_PASSWORD.to_owned()));
    let person = common::enrol(
        app.store.as_ref(),
        &app.keys,
        31,
        &[
            frozen(FreezeReason::WrongPinLimit),
            frozen(FreezeReason::SuspiciousTransaction),
        ],
        CARD_PASSWORD,
        &hash,
    )
    .await;
    let mut secrets: Vec<(String, String)> = vec![
        ("transaction password".into(), CARD_PASSWORD.into()),
        (
            "wrong transaction password".into(),
            WRONG_CARD_PASSWORD.into(),
        ),
        ("ID number".into(), person.id_number.clone()),
        ("staff password".into(), staff_password.into()),
    ];
    for card in &person.cards {
        secrets.push(("card number".into(), card.number.clone()));
    }

    // Failed sign-ins, then real ones.
    for password in ["wrong password 1", staff_password] {
        app.post(
            "/api/agent/sign-in",
            None,
            &json!({ "username": "mallory", "password": password }),
        )
        .await;
    }
    let agent = app.sign_in("alice").await;
    let supervisor = app.sign_in("sam").await;
    secrets.push(("staff token".into(), agent.clone()));
    secrets.push(("staff token".into(), supervisor.clone()));

    // Searches by every secret key: each finds the customer.
    for query in [&person.cards[0].number, &person.id_number, &person.phone] {
        let found = app
            .post(
                "/api/agent/customers/search",
                Some(&agent),
                &json!({ "query": query }),
            )
            .await
            .ok();
        assert_eq!(found["hits"][0]["customer"]["id"], person.id.0);
    }
    // Malformed ones too: their errors must not echo them either.
    for query in [
        format!("{}1", person.cards[0].number),
        common::malformed_id(31),
    ] {
        app.post(
            "/api/agent/customers/search",
            Some(&agent),
            &json!({ "query": query }),
        )
        .await
        .error(400, "invalid_input");
    }

    // Mark, package, instruct (text and voice), with keys and retries.
    let mut codes = Vec::new();
    let mut sessions = Vec::new();
    for (i, card) in person.cards.iter().enumerate() {
        let path = format!("/api/agent/cards/{}/cases", card.id.0);
        let key = format!("mark-{i}");
        let case = app
            .post_keyed(&path, Some(&agent), &key, &json!(null))
            .await
            .ok()["id"]
            .as_i64()
            .expect("id");
        app.post_keyed(&path, Some(&agent), &key, &json!(null))
            .await;
        app.post_empty(&format!("/api/agent/cases/{case}/package"), Some(&agent))
            .await
            .ok();
        app.post(
            &format!("/api/agent/cases/{case}/instructions"),
            Some(&agent),
            &json!({ "text": true, "voice": true }),
        )
        .await
        .ok();
        let code = app.code_for(case).await;
        codes.push((case, code.clone()));
        secrets.push(("one-time code".into(), code.clone()));
        secrets.push(("one-time code".into(), code.replace('-', "")));

        // The customer: the link page first, as a phone opens it.
        app.get(&format!("/u/{code}"), None).await;
        let opened = app
            .post_keyed(
                "/api/customer/unfreeze-requests",
                None,
                &format!("open-{i}"),
                &json!({ "code": code }),
            )
            .await;
        let session = opened.ok()["session_token"]
            .as_str()
            .expect("session")
            .to_owned();
        app.post_keyed(
            "/api/customer/unfreeze-requests",
            None,
            &format!("open-{i}"),
            &json!({ "code": code }),
        )
        .await;
        secrets.push(("session token".into(), session.clone()));
        sessions.push(session.clone());
        app.post_empty("/api/customer/challenge", Some(&session))
            .await
            .ok();
        // A wrong upload, a mistyped one, a malformed one, the right one.
        app.post(
            "/api/customer/verification",
            Some(&session),
            &json!({ "id_number": person.id_number, "transaction_password": WRONG_CARD_PASSWORD }),
        )
        .await
        .error(401, "verification_failed");
        app.post(
            "/api/customer/verification",
            Some(&session),
            &json!({ "id_number": person.id_number[..17].parse::<u64>().expect("digits"), "transaction_password": CARD_PASSWORD }),
        )
        .await
        .error(400, "invalid_input");
        app.post(
            "/api/customer/verification",
            Some(&session),
            &json!({ "id_number": common::malformed_id(31), "transaction_password": CARD_PASSWORD }),
        )
        .await
        .error(400, "invalid_input");
        app.post_keyed(
            "/api/customer/verification",
            Some(&session),
            &format!("upload-{i}"),
            &person.right(),
        )
        .await
        .ok();
        app.post_empty("/api/customer/challenge", Some(&session))
            .await;
    }
    // The approval, the queue, the audit.
    let (pending, _) = codes[1];
    app.post_empty(
        &format!("/api/agent/cases/{pending}/approve"),
        Some(&supervisor),
    )
    .await
    .ok();
    app.get("/api/agent/cases", Some(&agent)).await.ok();
    app.get("/api/agent/audit?limit=1000", Some(&supervisor))
        .await
        .ok();
    app.post_empty("/api/agent/sign-out", Some(&agent))
        .await
        .ok();
    app.get(&format!("/api/agent/cases/{pending}"), Some(&agent))
        .await
        .error(401, "unauthenticated");

    // Nor does the audit log, which names every search and what it showed.
    let details = app
        .raw
        .texts("SELECT action || ' ' || object || ' ' || detail FROM audit_log")
        .await
        .join("\n");
    assert!(details.contains("customer.searched"), "{details}");
    for (what, secret) in &secrets {
        assert!(
            !details.contains(secret.as_str()),
            "the audit log holds a {what} in clear"
        );
    }

    let captured = logs.contents();
    // The capture works: the server's request spans are in it.
    assert!(
        contains(&captured, b"/api/customer/verification"),
        "the server's spans were captured"
    );
    assert!(contains(&captured, b"finished processing request"));
    for (what, secret) in &secrets {
        assert!(
            !contains(&captured, secret.as_bytes()),
            "the logs hold a {what} in clear"
        );
        assert!(
            !contains(&captured, secret.to_lowercase().as_bytes()),
            "the logs hold a {what} in clear (lower case)"
        );
    }
}
