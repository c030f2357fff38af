//! A pass given with a checklist item unticked waits for a supervisor
//! other than the reviewer (maker-checker), who approves it (the card is
//! issued) or declines it (the application is rejected and the applicant
//! told why).

use carddesk_domain::application::{ApplicationError, ApplicationId, Verdict};
use carddesk_domain::{Actor, Role, StaffMember};
use carddesk_store::Outcome;

use super::interview::verdict_detail;
use super::two_card::queue_text;
use super::{IssuedCard, application_object, changed, lock_application, messages};
use crate::{Processor, ProcessorError, Result, append_audit};

impl Processor {
    /// A supervisor approves a pass given with an item unticked, and the
    /// card is issued; never the reviewer themselves (maker-checker).
    pub async fn approve_interview_override(
        &self,
        supervisor: &StaffMember,
        id: ApplicationId,
        origin: &str,
    ) -> Result<IssuedCard> {
        if supervisor.role < Role::Supervisor {
            return Err(ProcessorError::Forbidden);
        }
        let actor = Actor::Staff(supervisor.clone());
        let label = actor.label();
        let now = self.now();
        let mut tx = self.inner.store.begin().await?;
        let locked = lock_application(tx.as_mut(), id).await?;
        let mut application = locked.application;
        application.approve_override(&label, now, &self.inner.config.applications)?;
        append_audit(
            tx.as_mut(),
            &actor,
            now,
            "interview.override_approved",
            &application_object(id),
            origin,
            Outcome::Success,
            "pass with an item unticked approved".to_owned(),
        )
        .await?;
        let issued = self
            .issue_in(
                tx.as_mut(),
                &mut application,
                &locked.applicant,
                &label,
                origin,
                now,
            )
            .await?;
        tx.commit().await?;
        self.inner.events.send_all(vec![changed(&application)]);
        Ok(issued)
    }

    /// A supervisor declines a pass given with an item unticked, with the
    /// reasons the applicant is told; never the reviewer themselves.
    pub async fn decline_interview_override(
        &self,
        supervisor: &StaffMember,
        id: ApplicationId,
        reasons: &std::collections::BTreeSet<carddesk_domain::application::VerdictReason>,
        origin: &str,
    ) -> Result<()> {
        if supervisor.role < Role::Supervisor {
            return Err(ProcessorError::Forbidden);
        }
        let verdict = Verdict::Fail {
            reasons: reasons.clone(),
        };
        verdict.check().map_err(ApplicationError::from)?;
        let actor = Actor::Staff(supervisor.clone());
        let label = actor.label();
        let now = self.now();
        let mut tx = self.inner.store.begin().await?;
        let locked = lock_application(tx.as_mut(), id).await?;
        let mut application = locked.application;
        application.decline_override(&label, now, &self.inner.config.applications)?;
        tx.record_verdict(id, &verdict).await?;
        tx.save_application(&application).await?;
        append_audit(
            tx.as_mut(),
            &actor,
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
        let subject = carddesk_store::OutboxSubject::ApplicationNotice(id);
        queue_text(
            self,
            tx.as_mut(),
            subject,
            &locked.applicant.phone,
            language,
            &body,
            now,
        )
        .await?;
        tx.commit().await?;
        self.inner.events.send_all(vec![changed(&application)]);
        Ok(())
    }
}
