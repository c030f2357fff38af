//! Bad bodies, fields, strings, page sizes and idempotency keys for the
//! agent's calls.

use carddesk_domain::{CaseState, FreezeReason, Role};
use reqwest::Method;
use serde_json::json;

use super::{JSON, hostile_strings, post_raw};
use crate::common::{self, TestApp, contains, frozen};

/// The agent's calls that take a body, each given what it cannot take.
pub(crate) async fn agent_edges(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app
        .enrol(
            11,
            &[
                frozen(FreezeReason::WrongPinLimit),
                frozen(FreezeReason::Dormant),
            ],
        )
        .await;
    let (case, _code) = app.instructed(&agent, person.card(0)).await;
    let marked = app
        .post_empty(
            &format!("/api/agent/cards/{}/cases", person.card(1).0),
            Some(&agent),
        )
        .await
        .ok()["id"]
        .as_i64()
        .expect("id");
    let token = Some(agent.as_str());
    let audit_before = app.audit_head().await;
    let before = app.raw.snapshot_but_audit().await;

    let search = "/api/agent/customers/search";
    let instruct = format!("/api/agent/cases/{case}/instructions");
    let instruct_marked = format!("/api/agent/cases/{marked}/instructions");
    let cancel = format!("/api/agent/cases/{case}/cancel");
    let sign_in = "/api/agent/sign-in";

    // Malformed JSON.
    for body in [
        "{\"query\":",
        "{query: \"+8613910000011\"}",
        "{\"query\":\"+8613910000011\"} trailing",
        "\u{feff}{\"query\":\"+8613910000011\"}",
        "",
        "nul\u{0}l",
        "{\"query\":\"+8613910000011\",}",
    ] {
        post_raw(app, search, token, JSON, body)
            .await
            .error(400, "invalid_input");
    }
    post_raw(app, &instruct, token, JSON, "{\"text\": tru")
        .await
        .error(400, "invalid_input");
    post_raw(app, &instruct, token, JSON, vec![0xff, 0xfe, 0x00, 0x7b])
        .await
        .error(400, "invalid_input");

    // Oversized: beyond 16 KiB, whatever the content, and far beyond.
    let padding = "9".repeat(17 * 1024);
    let big = format!("{{\"query\":\"+86139{padding}\"}}");
    post_raw(app, search, token, JSON, big.clone())
        .await
        .error(413, "too_large");
    post_raw(
        app,
        &cancel,
        token,
        JSON,
        format!("{{\"reason\":\"{padding}\"}}"),
    )
    .await
    .error(413, "too_large");
    post_raw(app, search, token, JSON, vec![b' '; 5 * 1024 * 1024])
        .await
        .error(413, "too_large");
    // Also when it streams without a length.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..64).map(|_| Ok(vec![b' '; 1024])).collect();
    post_raw(
        app,
        search,
        token,
        JSON,
        reqwest::Body::wrap_stream(futures::stream::iter(chunks)),
    )
    .await
    .error(413, "too_large");

    // Wrong types.
    for body in [
        json!({ "query": 8613910000011_i64 }),
        json!({ "query": ["+8613910000011"] }),
        json!({ "query": { "number": "+8613910000011" } }),
        json!({ "query": null }),
        json!({ "query": "Customer", "limit": "1" }),
        json!({ "query": "Customer", "limit": 1.5 }),
        json!({ "query": "Customer", "limit": 1e300 }),
        json!({ "query": "Customer", "limit": 1e20 }),
        json!({ "query": "Customer", "limit": -1 }),
        json!({ "query": "Customer", "limit": -0.0 }),
        json!([{ "query": "+8613910000011" }]),
        json!("+8613910000011"),
        json!(null),
        json!(42),
    ] {
        app.post(search, token, &body)
            .await
            .error(400, "invalid_input");
    }
    for body in [
        json!({ "text": "yes", "voice": false }),
        json!({ "text": 1, "voice": 0 }),
        json!({ "text": null, "voice": true }),
        json!({ "text": true }),
        json!({}),
    ] {
        app.post(&instruct_marked, token, &body)
            .await
            .error(400, "invalid_input");
    }
    app.post(&cancel, token, &json!({ "reason": 7 }))
        .await
        .error(400, "invalid_input");
    // The messages say what is wrong, in the server's own words.
    let message = app
        .post(
            &instruct_marked,
            token,
            &json!({ "text": "yes", "voice": false }),
        )
        .await
        .error(400, "invalid_input");
    assert!(message.contains("expected a boolean"), "{message}");
    assert!(!message.contains("yes"), "{message}");
    let message = app
        .post(&instruct_marked, token, &json!({ "text": true }))
        .await
        .error(400, "invalid_input");
    assert!(message.contains("missing field `voice`"), "{message}");
    let message = app
        .post(search, token, &json!({ "secret_field_name": 1 }))
        .await
        .error(400, "invalid_input");
    assert!(message.contains("unknown field"), "{message}");
    assert!(message.contains("`query`"), "{message}");
    assert!(!message.contains("secret_field_name"), "{message}");
    let message = post_raw(app, search, token, JSON, "{\"query\":")
        .await
        .error(400, "invalid_input");
    assert!(message.contains("not valid JSON"), "{message}");

    // Unknown and duplicate fields.
    app.post(
        search,
        token,
        &json!({ "query": person.phone, "role": "admin" }),
    )
    .await
    .error(400, "invalid_input");
    app.post(
        &instruct_marked,
        token,
        &json!({ "text": true, "voice": false, "to": "+447700900123" }),
    )
    .await
    .error(400, "invalid_input");
    post_raw(
        app,
        &instruct_marked,
        token,
        JSON,
        "{\"text\":true,\"text\":false,\"voice\":false}",
    )
    .await
    .error(400, "invalid_input");
    app.post(
        sign_in,
        None,
        &json!({ "username": "alice", "password": common::STAFF_PASSWORD, "role": "admin" }),
    )
    .await
    .error(400, "invalid_input");
    // A field name long and hostile: refused, and not echoed back.
    let long_field = format!("{}\u{1b}[2J", "f".repeat(8_000));
    let answer = app
        .post(search, token, &json!({ long_field.clone(): 1 }))
        .await;
    answer.error(400, "invalid_input");
    assert!(!contains(
        &answer.body,
        "ffffffffffffffffffffffffffffffff".as_bytes()
    ));

    // No content type, or the wrong one.
    let good = json!({ "query": person.phone }).to_string();
    post_raw(app, search, token, None, good.clone())
        .await
        .error(415, "invalid_input");
    post_raw(app, search, token, Some("text/plain"), good.clone())
        .await
        .error(415, "invalid_input");
    post_raw(
        app,
        search,
        token,
        Some("application/x-www-form-urlencoded"),
        "query=%2B8613910000011",
    )
    .await
    .error(415, "invalid_input");
    post_raw(
        app,
        sign_in,
        None,
        Some("text/xml"),
        "<username>alice</username>",
    )
    .await
    .error(415, "invalid_input");
    // A well-formed search still works (it is a read, and audited).
    let found = post_raw(app, search, token, JSON, good).await.ok();
    assert_eq!(found["hits"][0]["customer"]["id"], person.id.0);
    let mut searches = 1;

    // Control characters, very long strings, injection attempts, as the
    // search, and in reasons. A search is free text, so one that can be a
    // name is searched for, and finds nobody; any other is refused. The
    // answer never repeats it.
    for hostile in hostile_strings() {
        let answer = app.post(search, token, &json!({ "query": hostile })).await;
        let can_be_a_name = !hostile.trim().is_empty()
            && hostile.trim().chars().count() <= 64
            && !hostile.chars().any(char::is_control);
        if answer.status == 200 && can_be_a_name {
            assert_eq!(answer.json()["hits"], json!([]), "{hostile:?}");
            searches += 1;
        } else {
            let message = answer.error(400, "invalid_input");
            assert!(
                hostile.trim().chars().count() < 3 || !message.contains(hostile.trim()),
                "{message}"
            );
        }
        if hostile.trim().is_empty()
            || hostile.chars().any(char::is_control)
            || hostile.chars().count() > 500
        {
            app.post(&cancel, token, &json!({ "reason": hostile }))
                .await
                .error(400, "invalid_input");
        }
    }
    // An injection attempt in a filter finds nothing and breaks nothing.
    for hostile in ["' OR '1'='1", "agent:alice' --", "%' OR 1=1 --"] {
        let page = app
            .send(
                app.request(Method::GET, "/api/agent/cases", token)
                    .query(&[("opened_by", hostile)]),
            )
            .await
            .ok();
        assert_eq!(page["items"], json!([]), "{hostile}");
        let page = app
            .send(
                app.request(Method::GET, "/api/agent/cases", token)
                    .query(&[("state", hostile)]),
            )
            .await;
        page.error(400, "invalid_input");
    }
    // No search, or a page size out of bounds.
    app.post(search, token, &json!({}))
        .await
        .error(400, "invalid_input");
    for limit in [0, 51, 1_000_000] {
        app.post(
            search,
            token,
            &json!({ "query": person.phone, "limit": limit }),
        )
        .await
        .error(400, "invalid_input");
    }
    // A page size beyond u32 is a wrong type, before the desk sees it.
    app.post(
        search,
        token,
        &json!({ "query": person.phone, "limit": 1_u64 << 40 }),
    )
    .await
    .error(400, "invalid_input");
    // Instructions through no channel.
    app.post(
        &instruct_marked,
        token,
        &json!({ "text": false, "voice": false }),
    )
    .await
    .error(400, "invalid_input");
    // Sign-in with a username too long or empty.
    app.post(
        sign_in,
        None,
        &json!({ "username": "a".repeat(65), "password": "whatever it is" }),
    )
    .await
    .error(400, "invalid_input");
    app.post(sign_in, None, &json!({ "username": "", "password": "x" }))
        .await
        .error(400, "invalid_input");
    app.post(
        sign_in,
        None,
        &json!({ "username": "alice\u{0}\r\nagent:admin signed in", "password": "x" }),
    )
    .await
    .error(400, "invalid_input");
    app.post(sign_in, None, &json!({ "username": "alice" }))
        .await
        .error(400, "invalid_input");

    // A bad Idempotency-Key.
    for key in ["", &"k".repeat(129), "with space", "tab\there"] {
        app.send(
            app.request(Method::POST, &instruct_marked, token)
                .header("Idempotency-Key", key)
                .json(&json!({ "text": true, "voice": false })),
        )
        .await
        .error(400, "invalid_input");
    }
    app.send(
        app.request(Method::POST, &instruct_marked, token)
            .header(
                "Idempotency-Key",
                reqwest::header::HeaderValue::from_bytes(b"caf\xe9").expect("obs-text"),
            )
            .json(&json!({ "text": true, "voice": false })),
    )
    .await
    .error(400, "invalid_input");

    assert_eq!(
        app.raw.snapshot_but_audit().await,
        before,
        "nothing changed"
    );
    // But the audit log, which holds one entry per search made, and none
    // for what was refused as malformed.
    let audited = app.audit_after(audit_before).await;
    assert_eq!(audited.len(), searches, "{audited:?}");
    assert!(
        audited.iter().all(|(actor, action, object, outcome)| (
            actor.as_str(),
            action.as_str(),
            object.as_str(),
            outcome.as_str()
        ) == (
            "agent:alice",
            "customer.searched",
            "customers",
            "success"
        )),
        "{audited:?}"
    );
    assert_eq!(app.case(marked).await.case.state, CaseState::Marked);
    assert_eq!(app.case(case).await.case.state, CaseState::Instructed);
}
