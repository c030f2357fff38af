//! Credentials out of place: another case's session, and an injection
//! attempt as a username.

use carddesk_domain::{CardStatus, CaseState, FreezeReason, Role};
use serde_json::json;

use crate::common::{TestApp, frozen};

/// A customer's session token opens their own case only: used with
/// another case's credentials it fails (and counts against its own case);
/// the other case, its card and the other customer are untouched.
pub(crate) async fn another_cases_session(app: &TestApp) {
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
pub(crate) async fn injection_in_sign_in(app: &TestApp) {
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
