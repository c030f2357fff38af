//! The approval path of a suspicious-transaction freeze, and who may approve.

use carddesk_domain::{CardStatus, CaseState, FreezeReason, Role};
use carddesk_store::ChainReport;
use serde_json::json;

use crate::common::{TestApp, frozen};

/// A suspicious-transaction freeze: the customer's verification leaves the
/// case awaiting approval; an agent cannot approve, the supervisor who
/// opened a case cannot either, another supervisor can.
pub(crate) async fn approval(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let maker = app.staff("sam", Role::Supervisor).await;
    let checker = app.staff("sue", Role::Supervisor).await;
    let person = app
        .enrol(
            4,
            &[
                frozen(FreezeReason::SuspiciousTransaction),
                frozen(FreezeReason::RiskReview),
            ],
        )
        .await;

    let view = app
        .get(
            &format!("/api/agent/customers/{}", person.id.0),
            Some(&agent),
        )
        .await
        .ok();
    assert_eq!(view["customer"]["id"], person.id.0);
    assert_eq!(
        view["customer"]["cards"][0]["remote_unfreeze"]["supervisor_approval"],
        true
    );

    // Opened by an agent.
    let (case, session) = app.challenged(&agent, person.card(0)).await;
    assert_eq!(
        app.get(&format!("/api/agent/cases/{case}"), Some(&agent))
            .await
            .ok()["needs_approval"],
        true
    );
    let verified = app
        .post(
            "/api/customer/verification",
            Some(&session),
            &person.right(),
        )
        .await
        .ok();
    assert_eq!(verified, json!({ "outcome": "awaiting_approval" }));
    assert_eq!(app.case(case).await.case.state, CaseState::Verified);
    assert!(matches!(
        app.card_status(person.card(0)).await,
        CardStatus::Frozen { .. }
    ));

    let audit_before = app.audit_head().await;
    let before = app.raw.snapshot_but_audit().await;
    app.post_empty(&format!("/api/agent/cases/{case}/approve"), Some(&agent))
        .await
        .error(403, "forbidden");
    app.post(
        &format!("/api/agent/cases/{case}/reject"),
        Some(&agent),
        &json!({ "reason": "not convinced" }),
    )
    .await
    .error(403, "forbidden");
    assert_eq!(app.case(case).await.case.state, CaseState::Verified);
    // Nothing changed but the audit log, which names the refusals.
    assert_eq!(app.raw.snapshot_but_audit().await, before);
    let object = format!("case:{case}");
    assert_eq!(
        app.audit_after(audit_before).await,
        [
            (
                "agent:alice".into(),
                "desk.approve".into(),
                object.clone(),
                "refused".into()
            ),
            (
                "agent:alice".into(),
                "desk.reject".into(),
                object,
                "refused".into()
            ),
        ]
    );

    let approved = app
        .post_empty(&format!("/api/agent/cases/{case}/approve"), Some(&checker))
        .await
        .ok();
    assert_eq!(approved["state"], "unfrozen");
    assert_eq!(app.card_status(person.card(0)).await, CardStatus::Active);
    let history = app
        .store
        .card_history(person.card(0))
        .await
        .expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].actor, "supervisor:sue");
    // Approving twice does nothing more.
    app.post_empty(&format!("/api/agent/cases/{case}/approve"), Some(&checker))
        .await
        .error(409, "illegal_state");
    assert_eq!(
        app.store
            .card_history(person.card(0))
            .await
            .expect("history")
            .len(),
        1
    );

    // Opened by a supervisor: maker and checker must differ.
    let (case, session) = app.challenged(&maker, person.card(1)).await;
    app.post(
        "/api/customer/verification",
        Some(&session),
        &person.right(),
    )
    .await
    .ok();
    app.post_empty(&format!("/api/agent/cases/{case}/approve"), Some(&maker))
        .await
        .error(403, "maker_checker");
    assert_eq!(app.case(case).await.case.state, CaseState::Verified);
    app.post_empty(&format!("/api/agent/cases/{case}/approve"), Some(&checker))
        .await
        .ok();
    assert_eq!(app.case(case).await.case.state, CaseState::Unfrozen);
    assert_eq!(app.card_status(person.card(1)).await, CardStatus::Active);
    assert_eq!(
        app.processor.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact {
            entries: u64::try_from(app.raw.count("FROM audit_log").await).expect("count")
        }
    );
}
