//! The customer's upload: the credentials checked against the package, and what the check decides.

use carddesk_domain::case::{CaseId, FailureOutcome};
use carddesk_domain::{Actor, Credential};
use carddesk_store::{FailedCheck, Outcome, Package};
use secrecy::SecretString;
use subtle::ConstantTimeEq;

use super::{CredentialUpload, VerifyOutcome, case_object, for_customer, lock_case};
use crate::hashing::Budget;
use crate::keyring::Purpose;
use crate::{Event, Processor, ProcessorError, Result, append_audit, passwords};

impl Processor {
    /// Checks the uploaded credentials against the package under the policy
    /// and, when they hold, unfreezes the card (steps 6 and 7).
    ///
    /// Both credentials are always checked, in constant time, and a failure
    /// never says which was wrong. The expensive Argon2id check runs before
    /// the case is locked; the decision is then taken on the case as it
    /// stands under the lock, so of any number of racing uploads exactly one
    /// can verify and unfreeze.
    pub async fn verify(
        &self,
        session: &SecretString,
        upload: CredentialUpload,
        origin: &str,
    ) -> Result<VerifyOutcome> {
        let digest = self.customer_session_digest(session);
        let (found, package) = self
            .inner
            .store
            .case_and_package_by_session(&digest)
            .await?
            .ok_or(ProcessorError::NotFound("session"))?;
        let case_id = found.case.id;
        let actor = Actor::Customer(found.case.customer_id);
        let result = self
            .audited(
                &actor,
                "case.verify",
                &case_object(case_id),
                origin,
                async {
                    let package = package.ok_or(ProcessorError::NotFound("package"))?;
                    let matched = self.credentials_match(&package, upload).await?;
                    self.decide(case_id, &actor, matched, origin).await
                },
            )
            .await;
        result.map_err(for_customer)
    }

    pub(super) async fn credentials_match(
        &self,
        package: &Package,
        upload: CredentialUpload,
    ) -> Result<bool> {
        let wants = |c| package.credentials.contains(&c);
        let id_given = upload.id_document.is_some();
        let password_given = upload.transaction_password.is_some();
        if (wants(Credential::IdNumber) && !id_given)
            || (wants(Credential::TransactionPassword) && !password_given)
        {
            return Err(ProcessorError::InvalidInput(
                "please enter every detail asked for".to_owned(),
            ));
        }
        let id_ok = match &upload.id_document {
            Some(doc) if wants(Credential::IdNumber) => {
                let digest = self
                    .inner
                    .keys
                    .digest(Purpose::IdDocument, doc.canonical().as_bytes());
                bool::from(digest.ct_eq(&package.id_digest))
            }
            _ => true,
        };
        let password_ok = match upload.transaction_password {
            Some(password) if wants(Credential::TransactionPassword) => {
                let hash = package.password_hash.clone();
                // Argon2id off the async workers, within the customers'
                // budget (see `hashing`).
                self.inner
                    .hashing
                    .run(Budget::Customer, move || {
                        passwords::verify(&hash, &password)
                    })
                    .await?
            }
            _ => true,
        };
        // Both were computed whatever the first gave; `&` does not short-circuit.
        Ok(id_ok & password_ok)
    }

    pub(super) async fn decide(
        &self,
        case_id: CaseId,
        actor: &Actor,
        matched: bool,
        origin: &str,
    ) -> Result<VerifyOutcome> {
        let now = self.now();
        let limits = &self.inner.config.limits;
        let mut tx = self.inner.store.begin().await?;
        let mut case = lock_case(tx.as_mut(), case_id).await?.case;
        if case.is_expired_at(now) {
            return self.expire_in(tx, case, now).await;
        }
        case.check_can_verify(now, limits)?;
        // Rows are locked in the same order everywhere (case, card,
        // customer; the audit chain's lock last, at commit), so two
        // transactions can never wait on each other; job 2 takes an
        // application's row before these, and no case's transaction ever
        // waits for one. The customer's lock holds their allowance still
        // while this upload is decided: uploads to two of their cases, or
        // one and their application's card proof, are counted one by one.
        let card = tx
            .lock_card(case.card_id)
            .await?
            .ok_or(ProcessorError::NotFound("card"))?;
        let object = case_object(case_id);
        let mut events = Vec::new();
        let prior_failures = tx
            .lock_customer_failures(case.customer_id, now - limits.failure_window)
            .await?;
        if prior_failures >= limits.failures_per_customer {
            // The customer used up their allowance on other cases: this one
            // locks without looking at what was uploaded.
            case.lock(now)?;
            tx.save_case(&case).await?;
            append_audit(
                tx.as_mut(),
                actor,
                now,
                "case.locked",
                &object,
                origin,
                Outcome::Refused,
                format!(
                    "customer reached {} failures in {} h",
                    limits.failures_per_customer,
                    limits.failure_window.num_hours()
                ),
            )
            .await?;
            tx.commit().await?;
            self.inner.events.send_all(vec![Event::CaseChanged {
                case_id,
                state: case.state,
            }]);
            return Err(ProcessorError::Locked);
        }
        if !matched {
            let customer_limit = prior_failures + 1 >= limits.failures_per_customer;
            let outcome = case.record_failure(now, limits, customer_limit)?;
            tx.record_credential_failure(case.customer_id, FailedCheck::Case(case_id), now)
                .await?;
            tx.save_case(&case).await?;
            append_audit(
                tx.as_mut(),
                actor,
                now,
                "case.verification",
                &object,
                origin,
                Outcome::Failure,
                format!(
                    "credentials did not match; attempt {} of {}",
                    case.failed_attempts, limits.attempts_per_case
                ),
            )
            .await?;
            let result = match outcome {
                FailureOutcome::Retry { remaining } => {
                    events.push(Event::AttemptFailed { case_id, remaining });
                    Err(ProcessorError::VerificationFailed { remaining })
                }
                FailureOutcome::Locked(_) => {
                    append_audit(
                        tx.as_mut(),
                        actor,
                        now,
                        "case.locked",
                        &object,
                        origin,
                        Outcome::Success,
                        "too many failed verifications".to_owned(),
                    )
                    .await?;
                    events.push(Event::CaseChanged {
                        case_id,
                        state: case.state,
                    });
                    Err(ProcessorError::Locked)
                }
            };
            tx.commit().await?;
            self.inner.events.send_all(events);
            return result;
        }
        if let Some(refusal) = self
            .cancel_unless_lifts(
                tx.as_mut(),
                &mut case,
                &card,
                actor,
                origin,
                now,
                &mut events,
            )
            .await?
        {
            tx.commit().await?;
            self.inner.events.send_all(events);
            return Err(refusal.into());
        }
        case.verify(now, limits)?;
        append_audit(
            tx.as_mut(),
            actor,
            now,
            "case.verified",
            &object,
            origin,
            Outcome::Success,
            "credentials matched the package".to_owned(),
        )
        .await?;
        let outcome = if case.needs_approval {
            VerifyOutcome::AwaitingApproval
        } else {
            self.unfreeze_in(
                tx.as_mut(),
                &mut case,
                card,
                actor,
                origin,
                now,
                &mut events,
            )
            .await?;
            VerifyOutcome::Unfrozen
        };
        tx.save_case(&case).await?;
        tx.commit().await?;
        events.insert(
            0,
            Event::CaseChanged {
                case_id,
                state: case.state,
            },
        );
        self.inner.events.send_all(events);
        Ok(outcome)
    }
}
