//! The customer's first steps: open the code, read the challenge.

use carddesk_domain::{Actor, CaseState};
use carddesk_store::{CaseRecord, Outcome};
use secrecy::{ExposeSecret, SecretString};

use super::{Challenge, CustomerSession, case_object, for_customer, lock_case};
use crate::instructions::{self};
use crate::keyring::Purpose;
use crate::{Event, Processor, ProcessorError, Result, append_audit};

impl Processor {
    /// The customer's client asks to unfreeze with the instructions' code
    /// (step 4). The code is spent: the customer gets a session token for
    /// the remaining steps, and the same code never opens the case again.
    pub async fn request_unfreeze(&self, code: &str, origin: &str) -> Result<CustomerSession> {
        let canonical = instructions::normalize_code(code).ok_or_else(|| {
            ProcessorError::InvalidInput("an unfreeze code has 10 letters and digits".to_owned())
        })?;
        let digest = self.keys.digest(Purpose::CaseCode, canonical.as_bytes());
        let found = self
            .store
            .case_by_code_digest(&digest)
            .await?
            .ok_or(ProcessorError::NotFound("unfreeze code"))?;
        let case_id = found.case.id;
        let actor = Actor::Customer(found.case.customer_id);
        let result = self
            .audited(
                &actor,
                "case.request",
                &case_object(case_id),
                origin,
                async {
                    let now = self.now();
                    let mut tx = self.store.begin().await?;
                    let record = lock_case(tx.as_mut(), case_id).await?;
                    if record.code_used_at.is_some() {
                        return Err(ProcessorError::CodeUsed);
                    }
                    let mut case = record.case;
                    if case.is_expired_at(now) {
                        return self.expire_in(tx, case, now).await;
                    }
                    case.request(now)?;
                    let token = instructions::new_session_token();
                    // The lookup above ran unlocked: a resend may have
                    // replaced the code since. The write accepts only the
                    // case's current, unused code, under the case's lock.
                    let accepted = tx
                        .use_case_code(
                            case_id,
                            &digest,
                            &self
                                .keys
                                .digest(Purpose::Session, token.expose_secret().as_bytes()),
                            now,
                        )
                        .await?;
                    if !accepted {
                        // The same answer the replaced code gets once the
                        // resend has committed.
                        return Err(ProcessorError::NotFound("unfreeze code"));
                    }
                    tx.save_case(&case).await?;
                    append_audit(
                        tx.as_mut(),
                        &actor,
                        now,
                        "case.requested",
                        &case_object(case_id),
                        origin,
                        Outcome::Success,
                        "one-time code accepted".to_owned(),
                    )
                    .await?;
                    let card = tx
                        .lock_card(case.card_id)
                        .await?
                        .ok_or(ProcessorError::NotFound("card"))?;
                    tx.commit().await?;
                    self.events.send_all(vec![Event::CaseChanged {
                        case_id,
                        state: case.state,
                    }]);
                    Ok(CustomerSession {
                        token,
                        case_id,
                        card_last_four: card.last_four,
                    })
                },
            )
            .await;
        result.map_err(for_customer)
    }

    /// Sends the client the authentication request: what to provide
    /// (step 5). Asking again while challenged returns the same request.
    pub async fn challenge(&self, session: &SecretString, origin: &str) -> Result<Challenge> {
        let found = self.case_by_session(session).await?;
        let case_id = found.case.id;
        let actor = Actor::Customer(found.case.customer_id);
        let result = self
            .audited(
                &actor,
                "case.challenge",
                &case_object(case_id),
                origin,
                async {
                    let now = self.now();
                    let mut tx = self.store.begin().await?;
                    let mut case = lock_case(tx.as_mut(), case_id).await?.case;
                    if case.is_expired_at(now) {
                        return self.expire_in(tx, case, now).await;
                    }
                    if case.state == CaseState::Requested {
                        case.challenge(now)?;
                        tx.save_case(&case).await?;
                        let asked: Vec<&str> =
                            case.credentials.iter().map(|c| c.as_str()).collect();
                        append_audit(
                            tx.as_mut(),
                            &actor,
                            now,
                            "case.challenged",
                            &case_object(case_id),
                            origin,
                            Outcome::Success,
                            format!("asked {}", asked.join(" + ")),
                        )
                        .await?;
                    } else if case.state != CaseState::Challenged {
                        return Err(ProcessorError::CaseClosed);
                    }
                    let card = tx
                        .lock_card(case.card_id)
                        .await?
                        .ok_or(ProcessorError::NotFound("card"))?;
                    tx.commit().await?;
                    let customer = self
                        .store
                        .customer(case.customer_id)
                        .await?
                        .ok_or(ProcessorError::NotFound("customer"))?;
                    self.events.send_all(vec![Event::CaseChanged {
                        case_id,
                        state: case.state,
                    }]);
                    Ok(Challenge {
                        case_id,
                        credentials: case.credentials.clone(),
                        document_kind: customer.document_kind,
                        attempts_left: self
                            .config
                            .limits
                            .attempts_per_case
                            .saturating_sub(case.failed_attempts),
                        expires_at: case.expires_at,
                        card_last_four: card.last_four,
                    })
                },
            )
            .await;
        result.map_err(for_customer)
    }

    pub(super) async fn case_by_session(&self, session: &SecretString) -> Result<CaseRecord> {
        let digest = self
            .keys
            .digest(Purpose::Session, session.expose_secret().as_bytes());
        self.store
            .case_by_session_digest(&digest)
            .await?
            .ok_or(ProcessorError::NotFound("session"))
    }
}
