//! Two-card authentication (a secondary application): the applicant's
//! existing card and its transaction password, then a one-time code sent
//! to the phone on file for that card, never to the one typed in.

use std::sync::OnceLock;

use carddesk_domain::application::{Application, AttemptOutcome, AuthRoute, TwoCardStep};
use carddesk_domain::card::CardNumber;
use carddesk_domain::{Actor, CardStatus};
use carddesk_store::{NewOutboxMessage, OutboxChannel, OutboxSubject, Outcome, Tx};
use chrono::{DateTime, Utc};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};

use super::{IssuedCard, application_object, changed, lock_application, messages};
use crate::hashing::Budget;
use crate::keyring::Purpose;
use crate::{Processor, ProcessorError, Result, append_audit, instructions, passwords};

/// Where the code went, as the applicant may be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSent {
    /// The phone on file, masked (last four digits).
    pub phone_masked: String,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
}

/// A hash compared against when the card is not the applicant's, so that
/// a wrong card number costs what a wrong password does.
fn stand_in_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| passwords::hash(&instructions::new_session_token()))
}

impl Processor {
    /// Checks the applicant's existing card: its number and transaction
    /// password. On a match, a six-digit code goes by text to the phone on
    /// file for that card. A failure never says which was wrong.
    pub async fn prove_card(
        &self,
        session: &SecretString,
        card_number: &CardNumber,
        password: SecretString,
        origin: &str,
    ) -> Result<CodeSent> {
        let record = self.application_by_session(session).await?;
        let id = record.application.id;
        let limits = &self.inner.config.applications;
        // Refused early (before the expensive check) when no attempt could
        // count; the decision itself is taken again under the lock.
        record
            .application
            .check_step(AuthRoute::TwoCard, self.now(), limits)?;
        let pan_digest = self
            .inner
            .keys
            .digest(Purpose::CardNumber, card_number.expose().as_bytes());
        let card = self
            .inner
            .store
            .card_by_pan_digest(&pan_digest)
            .await?
            .filter(|c| {
                Some(c.customer_id) == record.application.customer_id
                    && c.status == CardStatus::Active
            });
        // A card that is not the applicant's, or has no password (a virtual
        // card), costs the same check, against a hash nothing matches.
        let hash = match &card {
            Some(c) => self.inner.store.card_password_hash(c.id).await?,
            None => None,
        }
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| stand_in_hash().to_owned());
        let password_ok = self
            .inner
            .hashing
            .run(Budget::Customer, move || {
                passwords::verify(&hash, &password)
            })
            .await?;
        let matched = card.filter(|_| password_ok);

        let now = self.now();
        let actor = Actor::Applicant(id);
        let object = application_object(id);
        let mut tx = self.inner.store.begin().await?;
        let mut application = lock_application(tx.as_mut(), id).await?.application;
        application.check_step(AuthRoute::TwoCard, now, limits)?;
        if application.two_card != TwoCardStep::AwaitingCard {
            return Err(carddesk_domain::application::ApplicationError::OutOfOrder.into());
        }
        let Some(card) = matched else {
            return self
                .count_failure(
                    tx,
                    application,
                    &actor,
                    origin,
                    "card details did not match",
                )
                .await
                .map(|never| match never {});
        };
        application.card_proven(card.id, now, limits)?;
        let code = six_digits();
        tx.set_application_code(id, &self.code_digest(id, &code))
            .await?;
        let holder = self
            .inner
            .store
            .customer(card.customer_id)
            .await?
            .ok_or(ProcessorError::NotFound("customer"))?;
        let body = messages::code_text(&holder.language, code.expose_secret(), limits);
        let outbox_id = queue_text(
            self,
            tx.as_mut(),
            OutboxSubject::ApplicationCode(id),
            holder.phone.as_str(),
            &holder.language,
            &body,
            now,
        )
        .await?;
        tx.save_application(&application).await?;
        append_audit(
            tx.as_mut(),
            &actor,
            now,
            "application.card_proven",
            &object,
            origin,
            Outcome::Success,
            format!("card:{} and its transaction password matched", card.id.0),
        )
        .await?;
        append_audit(
            tx.as_mut(),
            &Actor::System,
            now,
            "application.code_sent",
            &object,
            origin,
            Outcome::Success,
            format!(
                "text (outbox {outbox_id}) to the phone on file {}",
                holder.phone.masked()
            ),
        )
        .await?;
        tx.commit().await?;
        self.inner.events.send_all(vec![changed(&application)]);
        Ok(CodeSent {
            phone_masked: holder.phone.masked(),
            expires_at: now + limits.code_lifetime,
        })
    }

    /// Checks the code sent to the phone on file; when it is right the
    /// applicant is authenticated and the card issued, in one transaction.
    /// A code is used once; a code that ran out sends the applicant back to
    /// the card step for a new one (no attempt is counted).
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
            Err(carddesk_domain::application::ApplicationError::Expired)
                if !application.is_expired_at(now) =>
            {
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
                .count_failure(tx, application, &actor, origin, "the code did not match")
                .await
                .map(|never| match never {});
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

    /// Counts a failed attempt and commits it; the last one allowed
    /// rejects the application and tells the applicant.
    async fn count_failure(
        &self,
        mut tx: Box<dyn Tx>,
        mut application: Application,
        actor: &Actor,
        origin: &str,
        what: &str,
    ) -> Result<std::convert::Infallible> {
        let limits = &self.inner.config.applications;
        let now = self.now();
        let object = application_object(application.id);
        let outcome = application.record_failure(now, limits)?;
        tx.save_application(&application).await?;
        append_audit(
            tx.as_mut(),
            actor,
            now,
            "application.verification",
            &object,
            origin,
            Outcome::Failure,
            format!(
                "{what}; attempt {} of {}",
                application.failed_attempts, limits.max_attempts
            ),
        )
        .await?;
        let error = match outcome {
            AttemptOutcome::Retry { remaining } => ProcessorError::VerificationFailed { remaining },
            AttemptOutcome::Rejected(_) => {
                append_audit(
                    tx.as_mut(),
                    &Actor::System,
                    now,
                    "application.rejected",
                    &object,
                    origin,
                    Outcome::Success,
                    "too many failed attempts".to_owned(),
                )
                .await?;
                ProcessorError::Locked
            }
        };
        tx.commit().await?;
        self.inner.events.send_all(vec![changed(&application)]);
        Err(error)
    }

    fn code_digest(
        &self,
        id: carddesk_domain::application::ApplicationId,
        code: &SecretString,
    ) -> Vec<u8> {
        // The application's id is in the digest: the same six digits on
        // two applications are two different codes.
        let value = format!("{}:{}", id.0, code.expose_secret());
        self.inner
            .keys
            .digest(Purpose::ApplicationCode, value.as_bytes())
    }
}

fn six_digits() -> SecretString {
    let n: u32 = rand::rngs::OsRng.gen_range(0..1_000_000);
    SecretString::from(format!("{n:06}"))
}

/// Queues a text to an applicant, sealed as instructions are.
pub(super) async fn queue_text(
    processor: &Processor,
    tx: &mut dyn Tx,
    subject: OutboxSubject,
    recipient: &str,
    language: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    Ok(tx
        .insert_outbox(&NewOutboxMessage {
            subject,
            channel: OutboxChannel::Text,
            recipient: recipient.to_owned(),
            language: language.to_owned(),
            body_sealed: processor.keys().seal(Purpose::Instruction, body.as_bytes()),
            idempotency_key: instructions::new_session_token().expose_secret()[..32].to_owned(),
            created_at: now,
        })
        .await?)
}
