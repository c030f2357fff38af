//! The desk's routes that came with it, over HTTP on both databases: who
//! is signed in, the customer view, the instructions' preview, marking,
//! packaging and sending in one go, and a supervisor's reassignment.

mod common;

use carddesk_domain::{CaseState, FreezeReason, Role};
use carddesk_processor::staff::SESSION_LIFETIME;
use carddesk_store::OutboxChannel;
use common::{TestApp, contains, frozen, spelled};
use serde_json::json;

on_both_databases! {
    who_is_signed_in => sqlite_who_is_signed_in, postgres_who_is_signed_in;
    customer_view => sqlite_customer_view, postgres_customer_view;
    preview_then_send => sqlite_preview_then_send, postgres_preview_then_send;
    reassignment => sqlite_reassignment, postgres_reassignment;
}

fn line(actor: &str, action: &str, object: &str, outcome: &str) -> common::AuditLine {
    (
        actor.to_owned(),
        action.to_owned(),
        object.to_owned(),
        outcome.to_owned(),
    )
}

/// `GET /me` names the session's member of staff until sign-out.
async fn who_is_signed_in(app: &TestApp) {
    let token = app.staff("sam", Role::Supervisor).await;
    let me = app.get("/api/agent/me", Some(&token)).await.ok();
    assert_eq!(
        me,
        json!({
            "username": "sam",
            "display_name": "sam (test)",
            "role": "supervisor",
            "expires_at": common::start() + SESSION_LIFETIME,
        })
    );
    assert!(!contains(
        &app.get("/api/agent/me", Some(&token)).await.body,
        token.as_bytes()
    ));

    let out = app
        .post_empty("/api/agent/sign-out", Some(&token))
        .await
        .ok();
    assert_eq!(out, json!({ "signed_out": true }));
    app.get("/api/agent/me", Some(&token))
        .await
        .error(401, "unauthenticated");
    app.get("/api/agent/me", None)
        .await
        .error(401, "unauthenticated");
}

/// `GET /customers/{id}`: the customer masked, every card, the open cases
/// (who holds them, attempts left); the read is audited.
async fn customer_view(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app
        .enrol(
            41,
            &[
                frozen(FreezeReason::WrongPinLimit),
                frozen(FreezeReason::CourtOrder),
            ],
        )
        .await;
    let (case, _) = app.instructed(&agent, person.card(0)).await;
    let head = app.audit_head().await;

    let path = format!("/api/agent/customers/{}", person.id.0);
    let answer = app.get(&path, Some(&agent)).await;
    let view = answer.ok();
    for secret in [&person.id_number, &person.phone, &person.cards[0].number] {
        assert!(
            !contains(&answer.body, secret.as_bytes()),
            "{}",
            answer.head()
        );
    }
    let customer = &view["customer"];
    assert_eq!(customer["id"], person.id.0);
    assert_eq!(customer["language"], "en");
    assert_eq!(customer["document_kind"], "resident_id");
    let cards = customer["cards"].as_array().expect("cards");
    assert_eq!(cards.len(), 2);
    assert_eq!(cards[1]["freeze_reason"], "court_order");
    assert_eq!(cards[1]["remote_unfreeze"]["allowed"], false);
    let open = view["open_cases"].as_array().expect("open cases");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["id"], case);
    assert_eq!(open[0]["state"], "instructed");
    assert_eq!(open[0]["assigned_to"], "agent:alice");
    assert_eq!(open[0]["attempts_left"], 3);

    let object = format!("customer:{}", person.id.0);
    assert_eq!(
        app.audit_after(head).await,
        [line("agent:alice", "customer.viewed", &object, "success")]
    );
}

