//! The remote-unfreeze job end to end over HTTP, on SQLite and PostgreSQL:
//! the whole flow from sign-in to an unfrozen card, a case locked after
//! wrong credentials, expiry, the approval path, roles, tokens and the
//! sign-in lockout.

mod common;

use carddesk_domain::case::CaseId;
use carddesk_domain::{CardStatus, CaseState, FreezeReason, Role};
use carddesk_processor::staff::{LOCKOUT, SESSION_LIFETIME};
use carddesk_store::{ChainReport, OutboxChannel};
use chrono::Duration;
use common::{TestApp, contains, frozen, spelled};
use serde_json::json;

on_both_databases! {
    whole_flow => sqlite_whole_flow, postgres_whole_flow;
    locked_after_wrong_credentials => sqlite_locked_after_wrong_credentials, postgres_locked_after_wrong_credentials;
    expiry => sqlite_expiry, postgres_expiry;
    approval => sqlite_approval, postgres_approval;
    roles => sqlite_roles, postgres_roles;
    tokens => sqlite_tokens, postgres_tokens;
    sign_in_lockout => sqlite_sign_in_lockout, postgres_sign_in_lockout;
}

/// Sign-in to unfrozen card: the agent looks the caller up by phone, marks,
/// packages and instructs by text and voice; the customer opens the code,
/// is challenged and verifies; the agent sees the case unfrozen, the card's
/// history and the timeline; a supervisor finds the audit chain intact.
async fn whole_flow(app: &TestApp) {
    app.add_staff("alice", Role::Agent).await;
    app.add_staff("sam", Role::Supervisor).await;
    let person = app
        .enrol(
            1,
            &[frozen(FreezeReason::WrongPinLimit), CardStatus::Active],
        )
        .await;
    let card = person.card(0);

    // Sign in.
    let signed_in = app
        .post(
            "/api/agent/sign-in",
            None,
            &json!({ "username": "alice", "password": common::STAFF_PASSWORD }),
        )
        .await
        .ok();
    assert_eq!(signed_in["role"], "agent");
    assert_eq!(signed_in["display_name"], "alice (test)");
    let agent = signed_in["token"].as_str().expect("token").to_owned();
    assert!(agent.len() >= 32, "an opaque token of some length");

    // Look up the caller by phone: cards masked, the policy shown.
    let found = app
        .post(
            "/api/agent/customers/search",
            Some(&agent),
            &json!({ "query": person.phone }),
        )
        .await;
    let results = found.ok();
    assert!(!contains(&found.body, person.cards[0].number.as_bytes()));
    assert!(!contains(&found.body, person.id_number.as_bytes()));
    assert!(!contains(&found.body, person.phone.as_bytes()));
    assert_eq!(results["truncated"], false);
    let hits = results["hits"].as_array().expect("a list");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["matched_by"], "phone");
    assert_eq!(hits[0]["open_cases"], json!([]));
    let customer = &hits[0]["customer"];
    assert_eq!(customer["id"], person.id.0);
    assert_eq!(customer["language"], "en");
    assert_eq!(customer["name"], "Customer 1");
    let cards = customer["cards"].as_array().expect("cards");
    assert_eq!(cards.len(), 2);
    let frozen_card = &cards[0];
    assert_eq!(frozen_card["id"], card.0);
    assert_eq!(frozen_card["status"], "frozen");
    assert_eq!(frozen_card["freeze_reason"], "wrong_pin_limit");
    let number = &person.cards[0].number;
    let masked = frozen_card["masked_number"].as_str().expect("masked");
    assert!(masked.starts_with(&number[..6]) && masked.ends_with(&number[12..]));
    assert_eq!(
        frozen_card["remote_unfreeze"],
        json!({ "allowed": true, "credentials": ["id_number", "transaction_password"], "supervisor_approval": false })
    );
    assert_eq!(cards[1]["status"], "active");
    assert_eq!(cards[1]["remote_unfreeze"], json!(null));

    // Mark, package, instruct by text and voice.
    let marked = app
        .post_empty(&format!("/api/agent/cards/{}/cases", card.0), Some(&agent))
        .await
        .ok();
    assert_eq!(marked["state"], "marked");
    assert_eq!(marked["card_id"], card.0);
    assert_eq!(marked["customer_id"], person.id.0);
    assert_eq!(marked["opened_by"], "agent:alice");
    assert_eq!(marked["assigned_to"], "agent:alice");
    assert_eq!(marked["attempts_left"], 3);
    assert_eq!(marked["failed_attempts"], 0);
    assert_eq!(marked["needs_approval"], false);
    let case = marked["id"].as_i64().expect("case id");
    assert_eq!(app.case(case).await.case.state, CaseState::Marked);

    let packaged = app
        .post_empty(&format!("/api/agent/cases/{case}/package"), Some(&agent))
        .await
        .ok();
    assert_eq!(packaged["state"], "packaged");
    assert!(
        app.store
            .package(CaseId(case))
            .await
            .expect("read package")
            .is_some()
    );

    let instructed = app
        .post(
            &format!("/api/agent/cases/{case}/instructions"),
            Some(&agent),
            &json!({ "text": true, "voice": true }),
        )
        .await
        .ok();
    assert_eq!(instructed["state"], "instructed");
    let expires_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(instructed["expires_at"].clone()).expect("an expiry");
    assert_eq!(expires_at, common::start() + Duration::minutes(15));

    let outbox = app.processor.local_outbox(100).await.expect("outbox");
    let messages: Vec<_> = outbox
        .iter()
        .filter(|m| m.case_id == CaseId(case))
        .collect();
    assert_eq!(messages.len(), 2, "one text and one voice message");
    assert!(messages.iter().all(|m| m.recipient == person.phone));
    let code = app.code_for(case).await;
    let voice = messages
        .iter()
        .find(|m| m.channel == OutboxChannel::Voice)
        .expect("a voice prompt");
    assert!(voice.body.contains(&spelled(&code)), "{}", voice.body);

    // The customer: open the code, see what is asked, upload.
    let opened = app
        .post(
            "/api/customer/unfreeze-requests",
            None,
            &json!({ "code": code.to_lowercase() }),
        )
        .await
        .ok();
    assert_eq!(opened["card_last_four"], number[12..]);
    let session = opened["session_token"]
        .as_str()
        .expect("session")
        .to_owned();
    assert_eq!(app.case(case).await.case.state, CaseState::Requested);

    let challenge = app
        .post_empty("/api/customer/challenge", Some(&session))
        .await
        .ok();
    assert_eq!(
        challenge["credentials"],
        json!(["id_number", "transaction_password"])
    );
    assert_eq!(challenge["document_kind"], "resident_id");
    assert_eq!(challenge["attempts_left"], 3);
    assert_eq!(challenge["card_last_four"], number[12..]);
    assert_eq!(app.case(case).await.case.state, CaseState::Challenged);
    assert!(matches!(
        app.card_status(card).await,
        CardStatus::Frozen { .. }
    ));

    let verified = app
        .post(
            "/api/customer/verification",
            Some(&session),
            &person.right(),
        )
        .await
        .ok();
    assert_eq!(verified, json!({ "outcome": "unfrozen" }));
    assert_eq!(app.card_status(card).await, CardStatus::Active);
    assert_eq!(app.case(case).await.case.state, CaseState::Unfrozen);
    assert_eq!(
        app.card_status(person.card(1)).await,
        CardStatus::Active,
        "the other card is untouched"
    );

    // The code is spent and the session has nothing more to do.
    app.post(
        "/api/customer/unfreeze-requests",
        None,
        &json!({ "code": code }),
    )
    .await
    .error(409, "code_used");
    app.post(
        "/api/customer/verification",
        Some(&session),
        &person.right(),
    )
    .await
    .error(409, "case_closed");

    // The agent sees the outcome.
    let seen = app
        .get(&format!("/api/agent/cases/{case}"), Some(&agent))
        .await
        .ok();
    assert_eq!(seen["state"], "unfrozen");
    assert_eq!(seen["failed_attempts"], 0);
    assert_eq!(seen["attempts_left"], 3);

    let history = app
        .get(
            &format!("/api/agent/cards/{}/history", card.0),
            Some(&agent),
        )
        .await
        .ok();
    let history = history.as_array().expect("a list");
    let last = history.last().expect("a transition");
    assert_eq!(last["from"], "frozen");
    assert_eq!(last["to"], "active");
    assert_eq!(last["channel"], "customer");
    assert_eq!(last["actor"], format!("customer:{}", person.id.0));

    let timeline = app
        .get(&format!("/api/agent/cases/{case}/timeline"), Some(&agent))
        .await
        .ok();
    let actions: Vec<&str> = timeline
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        [
            "case.marked",
            "case.packaged",
            "case.instructed",
            "case.requested",
            "case.challenged",
            "case.verified",
            "card.unfrozen",
            // The spent code and the closed case, refused and audited.
            "case.request",
            "case.verify",
        ]
    );
    let entries = timeline.as_array().expect("a list");
    assert_eq!(entries[0]["actor"], "agent:alice");
    assert_eq!(entries[0]["origin"], "127.0.0.1");
    assert_eq!(entries[3]["actor"], format!("customer:{}", person.id.0));
    let outcomes: Vec<&str> = entries
        .iter()
        .map(|e| e["outcome"].as_str().expect("outcome"))
        .collect();
    assert_eq!(outcomes[..7], ["success"; 7]);
    assert_eq!(outcomes[7..], ["refused", "refused"]);

    let queue = app
        .get("/api/agent/cases?state=unfrozen", Some(&agent))
        .await
        .ok();
    let ids: Vec<i64> = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, [case]);
    let mine = app
        .get("/api/agent/cases?opened_by=agent:alice", Some(&agent))
        .await
        .ok();
    assert_eq!(mine["items"][0]["id"], case);
    let open = app
        .get("/api/agent/cases?state=marked,instructed", Some(&agent))
        .await
        .ok();
    assert_eq!(open["items"], json!([]));

    // A supervisor reads and verifies the audit log.
    let supervisor = app.sign_in("sam").await;
    let report = app
        .get("/api/agent/audit/verify", Some(&supervisor))
        .await
        .ok();
    assert_eq!(report["intact"], true);
    let total = app.raw.count("FROM audit_log").await;
    assert_eq!(report["entries"], total);
    assert_eq!(
        app.processor.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact {
            entries: u64::try_from(total).expect("count")
        }
    );
    let audit = app
        .get(
            &format!("/api/agent/audit?object=case:{case}"),
            Some(&supervisor),
        )
        .await
        .ok();
    assert_eq!(audit["items"].as_array().expect("items").len(), 9);

    // Sign-out ends the session.
    app.post_empty("/api/agent/sign-out", Some(&agent))
        .await
        .ok();
    app.get(&format!("/api/agent/cases/{case}"), Some(&agent))
        .await
        .error(401, "unauthenticated");
}

/// Three wrong uploads lock the case; a wrong ID number and a wrong
/// password get the same answer; the card stays frozen.
async fn locked_after_wrong_credentials(app: &TestApp) {
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
async fn expiry(app: &TestApp) {
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

/// A suspicious-transaction freeze: the customer's verification leaves the
/// case awaiting approval; an agent cannot approve, the supervisor who
/// opened a case cannot either, another supervisor can.
async fn approval(app: &TestApp) {
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

/// Roles are enforced behind the server, by the desk, and every refusal
/// is audited: an agent cannot read or verify the audit log, nor approve,
/// reject or reassign; an admin sees no customer data; a supervisor and
/// an admin can read the audit log.
async fn roles(app: &TestApp) {
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
async fn tokens(app: &TestApp) {
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
async fn sign_in_lockout(app: &TestApp) {
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
