//! Staff access: roles enforced by the desk and audited, tokens, and the
//! sign-in lockout.

use carddesk_domain::{FreezeReason, Role};
use carddesk_processor::staff::{LOCKOUT, SESSION_LIFETIME};
use chrono::Duration;
use serde_json::json;

use crate::common::{self, TestApp, frozen};

/// Roles are enforced behind the server, by the desk, and every refusal
/// is audited: an agent cannot read or verify the audit log, nor approve,
/// reject or reassign; an admin sees no customer data; a supervisor and
/// an admin can read the audit log.
pub(crate) async fn roles(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let supervisor = app.staff("sam", Role::Supervisor).await;
    let admin = app.staff("ada", Role::Admin).await;
    let person = app.enrol(6, &[frozen(FreezeReason::WrongPinLimit)]).await;
    let audit_before = app.audit_head().await;
    let before = app.raw.snapshot_but_audit().await;
    app.get("/api/agent/audit", Some(&agent))
        .await
        .error(403, "forbidden");
    app.get("/api/agent/audit/verify", Some(&agent))
        .await
        .error(403, "forbidden");
    app.get("/api/agent/audit?object=policy", Some(&agent))
        .await
        .error(403, "forbidden");
    app.post(
        "/api/agent/cases/1/reassign",
        Some(&agent),
        &json!({ "username": "sam" }),
    )
    .await
    .error(403, "forbidden");
    let customer = format!("/api/agent/customers/{}", person.id.0);
    app.get(&customer, Some(&admin))
        .await
        .error(403, "forbidden");
    app.post(
        "/api/agent/customers/search",
        Some(&admin),
        &json!({ "query": person.phone }),
    )
    .await
    .error(403, "forbidden");
    app.post_empty(
        &format!("/api/agent/cards/{}/cases", person.card(0).0),
        Some(&admin),
    )
    .await
    .error(403, "forbidden");
    assert_eq!(app.raw.snapshot_but_audit().await, before);
    let refused = |actor: &str, action: &str, object: &str| {
        (
            actor.to_owned(),
            action.to_owned(),
            object.to_owned(),
            "refused".to_owned(),
        )
    };
    assert_eq!(
        app.audit_after(audit_before).await,
        [
            refused("agent:alice", "desk.audit", "audit"),
            refused("agent:alice", "desk.audit_verify", "audit"),
            refused("agent:alice", "desk.audit", "audit"),
            refused("agent:alice", "desk.reassign", "case:1"),
            refused(
                "admin:ada",
                "desk.customer",
                &format!("customer:{}", person.id.0)
            ),
            refused("admin:ada", "desk.search", "customers"),
            refused(
                "admin:ada",
                "desk.mark",
                &format!("card:{}", person.card(0).0)
            ),
        ]
    );

    for token in [&supervisor, &admin] {
        let page = app.get("/api/agent/audit?limit=2", Some(token)).await.ok();
        let items = page["items"].as_array().expect("items");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["action"], "policy.saved");
        assert_eq!(items[0]["seq"], 1);
        // Keyset pagination: the next page starts after the last seq.
        let next = page["next"].as_i64().expect("more pages");
        let page = app
            .get(
                &format!("/api/agent/audit?limit=2&after={next}"),
                Some(token),
            )
            .await
            .ok();
        assert_eq!(page["items"][0]["seq"], next + 1);
        assert_eq!(
            app.get("/api/agent/audit/verify", Some(token)).await.ok()["intact"],
            true
        );
    }
}

