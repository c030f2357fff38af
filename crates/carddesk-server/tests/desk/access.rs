//! Who may do what, through both desks: every role against every desk
//! action. Allowed ones succeed; refused ones get `forbidden` and leave
//! a `refused` audit entry naming who tried. An agent cannot act on
//! another agent's case until a supervisor reassigns it.

use carddesk_domain::{FreezeReason, Role};
use carddesk_wire::{
    AuditQuery, DeskError, ErrorCode, EventFilter, InstructRequest, QueueQuery, ReasonRequest,
    ReassignRequest, SearchRequest, Token,
};

use super::harness::{Bench, wrong_pin};
use crate::common;
use crate::conformance;

conformance! {
    every_role_against_every_action => matrix_local_sqlite, matrix_http_postgres;
    another_agents_case_until_reassigned => holder_local_sqlite, holder_http_postgres;
}

const TEXT: InstructRequest = InstructRequest {
    text: true,
    voice: true,
};

fn reason() -> ReasonRequest {
    ReasonRequest {
        reason: "customer asked".to_owned(),
    }
}

/// A case opened and verified by `opener`, waiting for a supervisor.
async fn verified_case(b: &Bench, opener: &Token, seed: u32) -> i64 {
    let person = b
        .customer(seed, &[common::frozen(FreezeReason::SuspiciousTransaction)])
        .await;
    let case = b
        .desk
        .send_unfreeze(opener, person.card(0).0, &TEXT)
        .await
        .expect("sent");
    b.customer_verifies(&person, case.id).await;
    case.id
}

/// Checks one call's outcome against the matrix.
async fn expect<T: std::fmt::Debug>(
    b: &Bench,
    who: &str,
    action: &str,
    allowed: bool,
    result: Result<T, DeskError>,
) {
    match (allowed, result) {
        (true, Ok(_)) => {}
        (true, Err(e)) => panic!("{who} may {action}, but got {e:?}"),
        (false, Ok(v)) => panic!("{who} may not {action}, but got {v:?}"),
        (false, Err(e)) => {
            assert_eq!(e.code, ErrorCode::Forbidden, "{who} {action}: {e:?}");
            // The refusal is the last thing the audit log records.
            let last = b
                .app
                .store
                .audit_entries(None, 0, 10_000)
                .await
                .expect("audit")
                .pop()
                .expect("an entry");
            let refused = last.entry.actor == format!("{}:{who}", role_label(who))
                && last.entry.outcome.as_str() == "refused";
            assert!(refused, "{who}'s refused {action} is audited");
        }
    }
}

fn role_label(who: &str) -> &'static str {
    match who {
        "sam" => "supervisor",
        "ada" => "admin",
        _ => "agent",
    }
}

