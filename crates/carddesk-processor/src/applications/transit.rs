//! The transit service (patent step 2): an application is received,
//! counted against the day's limits, and routed, all in one transaction.

use carddesk_domain::application::{Application, VirtualProduct};
use carddesk_domain::{Actor, CardStatus, FreezeReason};
use carddesk_store::{Applicant, NewApplication, Outcome, StoreError};
use secrecy::ExposeSecret;

use super::{
    ApplicationForm, CONSENT_VERSION, Refusal, Submitted, application_object, changed, day_of,
};
use crate::keyring::Purpose;
use crate::{Processor, ProcessorError, Result, append_audit, instructions};

/// The longest name taken.
const MAX_NAME_CHARS: usize = 100;

impl Processor {
    /// Receives an application and routes it: a person who already holds
    /// an active card of the bank (found by the keyed hash of their ID
    /// number) goes to two-card authentication, anyone else to the video
    /// interview. Refused, with a stable reason, for a person with an open
    /// application or a card under a court order, and past the day's
    /// limits per person and per client address. A refusal stores nothing
    /// but its audit entry.
    pub async fn submit_application(
        &self,
        form: ApplicationForm,
        origin: &str,
    ) -> Result<Submitted> {
        let product = check_form(&form)?;
        let limits = &self.inner.config.applications;
        let now = self.now();
        let canonical = form.document.canonical();
        let id_digest = self
            .inner
            .keys
            .digest(Purpose::IdDocument, canonical.as_bytes());
        let session = instructions::new_session_token();
        let session_digest = self
            .inner
            .keys
            .digest(Purpose::Session, session.expose_secret().as_bytes());

        let mut tx = self.inner.store.begin().await?;
        // Counted in the statement that reads the count back, in this
        // transaction: a refusal rolls its count back with everything else.
        let day = day_of(now);
        let person = tx
            .count_submission(&format!("person:{}", hex::encode(&id_digest[..16])), day)
            .await?;
        let address = tx
            .count_submission(&format!("address:{origin}"), day)
            .await?;
        let existing = tx.applicant_cards(&id_digest).await?;
        let refusal = if person > limits.per_person_per_day {
            Some(Refusal::TooManyForPerson)
        } else if address > limits.per_address_per_day {
            Some(Refusal::TooManyFromAddress)
        } else if existing.as_ref().is_some_and(|(_, cards)| {
            cards.iter().any(|(c, _)| {
                matches!(
                    c.status,
                    CardStatus::Frozen {
                        reason: FreezeReason::CourtOrder,
                        ..
                    }
                )
            })
        }) {
            Some(Refusal::CourtOrderFreeze)
        } else {
            None
        };
        if let Some(refusal) = refusal {
            drop(tx);
            return Err(self.refuse(refusal, origin).await);
        }
        // A secondary application: the person holds an active card they can
        // prove with its transaction password (a virtual card has none: its
        // holder goes to the interview, and the card is issued to them).
        let customer = existing.and_then(|(customer, cards)| {
            cards
                .iter()
                .any(|(c, has_password)| c.status == CardStatus::Active && *has_password)
                .then_some(customer)
        });

        let mut application = Application::submit(product, now, limits);
        let new = NewApplication {
            application: application.clone(),
            applicant: Applicant {
                name: form.name.trim().to_owned(),
                document_kind: form.document.kind(),
                document_masked: form.document.masked(),
                id_digest,
                id_sealed: self
                    .inner
                    .keys
                    .seal(Purpose::IdDocument, canonical.as_bytes()),
                phone: form.phone.as_str().to_owned(),
                language: form.language.clone(),
            },
            origin: origin.to_owned(),
            consent_version: CONSENT_VERSION.to_owned(),
            consent_at: now,
            session_digest,
        };
        application.id = match tx.insert_application(&new).await {
            Ok(id) => id,
            Err(StoreError::Conflict(_)) => {
                drop(tx);
                return Err(self.refuse(Refusal::OpenApplication, origin).await);
            }
            Err(e) => return Err(e.into()),
        };
        let actor = Actor::Applicant(application.id);
        let object = application_object(application.id);
        append_audit(
            tx.as_mut(),
            &actor,
            now,
            "application.submitted",
            &object,
            origin,
            Outcome::Success,
            format!(
                "{} by {} ({}), consent {CONSENT_VERSION} to terms and recording",
                product.code,
                form.document.masked(),
                form.document.kind().as_str()
            ),
        )
        .await?;
        application.route(customer, now)?;
        tx.save_application(&application).await?;
        let route = application
            .route
            .unwrap_or(carddesk_domain::application::AuthRoute::VideoInterview);
        append_audit(
            tx.as_mut(),
            &Actor::System,
            now,
            "application.routed",
            &object,
            origin,
            Outcome::Success,
            match customer {
                Some(c) => format!(
                    "{}: holds an active card as customer:{}",
                    route.as_str(),
                    c.0
                ),
                None => format!("{}: no active card of the bank", route.as_str()),
            },
        )
        .await?;
        tx.commit().await?;
        self.inner.events.send_all(vec![changed(&application)]);
        Ok(Submitted {
            application_id: application.id,
            route,
            session,
        })
    }

    /// Audits a refusal on its own and returns it as the error to answer.
    async fn refuse(&self, refusal: Refusal, origin: &str) -> ProcessorError {
        let audited = self
            .audit_alone(
                &Actor::System,
                "application.refused",
                "application",
                origin,
                Outcome::Refused,
                refusal.code().to_owned(),
            )
            .await;
        match audited {
            Ok(()) => ProcessorError::Refused(refusal),
            Err(e) => e,
        }
    }
}

/// The form's own rules, before anything is read or counted.
fn check_form(form: &ApplicationForm) -> Result<&'static VirtualProduct> {
    let product = VirtualProduct::find(&form.product)
        .map_err(|_| ProcessorError::InvalidInput("choose one of the cards on offer".to_owned()))?;
    let name = form.name.trim();
    // The raw length is bounded too: the document promises at most 100.
    if name.is_empty()
        || form.name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(ProcessorError::InvalidInput(format!(
            "enter your full name (1 to {MAX_NAME_CHARS} characters)"
        )));
    }
    if !matches!(form.language.as_str(), "zh-CN" | "en") {
        return Err(ProcessorError::InvalidInput(
            "the language is zh-CN or en".to_owned(),
        ));
    }
    if !(form.consent_terms && form.consent_recording) {
        return Err(ProcessorError::InvalidInput(
            "please agree to the terms and to the interview being recorded".to_owned(),
        ));
    }
    Ok(product)
}
