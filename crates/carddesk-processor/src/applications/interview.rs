//! The video interview (a first card) at the desk: the agents' queue,
//! claim and reassignment (the verdict is `interview/verdict.rs`, a
//! supervisor's override `overrides.rs`, the applicant's uploads
//! `uploads.rs`).
//!
//! Who may do what is decided here, below every transport: any member of
//! staff may claim from the queue; only the reviewer decides; supervisors
//! reassign and decide overrides, never of an interview they took part
//! in; the uploads are opened only for the reviewer and supervisors, each
//! view audited. Every refusal of these staff steps is audited too
//! (`Processor::audited`, as job 1's steps are).

mod verdict;

pub(super) use verdict::verdict_detail;

use carddesk_domain::application::{
    ApplicationError, ApplicationId, ApplicationState, InterviewStep,
};
use carddesk_domain::{Actor, Role, StaffMember};
use carddesk_store::{ApplicationRecord, MediaKind, MediaRecord, Outcome};
use chrono::{DateTime, Utc};

use super::{application_object, changed, lock_application, media};
use crate::{Processor, ProcessorError, Result, append_audit};

/// An interview as the console shows it.
#[derive(Debug, Clone)]
pub struct InterviewReview {
    /// The application.
    pub application_id: ApplicationId,
    /// `queued`, `claimed` or `awaiting_override`.
    pub step: &'static str,
    /// When it entered the queue.
    pub queued_since: Option<DateTime<Utc>>,
    /// Whether it has waited past the SLA.
    pub late: bool,
    /// The reviewer, once claimed (`agent:li`).
    pub reviewer: Option<String>,
    /// The applicant's name.
    pub name: String,
    /// Their document, masked.
    pub document_masked: String,
    /// Their phone, masked.
    pub phone_masked: String,
    /// The product applied for.
    pub product: String,
    /// The uploads (what was checked of them, not their content).
    pub media: Vec<MediaRecord>,
    /// The checklist items the reviewer ticked, once a pass waits for a
    /// supervisor's approval (what the approver weighs).
    pub ticked: Vec<carddesk_domain::application::ChecklistItem>,
}

/// An upload opened for its reviewer.
#[derive(Debug)]
pub struct MediaView {
    /// Its MIME type, from the container found in it.
    pub mime: &'static str,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl Processor {
    /// The interviews waiting for or under review, oldest first; the read
    /// is audited (it shows applicants' personal data).
    pub async fn interview_queue(
        &self,
        staff: &StaffMember,
        limit: u32,
        origin: &str,
    ) -> Result<Vec<InterviewReview>> {
        let out = self.interview_reviews(limit).await?;
        self.audit_alone(
            &Actor::Staff(staff.clone()),
            "interview.queue_read",
            "interviews",
            origin,
            Outcome::Success,
            format!("{} interviews", out.len()),
        )
        .await?;
        Ok(out)
    }

    /// The queue as it stands, for a caller that audits its own read.
    pub(crate) async fn interview_reviews(&self, limit: u32) -> Result<Vec<InterviewReview>> {
        let now = self.now();
        let sla = self.inner.config.applications.interview_sla;
        let queue = self.inner.store.interview_queue(limit).await?;
        let mut media: std::collections::HashMap<_, Vec<_>> = std::collections::HashMap::new();
        for upload in self.inner.store.interview_queue_media(limit).await? {
            media.entry(upload.application_id).or_default().push(upload);
        }
        Ok(queue
            .into_iter()
            .map(|record| {
                let uploads = media.remove(&record.application.id).unwrap_or_default();
                review_of(record, uploads, now, sla)
            })
            .collect())
    }

    /// One interview as the queue shows it, or `None` once it left the
    /// queue (decided, or never uploaded in full): read alone, not by
    /// reading the whole queue.
    pub(crate) async fn interview_review(
        &self,
        id: ApplicationId,
    ) -> Result<Option<InterviewReview>> {
        let Some(record) = self.inner.store.application(id).await? else {
            return Ok(None);
        };
        let a = &record.application;
        let in_queue = a.state == ApplicationState::Routed
            && a.route == Some(carddesk_domain::application::AuthRoute::VideoInterview)
            && a.interview != InterviewStep::AwaitingUploads;
        if !in_queue {
            return Ok(None);
        }
        let media = self.inner.store.application_media(id).await?;
        let sla = self.inner.config.applications.interview_sla;
        Ok(Some(review_of(record, media, self.now(), sla)))
    }

    /// `staff` takes an interview from the queue (or keeps the one they
    /// hold).
    pub async fn claim_interview(
        &self,
        staff: &StaffMember,
        id: ApplicationId,
        origin: &str,
    ) -> Result<()> {
        let actor = Actor::Staff(staff.clone());
        let label = actor.label();
        let step = self.interview_step(staff, id, origin, "interview.claimed", |a, now, limits| {
            a.claim(&label, false, now, limits)
                .map(|()| format!("claimed by {label}"))
        });
        let object = application_object(id);
        self.audited(&actor, "interview.claim", &object, origin, step)
            .await
    }

