//! The customer's first steps: open the code, read the challenge.

use carddesk_domain::{Actor, CaseState};
use carddesk_store::{CaseKey, CaseRecord, Outcome};
use secrecy::{ExposeSecret, SecretString};

use super::{Challenge, CustomerSession, case_object, for_customer};
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
        let digest = self
            .inner
            .keys
            .digest(Purpose::CaseCode, canonical.as_bytes());
        let mut tx = self.inner.store.begin().await?;
        // Found and locked by its code in one statement: a code a resend
        // replaced finds nothing, as an unknown one does.
        let found = tx
            .lock_customer_case(CaseKey::Code(&digest))
            .await?
            .ok_or(ProcessorError::NotFound("unfreeze code"))?;
        let case_id = found.record.case.id;
        let actor = Actor::Customer(found.record.case.customer_id);
        let result = self
            .audited(
                &actor,
                "case.request",
                &case_object(case_id),
                origin,
                async {
                    let now = self.now();
                    if found.record.code_used_at.is_some() {
                        return Err(ProcessorError::CodeUsed);
                    }
                    let mut case = found.record.case;
                    if case.is_expired_at(now) {
                        return self.expire_in(tx, case, now).await;
                    }
                    case.request(now)?;
                    let token = instructions::new_session_token();
                    // The case's current, unused code, checked again in the
                    // write that spends it and moves the case.
                    let accepted = tx
                        .use_case_code(&case, &digest, &self.customer_session_digest(&token), now)
                        .await?;
                    if !accepted {
                        return Err(ProcessorError::NotFound("unfreeze code"));
                    }
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
                    tx.commit().await?;
                    self.inner.events.send_all(vec![Event::CaseChanged {
                        case_id,
                        state: case.state,
                    }]);
                    Ok(CustomerSession {
                        token,
                        case_id,
                        card_last_four: found.card_last_four,
                    })
                },
            )
            .await;
        result.map_err(for_customer)
    }

    /// Sends the client the authentication request: what to provide
    /// (step 5). Asking again while challenged returns the same request.
    pub async fn challenge(&self, session: &SecretString, origin: &str) -> Result<Challenge> {
        let digest = self.customer_session_digest(session);
        let mut tx = self.inner.store.begin().await?;
        let found = tx
            .lock_customer_case(CaseKey::Session(&digest))
            .await?
            .ok_or(ProcessorError::NotFound("session"))?;
        let case_id = found.record.case.id;
        let actor = Actor::Customer(found.record.case.customer_id);
        let result = self
            .audited(
                &actor,
                "case.challenge",
                &case_object(case_id),
                origin,
                async {
                    let now = self.now();
                    let mut case = found.record.case;
                    if case.is_expired_at(now) {
                        return self.expire_in(tx, case, now).await;
                    }
                    // Asked again while challenged: nothing moves, nothing
                    // is written, and the commit lets the case's lock go.
                    let moves = case.state == CaseState::Requested;
                    if moves {
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
                    tx.commit().await?;
                    if moves {
                        self.inner.events.send_all(vec![Event::CaseChanged {
                            case_id,
                            state: case.state,
                        }]);
                    }
                    Ok(Challenge {
                        case_id,
                        credentials: case.credentials.clone(),
                        document_kind: found.document_kind,
                        attempts_left: self
                            .inner
                            .config
                            .limits
                            .attempts_per_case
                            .saturating_sub(case.failed_attempts),
                        expires_at: case.expires_at,
                        card_last_four: found.card_last_four,
                    })
                },
            )
            .await;
        result.map_err(for_customer)
    }

    pub(super) async fn case_by_session(&self, session: &SecretString) -> Result<CaseRecord> {
        let digest = self.customer_session_digest(session);
        self.inner
            .store
            .case_by_session_digest(&digest)
            .await?
            .ok_or(ProcessorError::NotFound("session"))
    }

    /// The keyed hash a customer's session token is stored and found by.
    pub(super) fn customer_session_digest(&self, session: &SecretString) -> Vec<u8> {
        self.inner
            .keys
            .digest(Purpose::Session, session.expose_secret().as_bytes())
    }
}