async fn every_role_against_every_action(b: &Bench) {
    // One fixture agent opens the cases that others act on.
    let fixture = b.staff("fred", Role::Agent).await;
    for (seed, who, role) in [
        (100, "alice", Role::Agent),
        (200, "sam", Role::Supervisor),
        (300, "ada", Role::Admin),
    ] {
        let me = b.staff(who, role).await;
        let works_calls = role != Role::Admin;
        let supervises = role == Role::Supervisor;
        let reads_audit = role != Role::Agent;
        let person = b.customer(seed, &[wrong_pin(), wrong_pin()]).await;
        let card = person.card(0).0;
        let search = SearchRequest {
            query: "Customer".to_owned(),
            limit: None,
        };
        expect(
            b,
            who,
            "search",
            works_calls,
            b.desk.search(&me, &search).await,
        )
        .await;
        expect(
            b,
            who,
            "view",
            works_calls,
            b.desk.customer(&me, person.id.0).await,
        )
        .await;
        expect(
            b,
            who,
            "history",
            works_calls,
            b.desk.card_history(&me, card).await,
        )
        .await;
        expect(
            b,
            who,
            "preview",
            works_calls,
            b.desk.preview(&me, card).await,
        )
        .await;
        expect(
            b,
            who,
            "queue",
            works_calls,
            b.desk.queue(&me, &QueueQuery::default()).await,
        )
        .await;
        let watch = b.desk.events(&me, EventFilter::default()).await.map(|_| ());
        expect(b, who, "watch events", works_calls, watch).await;
        // Their own case where they may open one, the fixture's otherwise.
        let own = match b.desk.mark(&me, card).await {
            Ok(case) => case.id,
            Err(e) => {
                expect::<()>(b, who, "mark", works_calls, Err(e)).await;
                b.desk.mark(&fixture, card).await.expect("fixture marks").id
            }
        };
        expect(
            b,
            who,
            "package",
            works_calls,
            b.desk.package(&me, own).await,
        )
        .await;
        if !works_calls {
            b.desk
                .package(&fixture, own)
                .await
                .expect("fixture packages");
        }
        expect(
            b,
            who,
            "instruct",
            works_calls,
            b.desk.instruct(&me, own, &TEXT).await,
        )
        .await;
        if !works_calls {
            b.desk
                .instruct(&fixture, own, &TEXT)
                .await
                .expect("fixture sends");
        }
        expect(b, who, "case", works_calls, b.desk.case(&me, own).await).await;
        expect(
            b,
            who,
            "timeline",
            works_calls,
            b.desk.timeline(&me, own).await,
        )
        .await;
        expect(
            b,
            who,
            "resend",
            works_calls,
            b.desk.resend(&me, own, &TEXT).await,
        )
        .await;
        let voice = b
            .app
            .processor
            .local_outbox(10_000)
            .await
            .expect("outbox")
            .into_iter()
            .rfind(|m| m.channel == carddesk_store::OutboxChannel::Voice)
            .expect("voice prompt")
            .id;
        expect(
            b,
            who,
            "voice",
            works_calls,
            b.desk.voice_audio(&me, voice).await,
        )
        .await;
        expect(
            b,
            who,
            "cancel",
            works_calls,
            b.desk.cancel(&me, own, &reason()).await,
        )
        .await;

        let to_approve = verified_case(b, &fixture, seed + 1).await;
        expect(
            b,
            who,
            "approve",
            supervises,
            b.desk.approve(&me, to_approve).await,
        )
        .await;
        let to_reject = verified_case(b, &fixture, seed + 2).await;
        expect(
            b,
            who,
            "reject",
            supervises,
            b.desk.reject(&me, to_reject, &reason()).await,
        )
        .await;
        let to_move = b
            .desk
            .mark(&fixture, person.card(1).0)
            .await
            .expect("marked")
            .id;
        let move_to = ReassignRequest {
            username: "alice".to_owned(),
        };
        expect(
            b,
            who,
            "reassign",
            supervises,
            b.desk.reassign(&me, to_move, &move_to).await,
        )
        .await;
        expect(
            b,
            who,
            "audit",
            reads_audit,
            b.desk.audit(&me, &AuditQuery::default()).await,
        )
        .await;
        expect(
            b,
            who,
            "verify audit",
            reads_audit,
            b.desk.verify_audit(&me).await,
        )
        .await;
    }
}

async fn another_agents_case_until_reassigned(b: &Bench) {
    let alice = b.staff("alice", Role::Agent).await;
    let bob = b.staff("bob", Role::Agent).await;
    let sam = b.staff("sam", Role::Supervisor).await;
    let person = b.customer(400, &[wrong_pin()]).await;
    let case = b
        .desk
        .mark(&alice, person.card(0).0)
        .await
        .expect("marked")
        .id;
    for refused in [
        b.desk.package(&bob, case).await,
        b.desk.instruct(&bob, case, &TEXT).await,
        b.desk.cancel(&bob, case, &reason()).await,
    ] {
        assert_eq!(refused.expect_err("not bob's").code, ErrorCode::Forbidden);
    }
    let refusals = b.audit_of(&format!("case:{case}")).await;
    assert!(refusals.contains(&(
        "agent:bob".to_owned(),
        "case.package".to_owned(),
        "refused".to_owned()
    )));
    let moved = b
        .desk
        .reassign(
            &sam,
            case,
            &ReassignRequest {
                username: "bob".to_owned(),
            },
        )
        .await
        .expect("reassigned");
    assert_eq!(moved.assigned_to, "agent:bob");
    assert_eq!(moved.opened_by, "agent:alice");
    b.desk.package(&bob, case).await.expect("now bob's");
    assert_eq!(
        b.desk
            .instruct(&alice, case, &TEXT)
            .await
            .expect_err("no longer alice's")
            .code,
        ErrorCode::Forbidden
    );
}
