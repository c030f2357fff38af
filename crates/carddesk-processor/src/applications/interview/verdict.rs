//! The reviewer's verdict: a pass issues the card, a fail rejects the
//! application, a retry asks for new uploads until the application's
//! attempts are used up (then it rejects); a pass with an item unticked
//! waits for a supervisor's override (`overrides.rs`).

use carddesk_domain::Actor;
use carddesk_domain::StaffMember;
use carddesk_domain::application::{ApplicationId, Verdict, VerdictOutcome};
use carddesk_store::{OutboxSubject, Outcome};

use crate::applications::two_card::queue_text;
use crate::applications::{IssuedCard, application_object, changed, lock_application, messages};
use crate::{Processor, ProcessorError, Result, append_audit};

impl Processor {
    /// The reviewer records their verdict: a pass issues the card, a fail
    /// rejects the application and a retry asks for new uploads (the
    /// applicant is told either way; a retry once too often rejects); a
    /// pass with an item unticked waits for another supervisor. A refusal
    /// is audited.
    pub async fn decide_interview(
        &self,
        staff: &StaffMember,
        id: ApplicationId,
        verdict: &Verdict,
        origin: &str,
    ) -> Result<Option<IssuedCard>> {
        let actor = Actor::Staff(staff.clone());
        let object = application_object(id);
        self.audited(&actor, "interview.decide", &object, origin, async {
            self.decide_interview_in(&actor, id, verdict, origin).await
        })
        .await
    }

    async fn decide_interview_in(
        &self,
        actor: &Actor,
        id: ApplicationId,
        verdict: &Verdict,
        origin: &str,
    ) -> Result<Option<IssuedCard>> {
        let label = actor.label();
        let limits = &self.inner.config.applications;
        let now = self.now();
        let mut tx = self.inner.store.begin().await?;
        let locked = lock_application(tx.as_mut(), id).await?;
        let mut application = locked.application;
        // Decided on a copy: a pass that would issue a card that can no
        // longer be issued rejects the application from where it stands.
        let mut decided = application.clone();
        let outcome = decided.decide(&label, verdict, now, limits)?;
        tx.record_verdict(id, verdict).await?;
        let object = application_object(id);
        let reasons = verdict.reasons();
        append_audit(
            tx.as_mut(),
            actor,
            now,
            "interview.verdict",
            &object,
            origin,
            Outcome::Success,
            verdict_detail(verdict),
        )
        .await?;
        if matches!(outcome, VerdictOutcome::Authenticated(_))
            && self
                .rejected_as_unissuable(
                    tx.as_mut(),
                    &mut application,
                    &locked.applicant,
                    &label,
                    origin,
                    now,
                )
                .await?
        {
            tx.commit().await?;
            self.inner.events.send_all(vec![changed(&application)]);
            return Err(ProcessorError::NotCompleted);
        }
        let mut application = decided;
        if let VerdictOutcome::RetriesUsedUp(_) = outcome {
            // As two-card's last failed attempt: the rules, not the
            // reviewer, rejected it.
            let detail = format!("retried {} times", application.failed_attempts);
            append_audit(
                tx.as_mut(),
                &Actor::System,
                now,
                "application.rejected",
                &object,
                origin,
                Outcome::Success,
                detail,
            )
            .await?;
        }
        let issued = match outcome {
            VerdictOutcome::Authenticated(_) => Some(
                self.issue_in(
                    tx.as_mut(),
                    &mut application,
                    &locked.applicant,
                    &label,
                    origin,
                    now,
                )
                .await?,
            ),
            VerdictOutcome::Rejected(_)
            | VerdictOutcome::RetriesUsedUp(_)
            | VerdictOutcome::Retry => {
                let retry = matches!(outcome, VerdictOutcome::Retry);
                if retry {
                    tx.retire_media(id).await?;
                }
                tx.save_application(&application).await?;
                let language = &locked.applicant.language;
                let body = messages::verdict_text(language, retry, &reasons);
                let subject = OutboxSubject::ApplicationNotice(id);
                let phone = &locked.applicant.phone;
                queue_text(self, tx.as_mut(), subject, phone, language, &body, now).await?;
                None
            }
            VerdictOutcome::AwaitingOverride => {
                tx.save_application(&application).await?;
                None
            }
        };
        tx.commit().await?;
        self.inner.events.send_all(vec![changed(&application)]);
        Ok(issued)
    }
}

/// What the audit log keeps of a verdict: for a pass, the checklist items
/// left unticked (what an override's approver must weigh); else the
/// reasons.
pub(crate) fn verdict_detail(verdict: &Verdict) -> String {
    use carddesk_domain::application::ChecklistItem;
    match verdict {
        Verdict::Pass { checklist } => {
            let unticked: Vec<&str> = ChecklistItem::ALL
                .into_iter()
                .filter(|i| !checklist.0.contains(i))
                .map(ChecklistItem::as_str)
                .collect();
            if unticked.is_empty() {
                "pass: every item ticked".to_owned()
            } else {
                format!("pass with unticked: {}", unticked.join(","))
            }
        }
        _ => {
            let names: Vec<&str> = verdict.reasons().iter().map(|r| r.as_str()).collect();
            format!("{}: {}", verdict.as_str(), names.join(","))
        }
    }
}
