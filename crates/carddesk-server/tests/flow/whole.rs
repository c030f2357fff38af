//! The whole flow over HTTP, from an agent's sign-in to an unfrozen card.

use carddesk_domain::case::CaseId;
use carddesk_domain::{CardStatus, CaseState, FreezeReason, Role};
use carddesk_store::{ChainReport, OutboxChannel};
use chrono::Duration;
use serde_json::json;

use crate::common::{self, TestApp, contains, frozen, spelled};

/// Sign-in to unfrozen card: the agent looks the caller up by phone, marks,
/// packages and instructs by text and voice; the customer opens the code,
/// is challenged and verifies; the agent sees the case unfrozen, the card's
/// history and the timeline; a supervisor finds the audit chain intact.
pub(crate) async fn whole_flow(app: &TestApp) {
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
