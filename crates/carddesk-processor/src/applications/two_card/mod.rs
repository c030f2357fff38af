//! Two-card authentication (a secondary application): the applicant's
//! existing card and its transaction password (`card.rs`), then a one-time
//! code sent to the phone on file for that card, never to the one typed in
//! (`code.rs`).
//!
//! The card's transaction password is the credential job 1 checks too, so
//! a failed card proof counts against the customer's allowance as a failed
//! unfreeze upload does (5 in 24 h over both jobs), besides the
//! application's own attempts.

mod card;
mod code;

use std::sync::OnceLock;

use carddesk_domain::Actor;
use carddesk_domain::application::{Application, ApplicationId, AttemptOutcome};
use carddesk_domain::customer::CustomerId;
use carddesk_store::{FailedCheck, NewOutboxMessage, OutboxChannel, OutboxSubject, Outcome, Tx};
use chrono::{DateTime, Utc};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};

use super::{application_object, changed};
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

/// A failed card proof's place in the customer's allowance: whose it is
/// and how many failures they had in the window before it, counted under
/// the lock on their row (`CaseTx::lock_customer_failures`).
struct CustomerFailure {
    customer: CustomerId,
    prior: u32,
}

impl Processor {
    /// Counts a failed attempt and commits it; the last one allowed
    /// rejects the application and tells the applicant. A failed card
    /// proof (`customer` given) is also one of the customer's failed
    /// credential checks: the one that uses up their allowance rejects the
    /// application as its own last attempt would, with the same answer.
    async fn count_failure(
        &self,
        mut tx: Box<dyn Tx>,
        mut application: Application,
        actor: &Actor,
        origin: &str,
        what: &str,
        customer: Option<CustomerFailure>,
    ) -> Result<std::convert::Infallible> {
        let limits = &self.inner.config.applications;
        let now = self.now();
        let object = application_object(application.id);
        let outcome = application.record_failure(now, limits)?;
        let mut allowance_used = false;
        if let Some(c) = customer {
            let check = FailedCheck::Application(application.id);
            tx.record_credential_failure(c.customer, check, now).await?;
            allowance_used = c.prior + 1 >= self.inner.config.limits.failures_per_customer;
        }
        let (error, rejection) = match outcome {
            AttemptOutcome::Retry { .. } if allowance_used => {
                application.reject(now)?;
                let detail = self.allowance_used_detail(application.customer_id);
                (ProcessorError::Locked, Some(detail))
            }
            AttemptOutcome::Retry { remaining } => {
                (ProcessorError::VerificationFailed { remaining }, None)
            }
            AttemptOutcome::Rejected(_) => (
                ProcessorError::Locked,
                Some("too many failed attempts".to_owned()),
            ),
        };
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
        if let Some(detail) = rejection {
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
        tx.commit().await?;
        self.inner.events.send_all(vec![changed(&application)]);
        Err(error)
    }

    /// What the audit log says of an application rejected because its
    /// customer used up their allowance (job 1 words a case locked for it
    /// alike).
    fn allowance_used_detail(&self, customer: Option<CustomerId>) -> String {
        let limits = &self.inner.config.limits;
        format!(
            "customer:{} reached {} failures in {} h",
            customer.map_or(0, |c| c.0),
            limits.failures_per_customer,
            limits.failure_window.num_hours()
        )
    }

    fn code_digest(&self, id: ApplicationId, code: &SecretString) -> Vec<u8> {
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
