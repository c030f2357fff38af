//! The code step: the six digits sent to the phone on file; the right ones
//! authenticate the applicant and issue the card in one transaction, once
//! what the card step proved is found still to hold.

use carddesk_domain::Actor;
use carddesk_domain::application::{ApplicationError, TwoCardStep};
use carddesk_store::Outcome;
use secrecy::SecretString;

use crate::applications::{IssuedCard, application_object, changed, lock_application};
use crate::{Processor, ProcessorError, Result, append_audit};

impl Processor {
    /// Checks the code sent to the phone on file; when it is right the
    /// applicant is authenticated and the card issued, in one transaction.
    /// A code is used once; a code that ran out sends the applicant back to
    /// the card step for a new one (no attempt is counted).
    ///
    /// The card proven in the card step must still be the applicant's and
    /// active, and none of their cards frozen by a court order, when the
    /// code comes: else the application is rejected and no card issued.
    pub async fn enter_application_code(
        &self,
        session: &SecretString,
        code: &str,
        origin: &str,
    ) -> Result<IssuedCard> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ProcessorError::InvalidInput(
                "the code has six digits".to_owned(),
            ));
        }
        let record = self.application_by_session(session).await?;
        let id = record.application.id;
        let limits = &self.inner.config.applications;
        let now = self.now();
        let actor = Actor::Applicant(id);
        let mut tx = self.inner.store.begin().await?;
        let locked = lock_application(tx.as_mut(), id).await?;
        let mut application = locked.application;
        match application.check_code_step(now, limits) {
            Err(ApplicationError::Expired) if !application.is_expired_at(now) => {
                application.two_card = TwoCardStep::AwaitingCard;
                application.updated_at = now;
                tx.save_application(&application).await?;
                append_audit(
                    tx.as_mut(),
                    &actor,
                    now,
                    "application.code_expired",
                    &application_object(id),
                    origin,
                    Outcome::Refused,
                    "the code ran out: back to the card step".to_owned(),
                )
                .await?;
                tx.commit().await?;
                return Err(ProcessorError::Expired);
            }
            other => other?,
        };
        let digest = self.code_digest(id, &SecretString::from(code));
        if !tx.use_application_code(id, &digest).await? {
            return self
                .count_failure(
                    tx,
                    application,
                    &actor,
                    origin,
                    "the code did not match",
                    None,
                )
                .await
                .map(|never| match never {});
        }
        // Checked after the code, so that only the code's holder learns
        // the application cannot go on; and before `authenticate`, so the
        // application is rejected from where it stands. The cards stay
        // locked to the commit, through the issue below.
        if self
            .rejected_as_unissuable(
                tx.as_mut(),
                &mut application,
                &locked.applicant,
                "system",
                origin,
                now,
            )
            .await?
        {
            tx.commit().await?;
            self.inner.events.send_all(vec![changed(&application)]);
            return Err(ProcessorError::NotCompleted);
        }
        application.authenticate(now)?;
        append_audit(
            tx.as_mut(),
            &actor,
            now,
            "application.authenticated",
            &application_object(id),
            origin,
            Outcome::Success,
            "two_card: card, password and code matched".to_owned(),
        )
        .await?;
        let issued = self
            .issue_in(
                tx.as_mut(),
                &mut application,
                &locked.applicant,
                "system",
                origin,
                now,
            )
            .await?;
        tx.commit().await?;
        self.inner.events.send_all(vec![changed(&application)]);
        Ok(issued)
    }
}
