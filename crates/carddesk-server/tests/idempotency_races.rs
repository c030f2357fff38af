//! `Idempotency-Key` under racing retries, on SQLite and PostgreSQL (issue
//! 7, finding 3): the key is claimed before the call runs, so many
//! requests with one key at once run it once (the rest get `409 conflict`
//! with `Retry-After` while it runs, its answer after), and a stored
//! answer is replayed only to a session that is still signed in.

mod common;

use carddesk_domain::{FreezeReason, Role};
use common::{TestApp, frozen};
use serde_json::json;

on_both_databases! {
    racing_retries_run_once => sqlite_racing_retries_run_once, postgres_racing_retries_run_once;
    no_replay_after_sign_out => sqlite_no_replay_after_sign_out, postgres_no_replay_after_sign_out;
}

const RETRIES: usize = 20;

/// One wrong upload retried 20 times at once: one attempt is counted, not
/// the three the case allows.
async fn racing_retries_run_once(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app.enrol(25, &[frozen(FreezeReason::WrongPinLimit)]).await;
    let (case, session) = app.challenged(&agent, person.card(0)).await;
    let verify = "/api/customer/verification";
    let upload = person.wrong_password();
    let tries =
        (0..RETRIES).map(|_| app.post_keyed(verify, Some(&session), "upload-race", &upload));
    let answers = futures::future::join_all(tries).await;

    let mut ran_or_replayed = 0;
    for answer in &answers {
        match answer.status {
            401 => {
                answer.error(401, "verification_failed");
                ran_or_replayed += 1;
            }
            409 => {
                answer.error(409, "conflict");
                assert_eq!(
                    answer.headers.get("retry-after").map(|v| v.as_bytes()),
                    Some(&b"1"[..]),
                    "a request still running says when to come back"
                );
            }
            other => panic!("unexpected {other}: {}", answer.text()),
        }
    }
    assert!(ran_or_replayed >= 1, "one of them ran");
    let first = answers.iter().find(|a| a.status == 401).expect("an answer");
    assert_eq!(app.case(case).await.case.failed_attempts, 1, "counted once");
    assert_eq!(app.raw.count("FROM credential_failures").await, 1);
    assert_eq!(
        app.raw
            .count("FROM audit_log WHERE action = 'case.verification'")
            .await,
        1
    );

    // Once it has run, the key gives its answer back.
    let later = app
        .post_keyed(verify, Some(&session), "upload-race", &upload)
        .await;
    assert_eq!(later.body, first.body);
    assert!(later.headers.get("idempotency-replayed").is_some());
    assert_eq!(app.case(case).await.case.failed_attempts, 1);
}

/// A stored answer is not handed to a session that has since signed out.
async fn no_replay_after_sign_out(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app.enrol(26, &[frozen(FreezeReason::WrongPinLimit)]).await;
    let path = format!("/api/agent/cards/{}/cases", person.card(0).0);
    let key = "mark-then-sign-out";
    app.post_keyed(&path, Some(&agent), key, &json!(null))
        .await
        .ok();
    app.post_keyed(&path, Some(&agent), key, &json!(null))
        .await
        .ok();
    app.post_empty("/api/agent/sign-out", Some(&agent))
        .await
        .ok();
    app.post_keyed(&path, Some(&agent), key, &json!(null))
        .await
        .error(401, "unauthenticated");
}