/// No token, a made-up one, an expired one and a signed-out one all get
/// 401 in the common shape; a customer's session is no staff session.
pub(crate) async fn tokens(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app.enrol(5, &[frozen(FreezeReason::WrongPinLimit)]).await;
    let (case, session) = app.challenged(&agent, person.card(0)).await;
    let path = format!("/api/agent/cases/{case}");
    app.get(&path, Some(&agent)).await.ok();

    app.get(&path, None).await.error(401, "unauthenticated");
    app.get(&path, Some("not-a-token"))
        .await
        .error(401, "unauthenticated");
    app.get(&path, Some(&"a".repeat(64)))
        .await
        .error(401, "unauthenticated");
    app.get(&path, Some(&"a".repeat(10_000)))
        .await
        .error(401, "unauthenticated");
    app.get(&path, Some(&session))
        .await
        .error(401, "unauthenticated");
    // Not a bearer token at all.
    app.send(
        app.request(reqwest::Method::GET, &path, None)
            .header("Authorization", format!("Basic {agent}")),
    )
    .await
    .error(401, "unauthenticated");
    // Mutating calls too, and nothing happens.
    let before = app.raw.snapshot().await;
    app.post_empty(
        &format!("/api/agent/cards/{}/cases", person.card(0).0),
        None,
    )
    .await
    .error(401, "unauthenticated");
    app.post_empty(&format!("/api/agent/cases/{case}/package"), Some(&session))
        .await
        .error(401, "unauthenticated");
    assert_eq!(app.raw.snapshot().await, before);

    // A customer's API wants a customer's session, not a staff one.
    app.post_empty("/api/customer/challenge", None)
        .await
        .error(401, "unauthenticated");
    app.post_empty("/api/customer/challenge", Some(&agent))
        .await
        .error(401, "unauthenticated");
    app.post("/api/customer/verification", Some(&agent), &person.right())
        .await
        .error(401, "unauthenticated");
    assert_eq!(app.raw.snapshot().await, before);

    // Signed out.
    let other = app.sign_in("alice").await;
    app.post_empty("/api/agent/sign-out", Some(&other))
        .await
        .ok();
    app.get(&path, Some(&other))
        .await
        .error(401, "unauthenticated");
    app.post_empty("/api/agent/sign-out", Some(&other))
        .await
        .error(401, "unauthenticated");
    app.get(&path, Some(&agent)).await.ok();

    // Expired: a session lasts one shift, however busy. Used every 10
    // minutes, so it never idles out (15 minutes unused would end it).
    let last_minute = SESSION_LIFETIME - Duration::minutes(1);
    let mut used = Duration::zero();
    while used + Duration::minutes(10) < last_minute {
        app.advance(Duration::minutes(10));
        used += Duration::minutes(10);
        app.get(&path, Some(&agent)).await.ok();
    }
    app.advance(last_minute - used);
    app.get(&path, Some(&agent)).await.ok();
    app.advance(Duration::minutes(2));
    app.get(&path, Some(&agent))
        .await
        .error(401, "unauthenticated");
}

/// Ten wrong passwords lock the user ID for 30 minutes: the eleventh
/// sign-in, with the right password, is refused like any failure; after
/// 31 minutes it works. Unknown users get the very same answer.
pub(crate) async fn sign_in_lockout(app: &TestApp) {
    app.add_staff("alice", Role::Agent).await;
    let wrong = json!({ "username": "alice", "password": "not the password!" });
    let unknown = json!({ "username": "mallory", "password": "not the password!" });
    let unknown_answer = app.post("/api/agent/sign-in", None, &unknown).await;
    unknown_answer.error(401, "unauthenticated");
    for _ in 0..10 {
        let answer = app.post("/api/agent/sign-in", None, &wrong).await;
        answer.error(401, "unauthenticated");
        assert_eq!(answer.body, unknown_answer.body);
    }
    let user = app
        .store
        .staff_user("alice")
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(user.failed_signins, 10);
    assert_eq!(user.locked_until, Some(common::start() + LOCKOUT));

    let right = json!({ "username": "alice", "password": common::STAFF_PASSWORD });
    let locked = app.post("/api/agent/sign-in", None, &right).await;
    locked.error(401, "unauthenticated");
    assert_eq!(locked.body, unknown_answer.body);
    assert_eq!(app.raw.count("FROM staff_sessions").await, 0);

    app.advance(Duration::minutes(29));
    app.post("/api/agent/sign-in", None, &right)
        .await
        .error(401, "unauthenticated");
    app.advance(Duration::minutes(2));
    let token = app.post("/api/agent/sign-in", None, &right).await.ok()["token"]
        .as_str()
        .expect("token")
        .to_owned();
    app.get("/api/agent/cases", Some(&token)).await.ok();
    let user = app
        .store
        .staff_user("alice")
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(user.failed_signins, 0);
    assert_eq!(app.raw.count("FROM staff_sessions").await, 1);
    let outcomes = app
        .raw
        .texts(
            "SELECT outcome FROM audit_log WHERE action = 'staff.sign_in' \
             AND object = 'staff:alice' ORDER BY seq",
        )
        .await;
    let mut expected = vec!["failure"; 10];
    expected.extend(["refused", "refused", "success"]);
    assert_eq!(outcomes, expected);
}
