//! Bad codes, bodies and uploads for the customer's calls.

use carddesk_domain::{CardStatus, CaseState, FreezeReason, Role};
use serde_json::json;

use super::{JSON, hostile_strings, post_raw};
use crate::common::{self, TestApp, contains, frozen};

/// The customer's calls, each given what it cannot take.
pub(crate) async fn customer_edges(app: &TestApp) {
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
