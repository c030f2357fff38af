//! The video interview's guards (job 2's security review): an override
//! decided only by a supervisor who took no part in the interview, known
//! by username from the application's audit entries; every refusal of a
//! staff step audited; retries bounded by the application's attempts. On
//! both databases.

mod applicant;
mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use applicant::*;
use carddesk_domain::application::{
    ApplicationId, ApplicationState, Checklist, ChecklistItem, Verdict, VerdictReason,
};
use carddesk_domain::{Role, StaffMember};
use carddesk_processor::Processor;
use carddesk_processor::applications::Submitted;
use carddesk_store::{MediaKind, NewAuditEntry, Outcome, Store};
use common::*;

/// Every item but liveness: a pass that needs an override.
fn partial() -> Verdict {
    let mut items: Checklist = every_item();
    items.0.remove(&ChecklistItem::Liveness);
    Verdict::Pass { checklist: items }
}

fn retry() -> Verdict {
    Verdict::Retry {
        reasons: [VerdictReason::PhotoUnreadable].into(),
    }
}

/// An application's audit entries, oldest first.
async fn audit(desk: &Desk, id: ApplicationId) -> Vec<NewAuditEntry> {
    desk.store
        .audit_entries(Some(&format!("application:{}", id.0)), 0, 1_000)
        .await
        .expect("audit")
        .into_iter()
        .map(|r| r.entry)
        .collect()
}

/// The refused entries of an application, as (actor, action).
async fn refusals(desk: &Desk, id: ApplicationId) -> Vec<(String, String)> {
    audit(desk, id)
        .await
        .into_iter()
        .filter(|e| e.outcome == Outcome::Refused)
        .map(|e| (e.actor, e.action))
        .collect()
}

fn pair(actor: &str, action: &str) -> (String, String) {
    (actor.to_owned(), action.to_owned())
}

async fn state(desk: &Desk, s: &Submitted) -> &'static str {
    let record = desk
        .store
        .application(s.application_id)
        .await
        .expect("read");
    match record.expect("stored").application.state {
        ApplicationState::Routed => "routed",
        ApplicationState::Issued => "issued",
        ApplicationState::Rejected => "rejected",
        _ => "other",
    }
}

/// `checker` may neither approve nor decline the override; both refusals
/// are audited and the application still waits.
async fn refused_both_ways(p: &Processor, desk: &Desk, s: &Submitted, checker: &StaffMember) {
    let id = s.application_id;
    let approve = err(p.approve_interview_override(checker, id, CONSOLE).await);
    assert_eq!(approve.code(), "maker_checker", "{checker:?}");
    let reasons: BTreeSet<_> = [VerdictReason::NotLive].into();
    let decline = err(p
        .decline_interview_override(checker, id, &reasons, CONSOLE)
        .await);
    assert_eq!(decline.code(), "maker_checker", "{checker:?}");
    let label = format!("{}:{}", checker.role.as_str(), checker.username);
    let refused = refusals(desk, id).await;
    assert!(refused.contains(&pair(&label, "interview.override_approve")));
    assert!(refused.contains(&pair(&label, "interview.override_decline")));
    assert_eq!(state(desk, s).await, "routed");
}

/// The exploit: zhang claims (and looks), gives it to li, li passes it with
/// an item unticked, zhang would approve. Another supervisor's approval
/// issues.
async fn the_claimer_who_reassigned_cannot_decide_the_override(store: Arc<dyn Store>, db: TestDb) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let (zhang, li) = (supervisor("zhang"), agent("li"));
    let s = first_card(&desk, 800).await;
    upload_all(&desk, &s).await;
    let id = s.application_id;
    p.claim_interview(&zhang, id, CONSOLE).await.expect("claim");
    p.interview_media(&zhang, id, MediaKind::Selfie, CONSOLE)
        .await
        .expect("look");
    p.reassign_interview(&zhang, id, &li, CONSOLE)
        .await
        .expect("reassign");
    p.decide_interview(&li, id, &partial(), CONSOLE)
        .await
        .expect("pass with an item unticked");
    refused_both_ways(p, &desk, &s, &zhang).await;
    let issued = p
        .approve_interview_override(&supervisor("liu"), id, CONSOLE)
        .await
        .expect("another supervisor approves");
    assert_eq!(issued.decided_by, "supervisor:liu");
    assert_eq!(state(&desk, &s).await, "issued");
}

