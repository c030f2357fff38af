//! Ids that do not exist or cannot be ids, query strings that do not parse,
//! and endpoints and methods that do not exist.

use carddesk_domain::{FreezeReason, Role};
use reqwest::Method;
use serde_json::json;

use crate::common::{TestApp, frozen};

/// Ids that do not exist or cannot be ids, endpoints and methods that do
/// not exist.
pub(crate) async fn paths_and_endpoints(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let supervisor = app.staff("sam", Role::Supervisor).await;
    let person = app.enrol(13, &[frozen(FreezeReason::WrongPinLimit)]).await;
    let (case, _) = app.instructed(&agent, person.card(0)).await;
    let before = app.raw.snapshot().await;
    let a = Some(agent.as_str());
    let s = Some(supervisor.as_str());
    let missing_case = case + 1_000;
    let missing_card = person.card(0).0 + 1_000;

    // Ids that do not exist: 404.
    for (path, token) in [
        (format!("/api/agent/cases/{missing_case}"), a),
        (format!("/api/agent/cases/{missing_case}/timeline"), a),
        (format!("/api/agent/cards/{missing_card}/history"), a),
        (
            format!("/api/agent/cards/{missing_card}/instruction-preview"),
            a,
        ),
        (format!("/api/agent/customers/{}", person.id.0 + 1_000), a),
        ("/api/agent/cases/-1".to_owned(), a),
        ("/api/agent/cases/0".to_owned(), a),
        (format!("/api/agent/cases/{}", i64::MAX), a),
    ] {
        app.get(&path, token).await.error(404, "not_found");
    }
    for (path, token, body) in [
        (format!("/api/agent/cards/{missing_card}/cases"), a, None),
        (format!("/api/agent/cases/{missing_case}/package"), a, None),
        (
            format!("/api/agent/cases/{missing_case}/instructions"),
            a,
            Some(json!({ "text": true, "voice": true })),
        ),
        (
            format!("/api/agent/cases/{missing_case}/cancel"),
            a,
            Some(json!({ "reason": "gone" })),
        ),
        (
            format!("/api/agent/cards/{missing_card}/remote-unfreeze"),
            a,
            Some(json!({ "text": true, "voice": false })),
        ),
        (
            format!("/api/agent/cases/{missing_case}/resend"),
            a,
            Some(json!({ "text": true, "voice": false })),
        ),
        (
            format!("/api/agent/cases/{missing_case}/reassign"),
            s,
            Some(json!({ "username": "alice" })),
        ),
        (format!("/api/agent/cases/{missing_case}/approve"), s, None),
        (
            format!("/api/agent/cases/{missing_case}/reject"),
            s,
            Some(json!({ "reason": "no" })),
        ),
    ] {
        let answer = match body {
            Some(body) => app.post(&path, token, &body).await,
            None => app.post_empty(&path, token).await,
        };
        answer.error(404, "not_found");
    }

    // Path ids that cannot be ids: 400 in the common shape.
    for segment in [
        "abc",
        "1.5",
        "99999999999999999999",
        "1%20OR%201=1",
        "%27%3B%20DROP%20TABLE%20cards%3B--",
        "%00",
        "0x10",
    ] {
        app.get(&format!("/api/agent/cases/{segment}"), a)
            .await
            .error(400, "invalid_input");
        app.get(&format!("/api/agent/cards/{segment}/history"), a)
            .await
            .error(400, "invalid_input");
        app.post_empty(&format!("/api/agent/cards/{segment}/cases"), a)
            .await
            .error(400, "invalid_input");
        app.post_empty(&format!("/api/agent/cases/{segment}/package"), a)
            .await
            .error(400, "invalid_input");
        app.get(&format!("/api/agent/customers/{segment}"), a)
            .await
            .error(400, "invalid_input");
        app.get(
            &format!("/api/agent/cards/{segment}/instruction-preview"),
            a,
        )
        .await
        .error(400, "invalid_input");
        app.get(&format!("/api/agent/outbox/{segment}/audio"), a)
            .await
            .error(400, "invalid_input");
    }
    // A very long path.
    app.get(&format!("/api/agent/cases/{}", "9".repeat(8_000)), a)
        .await
        .error(400, "invalid_input");

    // Query strings that do not parse.
    for query in [
        "limit=abc",
        "limit=-1",
        "before=x",
        "state=bogus",
        "state=unfrozen,bogus",
        "unknown=1",
        "limit=99999999999",
    ] {
        app.get(&format!("/api/agent/cases?{query}"), a)
            .await
            .error(400, "invalid_input");
    }
    for query in ["after=x", "limit=abc", "unknown=1"] {
        app.get(&format!("/api/agent/audit?{query}"), s)
            .await
            .error(400, "invalid_input");
    }

    // Unknown endpoints, with or without a token.
    for path in [
        "/",
        "/api",
        "/api/agent",
        "/api/agent/nope",
        "/api/agent/cases/1/unfreeze",
        "/api/customer/nope",
        "/api/admin/staff",
        "/.env",
        "/api/agent/../../etc/passwd",
    ] {
        app.get(path, a).await.error(404, "not_found");
        app.get(path, None).await.error(404, "not_found");
        app.post(path, a, &json!({})).await.error(404, "not_found");
    }

    // Known endpoints, unknown methods.
    for (method, path) in [
        (Method::GET, "/api/agent/sign-in".to_owned()),
        (Method::DELETE, format!("/api/agent/cases/{case}")),
        (Method::PUT, format!("/api/agent/cases/{case}/package")),
        (Method::GET, format!("/api/agent/cases/{case}/approve")),
        (Method::POST, "/api/agent/audit".to_owned()),
        (Method::GET, "/api/customer/verification".to_owned()),
        (Method::PATCH, "/api/customer/unfreeze-requests".to_owned()),
    ] {
        app.send(app.request(method, &path, a).json(&json!({})))
            .await
            .error(405, "method_not_allowed");
    }

    assert_eq!(app.raw.snapshot().await, before, "nothing changed");
}
