//! Who may look and decide: the uploads only for the reviewer and
//! supervisors, a failed verdict and its reasons, and an override that
//! only a supervisor who took no part in the interview approves or
//! declines.

use carddesk_domain::Role;
use carddesk_wire::{
    ApplicationState, ChecklistItem, ErrorCode, InterviewStep, ReassignRequest, UploadKind,
    VerdictKind, VerdictReason, VerdictRequest,
};

use super::{EVERY_ITEM, pass, queued};
use crate::desk::harness::Bench;

pub(super) async fn failures_overrides_and_who_may_look(b: &Bench) {
    let li = b.staff("li", Role::Agent).await;
    let wang = b.staff("wang", Role::Agent).await;
    let zhang = b.staff("zhang", Role::Supervisor).await;
    let liu = b.staff("liu", Role::Supervisor).await;
    let s = queued(b, 620).await;
    let id = s.application_id.0;
    b.desk.claim_interview(&li, id).await.expect("claim");
    let refused = b
        .desk
        .interview_media(&wang, id, UploadKind::IdFront)
        .await
        .expect_err("not wang's");
    assert_eq!(refused.code, ErrorCode::Forbidden);
    assert_eq!(
        b.desk
            .claim_interview(&wang, id)
            .await
            .expect_err("held")
            .code,
        ErrorCode::Forbidden
    );
    assert_eq!(
        b.desk
            .reassign_interview(
                &wang,
                id,
                &ReassignRequest {
                    username: "wang".into()
                }
            )
            .await
            .expect_err("agents do not reassign")
            .code,
        ErrorCode::Forbidden
    );
    // A supervisor gives it to wang, who may now look and decide.
    b.desk
        .reassign_interview(
            &zhang,
            id,
            &ReassignRequest {
                username: "wang".into(),
            },
        )
        .await
        .expect("reassigned");
    b.desk
        .interview_media(&wang, id, UploadKind::IdFront)
        .await
        .expect("wang's now");
    let fail = VerdictRequest {
        verdict: VerdictKind::Fail,
        checklist: vec![],
        reasons: vec![VerdictReason::DocumentNotGenuine],
    };
    assert_eq!(
        b.desk
            .decide_interview(&li, id, &fail)
            .await
            .expect_err("not li's")
            .code,
        ErrorCode::Forbidden
    );
    let mixed = VerdictRequest {
        checklist: vec![ChecklistItem::Liveness],
        ..fail.clone()
    };
    assert_eq!(
        b.desk
            .decide_interview(&wang, id, &mixed)
            .await
            .expect_err("mixed")
            .code,
        ErrorCode::InvalidInput
    );
    let no_reason = VerdictRequest {
        reasons: vec![],
        ..fail.clone()
    };
    assert_eq!(
        b.desk
            .decide_interview(&wang, id, &no_reason)
            .await
            .expect_err("no reason")
            .code,
        ErrorCode::InvalidInput
    );
    let answer = b
        .desk
        .decide_interview(&wang, id, &fail)
        .await
        .expect("fail");
    assert_eq!(answer.state, ApplicationState::Rejected);
    assert!(answer.card.is_none());
    let audit = b.audit_of(&format!("application:{id}")).await;
    assert!(
        audit
            .iter()
            .any(|(actor, action, outcome)| actor == "agent:wang"
                && action == "interview.media_viewed"
                && outcome == "refused")
    );

    // An override: zhang claims and gives it to wang, who passes with
    // liveness unticked; zhang took part, so only another supervisor
    // approves it.
    let s = queued(b, 621).await;
    let id = s.application_id.0;
    b.desk.claim_interview(&zhang, id).await.expect("claim");
    let to_wang = ReassignRequest {
        username: "wang".into(),
    };
    b.desk
        .reassign_interview(&zhang, id, &to_wang)
        .await
        .expect("reassigned");
    let partial = pass(
        &EVERY_ITEM[..4]
            .iter()
            .copied()
            .filter(|i| *i != ChecklistItem::Liveness)
            .collect::<Vec<_>>(),
    );
    let answer = b
        .desk
        .decide_interview(&wang, id, &partial)
        .await
        .expect("partial pass");
    assert_eq!(answer.step, InterviewStep::AwaitingOverride);
    // The approver sees what the reviewer did not confirm.
    let waiting = b.desk.interviews(&liu).await.expect("queue");
    let entry = waiting
        .iter()
        .find(|i| i.application_id == id)
        .expect("waiting");
    assert_eq!(
        entry.ticked,
        [
            ChecklistItem::FaceMatchesId,
            ChecklistItem::DocumentGenuine,
            ChecklistItem::ConsentGiven
        ]
    );
    assert_eq!(
        b.desk
            .approve_override(&zhang, id)
            .await
            .expect_err("claimed and reassigned it")
            .code,
        ErrorCode::MakerChecker
    );
    let audit = b.audit_of(&format!("application:{id}")).await;
    assert!(audit.contains(&(
        "supervisor:zhang".to_owned(),
        "interview.override_approve".to_owned(),
        "refused".to_owned()
    )));
    assert_eq!(
        b.desk
            .approve_override(&li, id)
            .await
            .expect_err("agent")
            .code,
        ErrorCode::Forbidden
    );
    let approved = b.desk.approve_override(&liu, id).await.expect("approved");
    assert_eq!(approved.state, ApplicationState::Issued);
    assert_eq!(approved.card.expect("card").decided_by, "supervisor:liu");
}

pub(super) async fn an_override_declined_by_another_supervisor(b: &Bench) {
    let li = b.staff("li", Role::Agent).await;
    let zhang = b.staff("zhang", Role::Supervisor).await;
    let liu = b.staff("liu", Role::Supervisor).await;
    let s = queued(b, 630).await;
    let id = s.application_id.0;
    b.desk.claim_interview(&zhang, id).await.expect("claim");
    let partial = pass(&EVERY_ITEM[1..]);
    b.desk
        .decide_interview(&zhang, id, &partial)
        .await
        .expect("partial pass");
    let decline = carddesk_wire::DeclineRequest {
        reasons: vec![VerdictReason::FaceMismatch],
    };
    let refused = |e: carddesk_wire::DeskError| e.code;
    assert_eq!(
        refused(
            b.desk
                .decline_override(&zhang, id, &decline)
                .await
                .expect_err("own")
        ),
        ErrorCode::MakerChecker
    );
    assert_eq!(
        refused(
            b.desk
                .decline_override(&li, id, &decline)
                .await
                .expect_err("agent")
        ),
        ErrorCode::Forbidden
    );
    let none = carddesk_wire::DeclineRequest { reasons: vec![] };
    assert_eq!(
        refused(
            b.desk
                .decline_override(&liu, id, &none)
                .await
                .expect_err("no reason")
        ),
        ErrorCode::InvalidInput
    );
    let answer = b
        .desk
        .decline_override(&liu, id, &decline)
        .await
        .expect("declined");
    assert_eq!(answer.state, ApplicationState::Rejected);
    assert!(answer.card.is_none());
    assert_eq!(
        refused(
            b.desk
                .approve_override(&liu, id)
                .await
                .expect_err("decided")
        ),
        ErrorCode::IllegalState
    );
    let audit = b.audit_of(&format!("application:{id}")).await;
    assert!(
        audit
            .iter()
            .any(|(actor, action, _)| actor == "supervisor:liu"
                && action == "interview.override_declined")
    );
}