/// The preview shows what the customer will get, the code hidden, and
/// changes nothing; sending in one go marks, packages and instructs, and
/// the text sent is the preview with the code in place.
async fn preview_then_send(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app.enrol(42, &[frozen(FreezeReason::Dormant)]).await;
    let card = person.card(0).0;
    let before = app.raw.snapshot_but_audit().await;

    let preview = app
        .get(
            &format!("/api/agent/cards/{card}/instruction-preview"),
            Some(&agent),
        )
        .await
        .ok();
    assert_eq!(preview["language"], "en");
    assert_eq!(preview["lifetime_minutes"], 15);
    assert_eq!(
        preview["credentials"],
        json!(["id_number", "transaction_password"])
    );
    let text = preview["text"].as_str().expect("text").to_owned();
    let voice = preview["voice"].as_str().expect("voice").to_owned();
    assert!(text.contains("•••••-•••••"), "{text}");
    assert!(text.contains(&person.cards[0].number[12..]), "{text}");
    assert!(common::parse_code(&text).is_none(), "no code in a preview");
    assert_eq!(
        app.raw.snapshot_but_audit().await,
        before,
        "a preview changes nothing"
    );

    // Neither channel: refused before anything is marked.
    app.post(
        &format!("/api/agent/cards/{card}/remote-unfreeze"),
        Some(&agent),
        &json!({ "text": false, "voice": false }),
    )
    .await
    .error(400, "invalid_input");
    assert_eq!(app.raw.snapshot_but_audit().await, before);

    let sent = app
        .post(
            &format!("/api/agent/cards/{card}/remote-unfreeze"),
            Some(&agent),
            &json!({ "text": true, "voice": true }),
        )
        .await
        .ok();
    assert_eq!(sent["state"], "instructed");
    assert_eq!(sent["card_id"], card);
    assert_eq!(sent["assigned_to"], "agent:alice");
    let case = sent["id"].as_i64().expect("case id");
    assert_eq!(app.case(case).await.case.state, CaseState::Instructed);
    assert_eq!(
        common::actions(app, case).await,
        ["case.marked", "case.packaged", "case.instructed"]
    );
    let code = app.code_for(case).await;
    let outbox = app.processor.local_outbox(100).await.expect("outbox");
    let body_of = |channel| {
        outbox
            .iter()
            .find(|m| m.case_id.0 == case && m.channel == channel)
            .expect("a message")
            .body
            .clone()
    };
    assert_eq!(
        body_of(OutboxChannel::Text),
        text.replace("•••••-•••••", &code)
    );
    assert_eq!(
        body_of(OutboxChannel::Voice),
        voice.replace(&spelled("••••••••••"), &spelled(&code))
    );

    // The card has its case now.
    app.post(
        &format!("/api/agent/cards/{card}/remote-unfreeze"),
        Some(&agent),
        &json!({ "text": true, "voice": false }),
    )
    .await
    .error(409, "case_open");
}

/// A supervisor gives alice's case to bob: from then on it is bob's to
/// work and no longer alice's; reassigning to nobody, to an admin, or a
/// closed case is refused.
async fn reassignment(app: &TestApp) {
    let alice = app.staff("alice", Role::Agent).await;
    let bob = app.staff("bob", Role::Agent).await;
    let sam = app.staff("sam", Role::Supervisor).await;
    app.add_staff("ada", Role::Admin).await;
    let person = app
        .enrol(
            43,
            &[
                frozen(FreezeReason::WrongPinLimit),
                frozen(FreezeReason::Dormant),
            ],
        )
        .await;
    let case = app
        .post_empty(
            &format!("/api/agent/cards/{}/cases", person.card(0).0),
            Some(&alice),
        )
        .await
        .ok()["id"]
        .as_i64()
        .expect("case id");
    let reassign = format!("/api/agent/cases/{case}/reassign");
    let package = format!("/api/agent/cases/{case}/package");

    // Bob cannot work alice's case, nor take it himself.
    app.post_empty(&package, Some(&bob))
        .await
        .error(403, "forbidden");
    app.post(&reassign, Some(&bob), &json!({ "username": "bob" }))
        .await
        .error(403, "forbidden");

    let head = app.audit_head().await;
    let moved = app
        .post(&reassign, Some(&sam), &json!({ "username": "bob" }))
        .await
        .ok();
    assert_eq!(moved["assigned_to"], "agent:bob");
    assert_eq!(moved["opened_by"], "agent:alice");
    assert_eq!(moved["state"], "marked");
    let object = format!("case:{case}");
    assert_eq!(
        app.audit_after(head).await,
        [line(
            "supervisor:sam",
            "case.reassigned",
            &object,
            "success"
        )]
    );
    let detail = app
        .raw
        .texts(&format!(
            "SELECT detail FROM audit_log WHERE action = 'case.reassigned' AND object = '{object}'"
        ))
        .await;
    assert_eq!(detail, ["from agent:alice to agent:bob"]);

    app.post_empty(&package, Some(&alice))
        .await
        .error(403, "forbidden");
    assert_eq!(
        app.post_empty(&package, Some(&bob)).await.ok()["state"],
        "packaged"
    );
    let mine = app
        .get("/api/agent/cases?opened_by=agent:alice", Some(&bob))
        .await
        .ok();
    assert_eq!(mine["items"][0]["assigned_to"], "agent:bob");

    // Nobody of that name, an admin (who works no cases), a bad body.
    let before = app.raw.snapshot_but_audit().await;
    for username in ["mallory", "ada"] {
        app.post(&reassign, Some(&sam), &json!({ "username": username }))
            .await
            .error(404, "not_found");
    }
    app.post(&reassign, Some(&sam), &json!({ "user": "bob" }))
        .await
        .error(400, "invalid_input");
    assert_eq!(app.raw.snapshot_but_audit().await, before);

    // A closed case stays with whoever closed it.
    app.post(
        &format!("/api/agent/cases/{case}/cancel"),
        Some(&bob),
        &json!({ "reason": "customer hung up" }),
    )
    .await
    .ok();
    app.post(&reassign, Some(&sam), &json!({ "username": "alice" }))
        .await
        .error(409, "case_closed");
    assert_eq!(app.case(case).await.assigned_to, "agent:bob");
}
