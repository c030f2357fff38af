//! A pass given with a checklist item unticked waits for a supervisor who
//! took no part in the interview (maker-checker), who approves it (the
//! card is issued) or declines it (the application is rejected and the
//! applicant told why). Every refusal is audited.

use std::collections::BTreeSet;

use carddesk_domain::application::{ApplicationError, ApplicationId, Verdict, VerdictReason};
use carddesk_domain::{Actor, Role, StaffMember};
use carddesk_store::{OutboxSubject, Outcome, Tx};

use super::interview::verdict_detail;
use super::two_card::queue_text;
use super::{IssuedCard, application_object, changed, lock_application, messages};
use crate::{Processor, ProcessorError, Result, append_audit};

/// The audit entries whose actor took part in an interview: claiming it,
/// giving it to someone, and any verdict on it (a retry included). Who
/// asked for the override the application itself records.
const MAKER_STEPS: [&str; 3] = [
    "interview.claimed",
    "interview.reassigned",
    "interview.verdict",
];

/// The actor labels of everyone who took one of the interview's
/// [`MAKER_STEPS`], for the domain's maker-checker
/// (`Application::check_override`). Read in the deciding transaction,
/// which holds the application's lock, as every maker step does when it
/// writes its entry: none can slip in between the read and the decision.
async fn interview_makers(tx: &mut dyn Tx, id: ApplicationId) -> Result<Vec<String>> {
    let steps = tx
        .audit_actors(&application_object(id), Outcome::Success)
        .await?;
    Ok(steps
        .into_iter()
        .filter(|(action, _)| MAKER_STEPS.contains(&action.as_str()))
        .map(|(_, actor)| actor)
        .collect())
}

impl Processor {
    /// A supervisor approves a pass given with an item unticked, and the
    /// card is issued; never one who claimed, reassigned or reviewed the
    /// interview (maker-checker). A refusal is audited.
    pub async fn approve_interview_override(
        &self,
        supervisor: &StaffMember,
        id: ApplicationId,
        origin: &str,
    ) -> Result<IssuedCard> {
        let actor = Actor::Staff(supervisor.clone());
        let object = application_object(id);
        let step = self.approve_override_in(supervisor, &actor, id, origin);
        self.audited(&actor, "interview.override_approve", &object, origin, step)
            .await
    }

    /// A supervisor declines a pass given with an item unticked, with the
    /// reasons the applicant is told; never one who claimed, reassigned or
    /// reviewed the interview. A refusal is audited.
    pub async fn decline_interview_override(
        &self,
        supervisor: &StaffMember,
        id: ApplicationId,
        reasons: &BTreeSet<VerdictReason>,
        origin: &str,
    ) -> Result<()> {
        let actor = Actor::Staff(supervisor.clone());
        let object = application_object(id);
        let step = self.decline_override_in(supervisor, &actor, id, reasons, origin);
        self.audited(&actor, "interview.override_decline", &object, origin, step)
            .await
    }

    async fn approve_override_in(
        &self,
        supervisor: &StaffMember,
        actor: &Actor,
        id: ApplicationId,
        origin: &str,
    ) -> Result<IssuedCard> {
        if supervisor.role < Role::Supervisor {
            return Err(ProcessorError::Forbidden);
        }
        let label = actor.label();
        let now = self.now();
        let mut tx = self.inner.store.begin().await?;
        let locked = lock_application(tx.as_mut(), id).await?;
        let mut application = locked.application;
        let makers = interview_makers(tx.as_mut(), id).await?;
        let limits = &self.inner.config.applications;
        let makers = || makers.iter().map(String::as_str);
        // The rules first: only an approver who may approve learns that
        // the card can no longer be issued.
        application.check_override(supervisor, makers(), now, limits)?;
        if self
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
        application.approve_override(supervisor, makers(), now, limits)?;
        append_audit(
            tx.as_mut(),
            actor,
            now,
            "interview.override_approved",
            &application_object(id),
            origin,
            Outcome::Success,
            "pass with an item unticked approved".to_owned(),
        )
        .await?;
        let applicant = &locked.applicant;
        let issued = self
            .issue_in(
                tx.as_mut(),
                &mut application,
                applicant,
                &label,
                origin,
                now,
            )
            .await?;
        tx.commit().await?;
        self.inner.events.send_all(vec![changed(&application)]);
        Ok(issued)
    }

    async fn decline_override_in(
        &self,
        supervisor: &StaffMember,
        actor: &Actor,
        id: ApplicationId,
        reasons: &BTreeSet<VerdictReason>,
        origin: &str,
    ) -> Result<()> {
        if supervisor.role < Role::Supervisor {
            return Err(ProcessorError::Forbidden);
        }
        let verdict = Verdict::Fail {
            reasons: reasons.clone(),
        };
        verdict.check().map_err(ApplicationError::from)?;
        let now = self.now();
        let mut tx = self.inner.store.begin().await?;
        let locked = lock_application(tx.as_mut(), id).await?;
        let mut application = locked.application;
        let makers = interview_makers(tx.as_mut(), id).await?;
        let makers = makers.iter().map(String::as_str);
        let limits = &self.inner.config.applications;
        application.decline_override(supervisor, makers, now, limits)?;
        tx.record_verdict(id, &verdict).await?;
        tx.save_application(&application).await?;
        append_audit(
            tx.as_mut(),
            actor,
            now,
            "interview.override_declined",
            &application_object(id),
            origin,
            Outcome::Success,
            verdict_detail(&verdict),
        )
        .await?;
        let language = &locked.applicant.language;
        let body = messages::verdict_text(language, false, &verdict.reasons());
        let subject = OutboxSubject::ApplicationNotice(id);
        let phone = &locked.applicant.phone;
        queue_text(self, tx.as_mut(), subject, phone, language, &body, now).await?;
        tx.commit().await?;
        self.inner.events.send_all(vec![changed(&application)]);
        Ok(())
    }
}
