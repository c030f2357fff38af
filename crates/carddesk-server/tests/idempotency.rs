//! `Idempotency-Key` over HTTP, on SQLite and PostgreSQL: a retry gets the
//! first answer and does nothing twice; the same key with another request
//! is refused; callers do not share keys; a customer's retried request
//! gets the same session.

mod common;

use carddesk_domain::{CardStatus, CaseState, FreezeReason, Role};
use carddesk_processor::Purpose;
use common::{TestApp, frozen};
use serde_json::json;
use sha2::{Digest, Sha256};

on_both_databases! {
    retried_mark => sqlite_retried_mark, postgres_retried_mark;
    key_reused_for_another_request => sqlite_key_reused_for_another_request, postgres_key_reused_for_another_request;
    callers_do_not_share_keys => sqlite_callers_do_not_share_keys, postgres_callers_do_not_share_keys;
    customer_retries => sqlite_customer_retries, postgres_customer_retries;
    searches_are_not_kept => sqlite_searches_are_not_kept, postgres_searches_are_not_kept;
}

/// A search is a POST that only reads: it keeps no answer, however it is
/// keyed, and each one is a fresh read (audited as such).
async fn searches_are_not_kept(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    app.enrol(22, &[CardStatus::Active]).await;
    let body = json!({ "query": "Customer" });
    for _ in 0..3 {
        let found = app
            .post_keyed(
                "/api/agent/customers/search",
                Some(&agent),
                "search-1",
                &body,
            )
            .await;
        assert_eq!(found.ok()["hits"].as_array().map(Vec::len), Some(1));
        assert!(found.headers.get("idempotency-replayed").is_none());
    }
    assert_eq!(app.raw.count("FROM idempotency_keys").await, 0);
    assert_eq!(
        app.raw
            .count("FROM audit_log WHERE action = 'customer.searched'")
            .await,
        3
    );
}

fn cases_of(card: i64) -> String {
    format!("FROM unfreeze_cases WHERE card_id = {card}")
}

/// A retried mark returns the first answer, byte for byte, and opens no
/// second case; without the key, the retry is refused as a second case.
async fn retried_mark(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app.enrol(21, &[frozen(FreezeReason::WrongPinLimit)]).await;
    let card = person.card(0).0;
    let path = format!("/api/agent/cards/{card}/cases");
    let key = "5a1c6a7e-mark-0001";

    let first = app.post_keyed(&path, Some(&agent), key, &json!(null)).await;
    let marked = first.ok();
    assert_eq!(marked["state"], "marked");
    assert!(first.headers.get("idempotency-replayed").is_none());
    let audit = app.raw.count("FROM audit_log").await;
    let before = app.raw.snapshot().await;

    for _ in 0..3 {
        let retry = app.post_keyed(&path, Some(&agent), key, &json!(null)).await;
        assert_eq!(retry.status, 200);
        assert_eq!(retry.body, first.body, "the first answer, byte for byte");
        assert_eq!(
            retry
                .headers
                .get("idempotency-replayed")
                .map(|v| v.as_bytes()),
            Some(&b"true"[..])
        );
        assert!(
            retry
                .headers
                .get("content-type")
                .is_some_and(|v| v.as_bytes().starts_with(b"application/json"))
        );
    }
    assert_eq!(app.raw.count(&cases_of(card)).await, 1);
    assert_eq!(app.raw.count("FROM audit_log").await, audit);
    assert_eq!(app.raw.snapshot().await, before);

    // The case moves on; the replayed answer is still the first one.
    let case = marked["id"].as_i64().expect("id");
    let package = format!("/api/agent/cases/{case}/package");
    let packaged = app
        .post_keyed(&package, Some(&agent), "pkg-1", &json!(null))
        .await;
    assert_eq!(packaged.ok()["state"], "packaged");
    let retry = app.post_keyed(&path, Some(&agent), key, &json!(null)).await;
    assert_eq!(retry.body, first.body);
    let retry = app
        .post_keyed(&package, Some(&agent), "pkg-1", &json!(null))
        .await;
    assert_eq!(retry.body, packaged.body);
    assert_eq!(app.case(case).await.case.state, CaseState::Packaged);

    // A refusal is remembered too: the retry gets the same refusal.
    let refused = app
        .post_keyed(&path, Some(&agent), "mark-again", &json!(null))
        .await;
    refused.error(409, "case_open");
    let retry = app
        .post_keyed(&path, Some(&agent), "mark-again", &json!(null))
        .await;
    assert_eq!(retry.status, 409);
    assert_eq!(retry.body, refused.body);

    // Without a key, a retry is a new request.
    app.post_empty(&path, Some(&agent))
        .await
        .error(409, "case_open");
    assert_eq!(app.raw.count(&cases_of(card)).await, 1);
}