/// A supervisor who sent the interview back for a retry gave a verdict on
/// it: they may not decide its later override.
async fn a_supervisor_who_asked_for_a_retry_cannot_approve(store: Arc<dyn Store>, db: TestDb) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let (zhang, li) = (supervisor("zhang"), agent("li"));
    let s = first_card(&desk, 810).await;
    upload_all(&desk, &s).await;
    let id = s.application_id;
    p.claim_interview(&zhang, id, CONSOLE).await.expect("claim");
    p.decide_interview(&zhang, id, &retry(), CONSOLE)
        .await
        .expect("retry");
    upload_all(&desk, &s).await;
    p.claim_interview(&li, id, CONSOLE)
        .await
        .expect("li claims");
    p.decide_interview(&li, id, &partial(), CONSOLE)
        .await
        .expect("pass with an item unticked");
    refused_both_ways(p, &desk, &s, &zhang).await;
    p.approve_interview_override(&supervisor("liu"), id, CONSOLE)
        .await
        .expect("another supervisor approves");
    assert_eq!(state(&desk, &s).await, "issued");
}

/// Maker-checker compares people, not labels: the reviewer, since made a
/// supervisor or an admin, is still the reviewer.
async fn the_same_username_under_another_role_cannot_approve(store: Arc<dyn Store>, db: TestDb) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let s = first_card(&desk, 820).await;
    upload_all(&desk, &s).await;
    let id = s.application_id;
    p.claim_interview(&agent("li"), id, CONSOLE)
        .await
        .expect("claim");
    p.decide_interview(&agent("li"), id, &partial(), CONSOLE)
        .await
        .expect("pass with an item unticked");
    for role in [Role::Supervisor, Role::Admin] {
        let li = StaffMember {
            username: "li".to_owned(),
            role,
        };
        refused_both_ways(p, &desk, &s, &li).await;
    }
    p.approve_interview_override(&supervisor("liu"), id, CONSOLE)
        .await
        .expect("another supervisor approves");
}