    /// A supervisor gives an interview to another member of staff.
    pub async fn reassign_interview(
        &self,
        supervisor: &StaffMember,
        id: ApplicationId,
        to: &StaffMember,
        origin: &str,
    ) -> Result<()> {
        let actor = Actor::Staff(supervisor.clone());
        let object = application_object(id);
        self.audited(&actor, "interview.reassign", &object, origin, async {
            if supervisor.role < Role::Supervisor {
                return Err(ProcessorError::Forbidden);
            }
            let label = Actor::Staff(to.clone()).label();
            self.interview_step(
                supervisor,
                id,
                origin,
                "interview.reassigned",
                |a, now, limits| {
                    a.claim(&label, true, now, limits)
                        .map(|()| format!("given to {label}"))
                },
            )
            .await
        })
        .await
    }

    /// Opens one of an interview's uploads for its reviewer or a
    /// supervisor; every view, and every refusal, is audited.
    pub async fn interview_media(
        &self,
        staff: &StaffMember,
        id: ApplicationId,
        kind: MediaKind,
        origin: &str,
    ) -> Result<MediaView> {
        let actor = Actor::Staff(staff.clone());
        let object = application_object(id);
        let action = "interview.media_viewed";
        self.audited(&actor, action, &object, origin, async {
            let record = self
                .inner
                .store
                .application(id)
                .await?
                .ok_or(ProcessorError::NotFound("application"))?;
            let reviewer = record.application.interview.reviewer().map(str::to_owned);
            if staff.role < Role::Supervisor && reviewer.as_deref() != Some(actor.label().as_str())
            {
                return Err(ApplicationError::NotReviewer.into());
            }
            let found = self
                .inner
                .store
                .application_media(id)
                .await?
                .into_iter()
                .find(|m| m.kind == kind)
                .ok_or(ProcessorError::NotFound("upload"))?;
            let bytes =
                media::load(&self.inner.config.media, &self.inner.keys, &found.sha256).await?;
            let detail = kind.as_str().to_owned();
            self.audit_alone(&actor, action, &object, origin, Outcome::Success, detail)
                .await?;
            let mime = carddesk_media::Container::parse(&found.container)
                .map(|c| c.mime())
                .unwrap_or("application/octet-stream");
            Ok(MediaView { mime, bytes })
        })
        .await
    }

    /// One staff step on an interview under its lock, its audit entry in
    /// the same transaction (the caller audits a refusal).
    async fn interview_step(
        &self,
        staff: &StaffMember,
        id: ApplicationId,
        origin: &str,
        action: &str,
        step: impl FnOnce(
            &mut carddesk_domain::application::Application,
            DateTime<Utc>,
            &carddesk_domain::application::ApplicationLimits,
        ) -> std::result::Result<String, ApplicationError>,
    ) -> Result<()> {
        let actor = Actor::Staff(staff.clone());
        let now = self.now();
        let mut tx = self.inner.store.begin().await?;
        let mut application = lock_application(tx.as_mut(), id).await?.application;
        let detail = step(&mut application, now, &self.inner.config.applications)?;
        tx.save_application(&application).await?;
        append_audit(
            tx.as_mut(),
            &actor,
            now,
            action,
            &application_object(id),
            origin,
            Outcome::Success,
            detail,
        )
        .await?;
        tx.commit().await?;
        self.inner.events.send_all(vec![changed(&application)]);
        Ok(())
    }
}

fn review_of(
    record: ApplicationRecord,
    media: Vec<MediaRecord>,
    now: DateTime<Utc>,
    sla: chrono::Duration,
) -> InterviewReview {
    let a = &record.application;
    debug_assert_eq!(a.state, ApplicationState::Routed);
    let since = a.interview.queued_since();
    InterviewReview {
        application_id: a.id,
        step: a.interview.as_str(),
        queued_since: since,
        late: since.is_some_and(|s| now - s > sla)
            && !matches!(a.interview, InterviewStep::AwaitingUploads),
        reviewer: a.interview.reviewer().map(str::to_owned),
        name: record.applicant.name.clone(),
        document_masked: record.applicant.document_masked.clone(),
        phone_masked: carddesk_domain::mask::phone(&record.applicant.phone),
        product: a.product.clone(),
        ticked: match a.interview {
            InterviewStep::AwaitingOverride { .. } => record
                .verdict_checklist
                .iter()
                .filter_map(|i| carddesk_domain::application::ChecklistItem::parse(i))
                .collect(),
            _ => Vec::new(),
        },
        media,
    }
}