/// The same key with another body or another path is refused with 422 and
/// does nothing.
async fn key_reused_for_another_request(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app
        .enrol(
            22,
            &[
                frozen(FreezeReason::WrongPinLimit),
                frozen(FreezeReason::Dormant),
            ],
        )
        .await;
    let (one, two) = (person.card(0).0, person.card(1).0);
    let key = "reused-key";
    let marked = app
        .post_keyed(
            &format!("/api/agent/cards/{one}/cases"),
            Some(&agent),
            key,
            &json!(null),
        )
        .await
        .ok();
    let case = marked["id"].as_i64().expect("id");
    let before = app.raw.snapshot().await;

    // Another path.
    app.post_keyed(
        &format!("/api/agent/cards/{two}/cases"),
        Some(&agent),
        key,
        &json!(null),
    )
    .await
    .error(422, "idempotency_key_reused");
    assert_eq!(app.raw.count(&cases_of(two)).await, 0);
    assert_eq!(app.raw.snapshot().await, before);

    // Another body.
    app.post_empty(&format!("/api/agent/cases/{case}/package"), Some(&agent))
        .await
        .ok();
    let instruct = format!("/api/agent/cases/{case}/instructions");
    let sent = app
        .post_keyed(
            &instruct,
            Some(&agent),
            "instruct-1",
            &json!({ "text": true, "voice": false }),
        )
        .await;
    sent.ok();
    let before = app.raw.snapshot().await;
    app.post_keyed(
        &instruct,
        Some(&agent),
        "instruct-1",
        &json!({ "text": true, "voice": true }),
    )
    .await
    .error(422, "idempotency_key_reused");
    // The same body, spelt differently, is another request as well.
    app.send(
        app.request(reqwest::Method::POST, &instruct, Some(&agent))
            .header("Idempotency-Key", "instruct-1")
            .header("Content-Type", "application/json")
            .body("{\"voice\":false,\"text\":true}"),
    )
    .await
    .error(422, "idempotency_key_reused");
    assert_eq!(app.raw.snapshot().await, before);
    let outbox = app.processor.local_outbox(100).await.expect("outbox");
    assert_eq!(outbox.len(), 1, "one text message, no voice prompt");
    // The original still replays.
    let retry = app
        .post_keyed(
            &instruct,
            Some(&agent),
            "instruct-1",
            &json!({ "text": true, "voice": false }),
        )
        .await;
    assert_eq!(retry.body, sent.body);
}

/// Two agents with the same key each get their own answer; neither sees
/// the other's.
async fn callers_do_not_share_keys(app: &TestApp) {
    let alice = app.staff("alice", Role::Agent).await;
    let bob = app.staff("bob", Role::Agent).await;
    let person = app
        .enrol(
            23,
            &[
                frozen(FreezeReason::WrongPinLimit),
                frozen(FreezeReason::Dormant),
            ],
        )
        .await;
    let key = "everyone-uses-this-key";

    let (one, two) = (person.card(0).0, person.card(1).0);
    let alices = app
        .post_keyed(
            &format!("/api/agent/cards/{one}/cases"),
            Some(&alice),
            key,
            &json!(null),
        )
        .await;
    assert_eq!(alices.ok()["opened_by"], "agent:alice");

    // Bob, same key, same request: his own answer (the card has a case).
    let bobs = app
        .post_keyed(
            &format!("/api/agent/cards/{one}/cases"),
            Some(&bob),
            key,
            &json!(null),
        )
        .await;
    bobs.error(409, "case_open");
    assert!(bobs.headers.get("idempotency-replayed").is_none());
    // Bob, same key, another card: not "reused", since it is not his key.
    let bobs_other = app
        .post_keyed(
            &format!("/api/agent/cards/{two}/cases"),
            Some(&bob),
            "bobs-key",
            &json!(null),
        )
        .await;
    assert_eq!(bobs_other.ok()["opened_by"], "agent:bob");
    // Alice, Bob's key: her own call, not Bob's answer.
    let alice_with_bobs_key = app
        .post_keyed(
            &format!("/api/agent/cards/{two}/cases"),
            Some(&alice),
            "bobs-key",
            &json!(null),
        )
        .await;
    alice_with_bobs_key.error(409, "case_open");
    // A new session of the same agent is another caller too.
    let alice_again = app.sign_in("alice").await;
    app.post_keyed(
        &format!("/api/agent/cards/{one}/cases"),
        Some(&alice_again),
        key,
        &json!(null),
    )
    .await
    .error(409, "case_open");
    // And the first answer still replays for the first caller.
    let retry = app
        .post_keyed(
            &format!("/api/agent/cards/{one}/cases"),
            Some(&alice),
            key,
            &json!(null),
        )
        .await;
    assert_eq!(retry.body, alices.body);
    assert_eq!(app.raw.count("FROM unfreeze_cases").await, 2);
}