/// Each staff step the rules refuse leaves an entry: who, what, on what,
/// from where, outcome refused, and a reason naming no secret. A refused
/// attempt does not make its actor a maker.
async fn refusals_of_staff_steps_are_audited(store: Arc<dyn Store>, db: TestDb) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let (li, wang, liu) = (agent("li"), agent("wang"), supervisor("liu"));
    let s = first_card(&desk, 830).await;
    upload_all(&desk, &s).await;
    let id = s.application_id;
    p.claim_interview(&li, id, CONSOLE).await.expect("claim");
    let held = err(p.claim_interview(&wang, id, CONSOLE).await);
    assert_eq!(held.code(), "forbidden");
    let agents_do_not = err(p.reassign_interview(&wang, id, &wang, CONSOLE).await);
    assert_eq!(agents_do_not.code(), "forbidden");
    let not_theirs = err(p.decide_interview(&liu, id, &partial(), CONSOLE).await);
    assert_eq!(not_theirs.code(), "forbidden");
    let not_reviewer = err(p
        .interview_media(&wang, id, MediaKind::Video, CONSOLE)
        .await);
    assert_eq!(not_reviewer.code(), "forbidden");
    let too_early = err(p.approve_interview_override(&liu, id, CONSOLE).await);
    assert_eq!(too_early.code(), "illegal_state");
    p.decide_interview(&li, id, &partial(), CONSOLE)
        .await
        .expect("pass with an item unticked");
    let twice = err(p.decide_interview(&li, id, &partial(), CONSOLE).await);
    assert_eq!(twice.code(), "illegal_state");
    let reasons: BTreeSet<_> = [VerdictReason::NotLive].into();
    let by_agent = err(p
        .decline_interview_override(&li, id, &reasons, CONSOLE)
        .await);
    assert_eq!(by_agent.code(), "forbidden");
    let by_agent = err(p.approve_interview_override(&li, id, CONSOLE).await);
    assert_eq!(by_agent.code(), "forbidden");

    let refused: Vec<_> = audit(&desk, id)
        .await
        .into_iter()
        .filter(|e| e.outcome == Outcome::Refused)
        .collect();
    let seen: Vec<_> = refused
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("agent:wang", "interview.claim"),
            ("agent:wang", "interview.reassign"),
            ("supervisor:liu", "interview.decide"),
            ("agent:wang", "interview.media_viewed"),
            ("supervisor:liu", "interview.override_approve"),
            ("agent:li", "interview.decide"),
            ("agent:li", "interview.override_decline"),
            ("agent:li", "interview.override_approve"),
        ]
    );
    let secrets = [resident_id(830), phone(830), "Wang Fang".to_owned()];
    for e in &refused {
        assert_eq!(e.origin, CONSOLE);
        assert!(!e.detail.is_empty(), "{e:?}");
        assert!(
            secrets.iter().all(|x| !e.detail.contains(x.as_str())),
            "{e:?}"
        );
    }
    assert_eq!(refused[0].detail, held.to_string(), "the rule's reason");
    // Liu's refused verdict was no verdict: liu may still approve.
    p.approve_interview_override(&liu, id, CONSOLE)
        .await
        .expect("liu took no part");
}

/// A retry counts against the application's attempts: the one that would
/// use up the last rejects the application, tells the applicant and is
/// audited; nothing more is asked of them.
async fn retries_are_bounded_by_the_attempts(store: Arc<dyn Store>, db: TestDb) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let li = agent("li");
    let s = first_card(&desk, 840).await;
    let id = s.application_id;
    let attempts = p.config().applications.max_attempts;
    for round in 1..=attempts {
        upload_all(&desk, &s).await;
        p.claim_interview(&li, id, CONSOLE).await.expect("claim");
        let issued = p
            .decide_interview(&li, id, &retry(), CONSOLE)
            .await
            .expect("retry verdict");
        assert!(issued.is_none());
        let expected = if round < attempts {
            "routed"
        } else {
            "rejected"
        };
        assert_eq!(state(&desk, &s).await, expected, "round {round}");
    }
    let told = texts(&desk, id).await;
    assert_eq!(told.len(), usize::try_from(attempts).expect("few"));
    assert!(told.last().expect("told").1.contains("not approved"));
    let entries = audit(&desk, id).await;
    let rejected = entries
        .iter()
        .find(|e| e.action == "application.rejected")
        .expect("the rejection audited");
    assert_eq!(rejected.actor, "system");
    assert_eq!(rejected.outcome, Outcome::Success);
    let uploads = p
        .upload_interview_media(
            &s.session,
            MediaKind::Selfie,
            &fixture("image_64.jpg"),
            ADDRESS,
        )
        .await;
    assert_eq!(err(uploads).code(), "illegal_state", "no upload taken");
    let claim = err(p.claim_interview(&li, id, CONSOLE).await);
    assert_eq!(claim.code(), "illegal_state");
}

on_both_databases! {
    the_claimer_who_reassigned_cannot_decide_the_override => sqlite_claimer_reassigned, postgres_claimer_reassigned;
    a_supervisor_who_asked_for_a_retry_cannot_approve => sqlite_retry_verdict_maker, postgres_retry_verdict_maker;
    the_same_username_under_another_role_cannot_approve => sqlite_same_username, postgres_same_username;
    refusals_of_staff_steps_are_audited => sqlite_refusals_audited, postgres_refusals_audited;
    retries_are_bounded_by_the_attempts => sqlite_retry_bound, postgres_retry_bound;
}
