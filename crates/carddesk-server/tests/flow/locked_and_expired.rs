//! Cases that end with the card still frozen: locked after wrong
//! credentials, or expired.

use carddesk_domain::{CardStatus, CaseState, FreezeReason, Role};
use chrono::Duration;
use serde_json::json;

use crate::common::{self, TestApp, frozen};

/// Three wrong uploads lock the case; a wrong ID number and a wrong
/// password get the same answer; the card stays frozen.
pub(crate) async fn locked_after_wrong_credentials(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app.enrol(2, &[frozen(FreezeReason::CustomerRequest)]).await;
    let card = person.card(0);
    let (case, session) = app.challenged(&agent, card).await;

    let wrong_id = app
        .post(
            "/api/customer/verification",
            Some(&session),
            &person.wrong_id(),
        )
        .await;
    let message = wrong_id.error(401, "verification_failed");
    assert!(message.contains("2 attempt"), "{message}");
    assert!(!message.to_lowercase().contains("password") && !message.contains("ID"));
    let wrong_password = app
        .post(
            "/api/customer/verification",
            Some(&session),
            &person.wrong_password(),
        )
        .await;
    wrong_password.error(401, "verification_failed");
    // Byte for byte the same answer, apart from the attempts left.
    assert_eq!(
        wrong_id.text().replace("2 attempt", "1 attempt"),
        wrong_password.text()
    );
    assert_eq!(
        app.post_empty("/api/customer/challenge", Some(&session))
            .await
            .ok()["attempts_left"],
        1
    );

    app.post(
        "/api/customer/verification",
        Some(&session),
        &person.wrong_id(),
    )
    .await
    .error(423, "locked");
    let record = app.case(case).await;
    assert_eq!(record.case.state, CaseState::Locked);
    assert_eq!(record.case.failed_attempts, 3);
    assert_eq!(
        app.raw
            .count(&format!(
                "FROM credential_failures WHERE case_id = {case} AND customer_id = {}",
                person.id.0
            ))
            .await,
        3
    );

    // Even the right credentials no longer open it. (The processor answers
    // a locked case's later uploads as "no longer open".)
    let again = app
        .post(
            "/api/customer/verification",
            Some(&session),
            &person.right(),
        )
        .await;
    if again.status == 423 {
        again.error(423, "locked");
    } else {
        again.error(409, "case_closed");
    }
    assert!(matches!(
        app.card_status(card).await,
        CardStatus::Frozen { .. }
    ));
    assert_eq!(app.case(case).await.case.failed_attempts, 3);
    assert_eq!(
        app.get(&format!("/api/agent/cases/{case}"), Some(&agent))
            .await
            .ok()["state"],
        "locked"
    );
    assert_eq!(
        common::actions(app, case).await[5..],
        [
            "case.verification",
            "case.verification",
            "case.verification",
            "case.locked",
            "case.verify",
        ]
    );
}

/// A code opened after its 15 minutes, and an upload after the case ran
/// out, both get 410 and leave the case expired and the card frozen.
pub(crate) async fn expiry(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app
        .enrol(
            3,
            &[
                frozen(FreezeReason::Dormant),
                frozen(FreezeReason::WrongPinLimit),
            ],
        )
        .await;

    // A code opened too late.
    let (late, code) = app.instructed(&agent, person.card(0)).await;
    // A case challenged in time, verified too late.
    let (slow, session) = app.challenged(&agent, person.card(1)).await;
    app.advance(Duration::minutes(16));

    app.post(
        "/api/customer/unfreeze-requests",
        None,
        &json!({ "code": code }),
    )
    .await
    .error(410, "expired");
    app.post(
        "/api/customer/verification",
        Some(&session),
        &person.right(),
    )
    .await
    .error(410, "expired");
    // The agent's session idled out over the 16 minutes (15 unused end
    // it): the agent signs in again to look.
    let agent = app.sign_in("alice").await;
    for (case, card) in [(late, person.card(0)), (slow, person.card(1))] {
        let record = app.case(case).await;
        assert_eq!(record.case.state, CaseState::Expired);
        assert_eq!(record.case.failed_attempts, 0);
        assert!(matches!(
            app.card_status(card).await,
            CardStatus::Frozen { .. }
        ));
        assert_eq!(
            app.get(&format!("/api/agent/cases/{case}"), Some(&agent))
                .await
                .ok()["state"],
            "expired"
        );
    }
    assert_eq!(app.raw.count("FROM credential_failures").await, 0);
    assert_eq!(app.raw.count("FROM card_transitions").await, 0);
    // Once expired, it stays so.
    app.post_empty("/api/customer/challenge", Some(&session))
        .await
        .error(409, "case_closed");
}
