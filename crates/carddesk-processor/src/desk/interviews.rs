//! The video-interview queue at the desk: each call authorised by role
//! here, the rules of who reviews and who approves in the processor's
//! interview use cases, answered in the wire's types.

use std::collections::BTreeSet;

use carddesk_domain::Role;
use carddesk_domain::application::{ApplicationId, Checklist, Verdict};
use carddesk_wire as wire;

use super::access::Action;
use super::{LocalDesk, convert};
use crate::applications::{InterviewReview, IssuedCard};
use crate::{ProcessorError, Result};

fn object(application: i64) -> String {
    format!("application:{application}")
}

impl LocalDesk {
    pub(super) async fn interview_list(
        &self,
        token: &wire::Token,
    ) -> Result<Vec<wire::InterviewDto>> {
        let staff = self
            .authorize(token, Action::Interviews, "interviews")
            .await?;
        let queue = self
            .processor
            .interview_queue(&staff, 200, &self.origin)
            .await?;
        Ok(queue.iter().map(interview_dto).collect())
    }

    pub(super) async fn claim(
        &self,
        token: &wire::Token,
        application: i64,
    ) -> Result<wire::InterviewDto> {
        let staff = self
            .authorize(token, Action::ClaimInterview, &object(application))
            .await?;
        self.processor
            .claim_interview(&staff, ApplicationId(application), &self.origin)
            .await?;
        self.one_interview(application).await
    }

    pub(super) async fn reassign_to(
        &self,
        token: &wire::Token,
        application: i64,
        request: &wire::ReassignRequest,
    ) -> Result<wire::InterviewDto> {
        let staff = self
            .authorize(token, Action::ReassignInterview, &object(application))
            .await?;
        let to = self
            .processor
            .store()
            .staff_user(&request.username)
            .await?
            .filter(|r| matches!(r.member.role, Role::Agent | Role::Supervisor))
            .ok_or(ProcessorError::NotFound("member of staff"))?
            .member;
        self.processor
            .reassign_interview(&staff, ApplicationId(application), &to, &self.origin)
            .await?;
        self.one_interview(application).await
    }

    pub(super) async fn verdict(
        &self,
        token: &wire::Token,
        application: i64,
        request: &wire::VerdictRequest,
    ) -> Result<wire::VerdictAnswer> {
        let staff = self
            .authorize(token, Action::DecideInterview, &object(application))
            .await?;
        let verdict = verdict_of(request)?;
        let issued = self
            .processor
            .decide_interview(&staff, ApplicationId(application), &verdict, &self.origin)
            .await?;
        self.answer_for(application, issued.as_ref()).await
    }

    pub(super) async fn override_pass(
        &self,
        token: &wire::Token,
        application: i64,
    ) -> Result<wire::VerdictAnswer> {
        let staff = self
            .authorize(token, Action::ApproveOverride, &object(application))
            .await?;
        let issued = self
            .processor
            .approve_interview_override(&staff, ApplicationId(application), &self.origin)
            .await?;
        self.answer_for(application, Some(&issued)).await
    }

    pub(super) async fn decline(
        &self,
        token: &wire::Token,
        application: i64,
        request: &wire::DeclineRequest,
    ) -> Result<wire::VerdictAnswer> {
        let staff = self
            .authorize(token, Action::ApproveOverride, &object(application))
            .await?;
        if request.reasons.is_empty() || request.reasons.len() > 7 {
            return Err(ProcessorError::InvalidInput(
                "give one to seven reasons".to_owned(),
            ));
        }
        let reasons: BTreeSet<_> = request.reasons.iter().map(|r| (*r).into()).collect();
        self.processor
            .decline_interview_override(&staff, ApplicationId(application), &reasons, &self.origin)
            .await?;
        self.answer_for(application, None).await
    }