/// A customer's retried unfreeze request gets the same session token (the
/// code is spent once); a retried failed upload is not counted twice; a
/// retried successful upload unfreezes once.
async fn customer_retries(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app.enrol(24, &[frozen(FreezeReason::WrongPinLimit)]).await;
    let card = person.card(0);
    let (case, code) = app.instructed(&agent, card).await;
    let open = "/api/customer/unfreeze-requests";
    let key = "phone-req-1";

    let first = app
        .post_keyed(open, None, key, &json!({ "code": code }))
        .await;
    let session = first.ok()["session_token"]
        .as_str()
        .expect("session")
        .to_owned();
    let retry = app
        .post_keyed(open, None, key, &json!({ "code": code }))
        .await;
    assert_eq!(retry.status, 200);
    assert_eq!(retry.body, first.body);
    assert_eq!(retry.json()["session_token"], session);
    // Without the key the code is spent.
    app.post(open, None, &json!({ "code": code }))
        .await
        .error(409, "code_used");
    // The same key for another code is refused.
    app.post_keyed(open, None, key, &json!({ "code": "ZZZZZ-ZZZZ0" }))
        .await
        .error(422, "idempotency_key_reused");
    assert_eq!(app.case(case).await.case.state, CaseState::Requested);

    app.post_empty("/api/customer/challenge", Some(&session))
        .await
        .ok();
    let verify = "/api/customer/verification";
    let failed = app
        .post_keyed(verify, Some(&session), "upload-1", &person.wrong_password())
        .await;
    failed.error(401, "verification_failed");
    let retry = app
        .post_keyed(verify, Some(&session), "upload-1", &person.wrong_password())
        .await;
    assert_eq!(retry.body, failed.body);
    assert_eq!(app.case(case).await.case.failed_attempts, 1);
    assert_eq!(app.raw.count("FROM credential_failures").await, 1);

    let done = app
        .post_keyed(verify, Some(&session), "upload-2", &person.right())
        .await;
    assert_eq!(done.ok(), json!({ "outcome": "unfrozen" }));
    let retry = app
        .post_keyed(verify, Some(&session), "upload-2", &person.right())
        .await;
    assert_eq!(retry.body, done.body);
    assert_eq!(app.card_status(card).await, CardStatus::Active);
    assert_eq!(
        app.store.card_history(card).await.expect("history").len(),
        1
    );
    assert_eq!(app.case(case).await.case.state, CaseState::Unfrozen);
    // The stored answers are sealed: the session token is not in the table.
    let stored = app
        .raw
        .texts("SELECT scope || ' ' || key FROM idempotency_keys ORDER BY key")
        .await;
    assert!(stored.iter().all(|row| !row.contains(&session)));
    let sealed_contains_token = app.raw.count_bound(
        "FROM idempotency_keys WHERE instr(response_sealed, $1) > 0",
        "FROM idempotency_keys WHERE position($1 in response_sealed) > 0",
        session.as_bytes(),
    );
    assert_eq!(sealed_contains_token.await, 0);
    // Retries are matched by a keyed hash: no row holds the plain hash of
    // the upload, whose body carries the ID number and the password.
    let sent = serde_json::to_vec(&person.wrong_password()).expect("json");
    let request = [b"POST\0".as_slice(), verify.as_bytes(), b"\0", &sent].concat();
    let by_digest = "FROM idempotency_keys WHERE request_digest = $1";
    let keyed = app.keys.digest(Purpose::IdempotentRequest, &request);
    let keyed_rows = app.raw.count_bound(by_digest, by_digest, &keyed);
    assert_eq!(keyed_rows.await, 1, "the check finds the upload's row");
    let plain = Sha256::digest(&request);
    let plain_rows = app.raw.count_bound(by_digest, by_digest, &plain);
    assert_eq!(plain_rows.await, 0, "a plain hash of the upload is stored");
}
