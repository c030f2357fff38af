//! No GET of the customer API writes (issue 7, finding 11): asking for the
//! challenge moves the case, so it is a POST; a GET of it is refused with
//! `405` and changes nothing.

mod common;

use carddesk_domain::{CaseState, FreezeReason, Role};
use common::{TestApp, frozen};
use serde_json::json;

async fn the_challenge_is_not_a_get(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app.enrol(71, &[frozen(FreezeReason::WrongPinLimit)]).await;
    let (case, code) = app.instructed(&agent, person.card(0)).await;
    let opened = app
        .post(
            "/api/customer/unfreeze-requests",
            None,
            &json!({ "code": code }),
        )
        .await
        .ok();
    let session = opened["session_token"]
        .as_str()
        .expect("session")
        .to_owned();
    let before = app.raw.snapshot().await;
    app.get("/api/customer/challenge", Some(&session))
        .await
        .error(405, "method_not_allowed");
    assert_eq!(app.raw.snapshot().await, before, "a GET wrote nothing");
    assert_eq!(app.case(case).await.case.state, CaseState::Requested);
    app.post_empty("/api/customer/challenge", Some(&session))
        .await
        .ok();
    assert_eq!(app.case(case).await.case.state, CaseState::Challenged);
}

on_both_databases! {
    the_challenge_is_not_a_get => sqlite_the_challenge_is_not_a_get, postgres_the_challenge_is_not_a_get;
}