    pub(super) async fn media(
        &self,
        token: &wire::Token,
        application: i64,
        kind: wire::UploadKind,
    ) -> Result<Vec<u8>> {
        let staff = self
            .authorize(token, Action::InterviewMedia, &object(application))
            .await?;
        let view = self
            .processor
            .interview_media(
                &staff,
                ApplicationId(application),
                convert::media_kind(kind),
                &self.origin,
            )
            .await?;
        Ok(view.bytes)
    }

    /// The interview as it now stands in the queue (it left the queue once
    /// decided: then not found); the step that led here was audited.
    async fn one_interview(&self, application: i64) -> Result<wire::InterviewDto> {
        self.processor
            .interview_review(ApplicationId(application))
            .await?
            .as_ref()
            .map(interview_dto)
            .ok_or(ProcessorError::NotFound("interview"))
    }

    async fn answer_for(
        &self,
        application: i64,
        issued: Option<&IssuedCard>,
    ) -> Result<wire::VerdictAnswer> {
        let record = self
            .processor
            .store()
            .application(ApplicationId(application))
            .await?
            .ok_or(ProcessorError::NotFound("application"))?;
        let a = record.application;
        Ok(wire::VerdictAnswer {
            state: a.state.into(),
            step: wire::InterviewStep::parse(a.interview.as_str())
                .unwrap_or(wire::InterviewStep::AwaitingUploads),
            card: issued.map(|c| virtual_card_dto(c, application)),
        })
    }
}

fn verdict_of(request: &wire::VerdictRequest) -> Result<Verdict> {
    if request.checklist.len() > 5 || request.reasons.len() > 7 {
        return Err(ProcessorError::InvalidInput(
            "too many checklist items or reasons".to_owned(),
        ));
    }
    // A pass carries no reasons and a fail or retry no checklist: a request
    // that mixes them is refused rather than half read.
    let mixed = match request.verdict {
        wire::VerdictKind::Pass => !request.reasons.is_empty(),
        wire::VerdictKind::Fail | wire::VerdictKind::Retry => !request.checklist.is_empty(),
    };
    if mixed {
        return Err(ProcessorError::InvalidInput(
            "a pass takes checklist items, a fail or a retry reasons".to_owned(),
        ));
    }
    let reasons: BTreeSet<_> = request.reasons.iter().map(|r| (*r).into()).collect();
    Ok(match request.verdict {
        wire::VerdictKind::Pass => Verdict::Pass {
            checklist: Checklist(request.checklist.iter().map(|i| (*i).into()).collect()),
        },
        wire::VerdictKind::Fail => Verdict::Fail { reasons },
        wire::VerdictKind::Retry => Verdict::Retry { reasons },
    })
}

fn interview_dto(r: &InterviewReview) -> wire::InterviewDto {
    wire::InterviewDto {
        application_id: r.application_id.0,
        step: wire::InterviewStep::parse(r.step).unwrap_or(wire::InterviewStep::Queued),
        queued_since: r.queued_since,
        late: r.late,
        reviewer: r.reviewer.clone(),
        name: r.name.clone(),
        document_masked: r.document_masked.clone(),
        phone_masked: r.phone_masked.clone(),
        product: r.product.clone(),
        uploads: r
            .media
            .iter()
            .filter_map(|m| {
                Some(wire::UploadDto {
                    kind: convert::upload_kind(m.kind),
                    container: wire::Container::parse(&m.container)?,
                    bytes: m.bytes,
                    width: m.width,
                    height: m.height,
                    duration_ms: m.duration_ms,
                })
            })
            .collect(),
        ticked: r.ticked.iter().map(|i| (*i).into()).collect(),
    }
}

pub(crate) fn virtual_card_dto(c: &IssuedCard, application: i64) -> wire::VirtualCardDto {
    wire::VirtualCardDto {
        card_id: c.card_id.0,
        application_id: application,
        route: c.route.into(),
        decided_by: c.decided_by.clone(),
        issued_at: c.issued_at,
        expiry_month: c.expiry_month,
        expiry_year: c.expiry_year,
    }
}
