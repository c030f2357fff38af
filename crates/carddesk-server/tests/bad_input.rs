//! Bad input at every edge, on SQLite and PostgreSQL: malformed, oversized
//! and mistyped bodies, unknown fields, missing content types, control
//! characters, very long strings, injection attempts, ids that do not
//! exist, unknown endpoints and methods, and another case's session. Each
//! gets a 4xx in the `{code, message}` shape, and the database is the same
//! afterwards.

mod common;

use carddesk_domain::{CardStatus, CaseState, FreezeReason, Role};
use common::{Resp, TestApp, contains, frozen};
use reqwest::Method;
use serde_json::json;

on_both_databases! {
    agent_edges => sqlite_agent_edges, postgres_agent_edges;
    customer_edges => sqlite_customer_edges, postgres_customer_edges;
    paths_and_endpoints => sqlite_paths_and_endpoints, postgres_paths_and_endpoints;
    another_cases_session => sqlite_another_cases_session, postgres_another_cases_session;
    injection_in_sign_in => sqlite_injection_in_sign_in, postgres_injection_in_sign_in;
}

/// A raw POST: the body as given, with the content type as given.
async fn post_raw(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Resp {
    let mut request = app.request(Method::POST, path, token).body(body);
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    app.send(request).await
}

const JSON: Option<&str> = Some("application/json");

/// Strings that must never reach the database as they are.
fn hostile_strings() -> Vec<String> {
    vec![
        "' OR '1'='1".to_owned(),
        "1; DROP TABLE cards; --".to_owned(),
        "\" OR \"\"=\"".to_owned(),
        "'); DELETE FROM unfreeze_cases; --".to_owned(),
        "1' UNION SELECT password_hash FROM cards --".to_owned(),
        "\u{0}\u{1}\u{7}\u{1b}[31m\r\n".to_owned(),
        "line\nbreak".to_owned(),
        "\u{202e}gnp.exe".to_owned(),
        "x".repeat(10_000),
        "９".repeat(18),
        "𝟘".repeat(18),
        String::new(),
        " ".to_owned(),
    ]
}

/// The agent's calls that take a body, each given what it cannot take.
async fn agent_edges(app: &TestApp) {
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

/// The customer's calls, each given what it cannot take.
async fn customer_edges(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app
        .enrol(
            12,
            &[
                frozen(FreezeReason::WrongPinLimit),
                frozen(FreezeReason::CustomerRequest),
            ],
        )
        .await;
    let (case, session) = app.challenged(&agent, person.card(0)).await;
    let (waiting, code) = app.instructed(&agent, person.card(1)).await;
    let before = app.raw.snapshot().await;
    let open = "/api/customer/unfreeze-requests";
    let verify = "/api/customer/verification";
    let s = Some(session.as_str());

    // Codes that cannot be codes: refused before any lookup.
    let mut not_codes = hostile_strings();
    not_codes.extend([
        "ABCDE-FGHJ".to_owned(),
        "ABCDE-FGHJKM".to_owned(),
        "UUUUU-UUUUU".to_owned(),
        format!("{code}0"),
        code.replace('-', "\u{0}"),
        format!("{}\u{ff0d}{}", &code[..5], &code[6..]),
    ]);
    for not_code in not_codes {
        let answer = app.post(open, None, &json!({ "code": not_code })).await;
        answer.error(400, "invalid_input");
    }
    // A well-formed code nobody was sent.
    let unknown = if code.starts_with('Z') {
        "00000-00000"
    } else {
        "ZZZZZ-ZZZZZ"
    };
    app.post(open, None, &json!({ "code": unknown }))
        .await
        .error(404, "not_found");
    // Malformed, mistyped, unknown fields, no content type, too large.
    post_raw(app, open, None, JSON, "{\"code\":")
        .await
        .error(400, "invalid_input");
    app.post(open, None, &json!({ "code": 1234567890 }))
        .await
        .error(400, "invalid_input");
    app.post(open, None, &json!({ "code": code, "case_id": case }))
        .await
        .error(400, "invalid_input");
    app.post(open, None, &json!({}))
        .await
        .error(400, "invalid_input");
    post_raw(app, open, None, None, json!({ "code": code }).to_string())
        .await
        .error(415, "invalid_input");
    post_raw(
        app,
        open,
        None,
        JSON,
        format!("{{\"code\":\"{code}\",\"x\":\"{}\"}}", "x".repeat(20_000)),
    )
    .await
    .error(413, "too_large");

    // Uploads refused at the edge: not counted as attempts.
    let malformed = common::malformed_id(12);
    let password = person.password.as_str();
    for body in [
        json!({ "id_number": malformed, "transaction_password": password }),
        json!({ "id_number": person.id_number[..17], "transaction_password": password }),
        json!({ "id_number": format!("{}\u{0}", person.id_number), "transaction_password": password }),
        json!({ "id_number": "' OR '1'='1", "transaction_password": password }),
        json!({ "id_number": "1".repeat(10_000), "transaction_password": password }),
        json!({ "id_number": person.id_number, "transaction_password": "" }),
        json!({ "id_number": person.id_number, "transaction_password": "9".repeat(65) }),
        json!({ "id_number": person.id_number, "transaction_password": "86\u{0}4213" }),
        json!({ "id_number": person.id_number, "transaction_password": "864213\r\n" }),
        json!({ "id_number": person.id_number }),
        json!({ "transaction_password": password }),
        json!({}),
        json!({ "id_number": person.id_number, "transaction_password": password, "case_id": case }),
        json!({ "id_number": person.id_number, "passport_country": "X", "transaction_password": password }),
    ] {
        let answer = app.post(verify, s, &body).await;
        answer.error(400, "invalid_input");
        assert!(!contains(&answer.body, person.id_number.as_bytes()));
    }
    // Mistyped values are refused without being echoed back.
    for body in [
        json!({ "id_number": person.id_number, "transaction_password": 864213 }),
        json!({ "id_number": person.id_number[..17].parse::<u64>().expect("digits"), "transaction_password": password }),
        json!({ "id_number": [person.id_number], "transaction_password": password }),
        json!({ "id_number": person.id_number, "transaction_password": [864213] }),
        json!({ "id_number": person.id_number, "transaction_password": true }),
    ] {
        let answer = app.post(verify, s, &body).await;
        answer.error(400, "invalid_input");
        assert!(!contains(&answer.body, b"864213"), "{}", answer.text());
        assert!(
            !contains(&answer.body, &person.id_number.as_bytes()[..12]),
            "{}",
            answer.text()
        );
    }
    post_raw(app, verify, s, JSON, "{\"id_number\":\"")
        .await
        .error(400, "invalid_input");
    post_raw(app, verify, s, None, person.right().to_string())
        .await
        .error(415, "invalid_input");
    post_raw(app, verify, s, JSON, "[1,2,3]")
        .await
        .error(400, "invalid_input");

    // The case is as it was: no attempt counted, still challenged.
    let challenge = app.post_empty("/api/customer/challenge", s).await.ok();
    assert_eq!(challenge["attempts_left"], 3);
    assert_eq!(app.case(case).await.case.failed_attempts, 0);
    assert_eq!(app.case(waiting).await.case.state, CaseState::Instructed);
    assert_eq!(app.raw.snapshot().await, before, "nothing changed");

    // And the right upload still works afterwards.
    app.post(verify, s, &person.right()).await.ok();
    assert_eq!(app.card_status(person.card(0)).await, CardStatus::Active);
}

/// Ids that do not exist or cannot be ids, endpoints and methods that do
/// not exist.
async fn paths_and_endpoints(app: &TestApp) {
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

/// A customer's session token opens their own case only: used with
/// another case's credentials it fails (and counts against its own case);
/// the other case, its card and the other customer are untouched.
async fn another_cases_session(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let mine = app.enrol(14, &[frozen(FreezeReason::WrongPinLimit)]).await;
    let theirs = app.enrol(15, &[frozen(FreezeReason::WrongPinLimit)]).await;
    let (my_case, my_session) = app.challenged(&agent, mine.card(0)).await;
    let (their_case, their_code) = app.instructed(&agent, theirs.card(0)).await;
    let their_before = app.case(their_case).await;

    // The other customer's credentials, on my session.
    app.post(
        "/api/customer/verification",
        Some(&my_session),
        &theirs.right(),
    )
    .await
    .error(401, "verification_failed");
    // My session sees my case only.
    let challenge = app
        .post_empty("/api/customer/challenge", Some(&my_session))
        .await
        .ok();
    assert_eq!(challenge["card_last_four"], mine.cards[0].number[12..]);
    assert_eq!(challenge["attempts_left"], 2);
    // A session is not a staff token, and reaches no case by id.
    app.get(&format!("/api/agent/cases/{their_case}"), Some(&my_session))
        .await
        .error(401, "unauthenticated");
    // (The body is well-formed: the desk, which knows sessions, sees the
    // request only once the transport has parsed it.)
    app.post(
        &format!("/api/agent/cases/{their_case}/cancel"),
        Some(&my_session),
        &json!({ "reason": "not theirs to cancel" }),
    )
    .await
    .error(401, "unauthenticated");
    // A made-up session, or the other case's code used as a session.
    app.post(
        "/api/customer/verification",
        Some(&their_code),
        &theirs.right(),
    )
    .await
    .error(401, "unauthenticated");
    app.post(
        "/api/customer/verification",
        Some(&"0".repeat(64)),
        &theirs.right(),
    )
    .await
    .error(401, "unauthenticated");

    assert_eq!(app.case(their_case).await, their_before);
    assert!(matches!(
        app.card_status(theirs.card(0)).await,
        CardStatus::Frozen { .. }
    ));
    assert!(matches!(
        app.card_status(mine.card(0)).await,
        CardStatus::Frozen { .. }
    ));
    assert_eq!(app.case(my_case).await.case.failed_attempts, 1);
    assert_eq!(
        app.raw
            .count(&format!(
                "FROM credential_failures WHERE customer_id = {}",
                theirs.id.0
            ))
            .await,
        0
    );

    // The other customer's own flow is unaffected.
    let opened = app
        .post(
            "/api/customer/unfreeze-requests",
            None,
            &json!({ "code": their_code }),
        )
        .await
        .ok();
    let their_session = opened["session_token"].as_str().expect("session");
    app.post_empty("/api/customer/challenge", Some(their_session))
        .await
        .ok();
    app.post(
        "/api/customer/verification",
        Some(their_session),
        &theirs.right(),
    )
    .await
    .ok();
    assert_eq!(app.card_status(theirs.card(0)).await, CardStatus::Active);
    assert_eq!(app.case(my_case).await.case.state, CaseState::Challenged);
}

/// An injection attempt as a username is one more failed sign-in (audited
/// as such), nothing else: no staff changed, no session made.
async fn injection_in_sign_in(app: &TestApp) {
    app.add_staff("alice", Role::Agent).await;
    let before = app.raw.snapshot().await;
    let audit_before = app.raw.count("FROM audit_log").await;
    let attempts = [
        json!({ "username": "alice' --", "password": "x" }),
        json!({ "username": "' OR '1'='1", "password": "' OR '1'='1" }),
        json!({ "username": "alice\" OR 1=1 --", "password": "x" }),
        json!({ "username": "alice'; UPDATE staff_users SET role='admin'; --", "password": "x" }),
    ];
    for body in &attempts {
        app.post("/api/agent/sign-in", None, body)
            .await
            .error(401, "unauthenticated");
    }
    // Only the audit log grew: one failed sign-in each.
    let mut after = app.raw.snapshot().await;
    let audit_after = app.raw.count("FROM audit_log").await;
    assert_eq!(audit_after, audit_before + 4);
    for row in after.iter_mut() {
        if row.starts_with("audit_log:") {
            *row = format!("audit_log: {audit_before} rows");
        }
    }
    assert_eq!(after, before);
    let outcomes = app
        .raw
        .texts(&format!(
            "SELECT action || ' ' || outcome FROM audit_log WHERE seq > {audit_before} ORDER BY seq"
        ))
        .await;
    assert_eq!(outcomes, vec!["staff.sign_in failure"; 4]);
    let user = app
        .store
        .staff_user("alice")
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(user.failed_signins, 0);
    assert_eq!(user.member.role, Role::Agent);
}
