//! Job 1, remote unfreeze, step by step (CN111724154B): the agent's steps
//! (look up, mark, package, instruct, cancel), the customer's (request,
//! challenge, verify) and the supervisor's (approve, reject).
//!
//! Each step locks the case, asks the domain whether the move is legal,
//! writes the change and its audit entry in one transaction, and only then
//! tells the event stream. A step the rules refuse is audited too, with
//! outcome `refused`, in a transaction of its own.

use std::future::Future;

use carddesk_domain::card::{CardNumber, CardTransition};
use carddesk_domain::case::{CaseError, CaseId, FailureOutcome, UnfreezeCase};
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{
    Actor, Card, CardId, CardStatus, CaseState, Credential, Customer, CustomerId, StaffMember,
};
use carddesk_store::{
    AuditRecord, CaseRecord, ChainReport, NewOutboxMessage, OutboxChannel, Outcome, Package,
    StoreError, Tx,
};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::desk::access::ensure_case_holder;
use crate::hashing::Budget;
use crate::instructions::{self, Channels, InstructionFacts};
use crate::keyring::Purpose;
use crate::{Event, Processor, ProcessorError, Result, append_audit, passwords};

/// How an agent finds a caller.
#[derive(Debug, Clone)]
pub enum CustomerQuery {
    /// By identity document.
    Document(IdDocument),
    /// By the phone number on file.
    Phone(PhoneNumber),
    /// By one of their card numbers.
    CardNumber(CardNumber),
    /// By the bank's customer id.
    Id(CustomerId),
}

/// A customer and their cards, as the agent sees them.
#[derive(Debug, Clone)]
pub struct CustomerCards {
    /// The customer (document masked).
    pub customer: Customer,
    /// Their cards (numbers masked).
    pub cards: Vec<Card>,
}

/// What a customer gets on opening their instructions' code: a session for
/// the rest of the flow (the code itself is spent).
#[derive(Debug)]
pub struct CustomerSession {
    /// The bearer token for the next steps.
    pub token: SecretString,
    /// The case.
    pub case_id: CaseId,
    /// The card's last four digits, for the customer to confirm.
    pub card_last_four: String,
}

/// The authentication request: what the customer must provide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The case.
    pub case_id: CaseId,
    /// The credentials asked for, in order.
    pub credentials: Vec<Credential>,
    /// Which document the ID number belongs to.
    pub document_kind: carddesk_domain::customer::DocumentKind,
    /// Attempts left.
    pub attempts_left: u32,
    /// When the session stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// The card's last four digits.
    pub card_last_four: String,
}

/// What the customer uploads.
#[derive(Debug, Default)]
pub struct CredentialUpload {
    /// The identity document, parsed at the edge.
    pub id_document: Option<IdDocument>,
    /// The transaction password.
    pub transaction_password: Option<SecretString>,
}

/// Whether instructions go out for the first time or again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sending {
    First,
    Again,
}

/// How a successful verification ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyOutcome {
    /// The card is unfrozen.
    Unfrozen,
    /// The credentials matched; a supervisor must approve before the card
    /// is unfrozen.
    AwaitingApproval,
}

/// A queued instruction, opened for the demo's customer phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalInstruction {
    /// Outbox row.
    pub id: i64,
    /// The case.
    pub case_id: CaseId,
    /// Text or voice.
    pub channel: OutboxChannel,
    /// E.164 recipient.
    pub recipient: String,
    /// Language.
    pub language: String,
    /// The message in clear (it carries the one-time code).
    pub body: String,
}

fn case_object(id: CaseId) -> String {
    format!("case:{}", id.0)
}

/// Maps the domain's refusals to what a customer may be told: nothing about
/// the case's inner state beyond expired, locked or no longer open.
fn for_customer(e: ProcessorError) -> ProcessorError {
    match e {
        ProcessorError::Case(CaseError::CodeExpired) => ProcessorError::Expired,
        ProcessorError::Case(CaseError::AttemptsExhausted) => ProcessorError::Locked,
        ProcessorError::Case(_) | ProcessorError::Card(_) => ProcessorError::CaseClosed,
        other => other,
    }
}

/// Errors that are the rules saying no (audited as `refused`), as opposed
/// to failures of the machinery.
fn is_refusal(e: &ProcessorError) -> bool {
    matches!(
        e,
        ProcessorError::Case(_)
            | ProcessorError::Card(_)
            | ProcessorError::CaseAlreadyOpen
            | ProcessorError::CodeUsed
            | ProcessorError::CaseClosed
            | ProcessorError::Forbidden
            | ProcessorError::NotCaseHolder
    )
}

impl Processor {
    /// Finds customers and their cards (step 1: look up).
    pub async fn look_up(&self, query: &CustomerQuery) -> Result<Vec<CustomerCards>> {
        let customers = match query {
            CustomerQuery::Document(doc) => {
                let digest = self
                    .keys
                    .digest(Purpose::IdDocument, doc.canonical().as_bytes());
                self.store
                    .customer_by_id_digest(&digest)
                    .await?
                    .into_iter()
                    .collect()
            }
            CustomerQuery::Phone(phone) => self.store.customers_by_phone(phone.as_str()).await?,
            CustomerQuery::CardNumber(pan) => {
                let digest = self
                    .keys
                    .digest(Purpose::CardNumber, pan.expose().as_bytes());
                match self.store.card_by_pan_digest(&digest).await? {
                    Some(card) => self
                        .store
                        .customer(card.customer_id)
                        .await?
                        .into_iter()
                        .collect(),
                    None => Vec::new(),
                }
            }
            CustomerQuery::Id(id) => self.store.customer(*id).await?.into_iter().collect(),
        };
        let mut found = Vec::with_capacity(customers.len());
        for customer in customers {
            let cards = self.store.cards_of_customer(customer.id).await?;
            found.push(CustomerCards { customer, cards });
        }
        Ok(found)
    }

    /// A customer's cards.
    pub async fn cards_of(&self, customer: CustomerId) -> Result<Vec<Card>> {
        Ok(self.store.cards_of_customer(customer).await?)
    }

    /// Marks a frozen card for remote unfreeze, opening a case (step 1).
    /// Refuses cards that are not frozen, court-order freezes, and cards
    /// that already have an open case, with a reason the agent can read.
    pub async fn mark(
        &self,
        staff: &StaffMember,
        card_id: CardId,
        origin: &str,
    ) -> Result<UnfreezeCase> {
        let actor = Actor::Staff(staff.clone());
        let object = format!("card:{}", card_id.0);
        self.audited(&actor, "case.mark", &object, origin, async {
            let now = self.now();
            let mut tx = self.store.begin().await?;
            let card = tx
                .lock_card(card_id)
                .await?
                .ok_or(ProcessorError::NotFound("card"))?;
            let mut case = match card.status.freeze_reason() {
                Some(reason) => UnfreezeCase::open(&card, self.policy.rule(reason), staff, now)?,
                None => return Err(CaseError::CardNotFrozen(card.status.kind().as_str()).into()),
            };
            case.id = tx.insert_case(&case).await.map_err(|e| match e {
                StoreError::Conflict(_) => ProcessorError::CaseAlreadyOpen,
                other => other.into(),
            })?;
            append_audit(
                tx.as_mut(),
                &actor,
                now,
                "case.marked",
                &case_object(case.id),
                origin,
                Outcome::Success,
                format!("card {} frozen for {}", card.id.0, case.reason.as_str()),
            )
            .await?;
            tx.commit().await?;
            self.events.send_all(vec![Event::CaseChanged {
                case_id: case.id,
                state: case.state,
            }]);
            Ok(case)
        })
        .await
    }

    /// Packs the reserved info for a marked case and stores the package
    /// (step 2). The package holds only protected forms: the sealed card
    /// number, the document's keyed hash and sealed copy, and the transaction
    /// password's Argon2id hash.
    pub async fn package(
        &self,
        staff: &StaffMember,
        case_id: CaseId,
        origin: &str,
    ) -> Result<UnfreezeCase> {
        let actor = Actor::Staff(staff.clone());
        self.audited(
            &actor,
            "case.package",
            &case_object(case_id),
            origin,
            async {
                let now = self.now();
                let mut tx = self.store.begin().await?;
                let mut case = locked_for(tx.as_mut(), case_id, staff).await?;
                case.package(now)?;
                let card = tx
                    .card_secrets(case.card_id)
                    .await?
                    .ok_or(ProcessorError::NotFound("card"))?;
                let holder = tx
                    .customer_secrets(case.customer_id)
                    .await?
                    .ok_or(ProcessorError::NotFound("customer"))?;
                tx.insert_package(&Package {
                    case_id,
                    card_id: case.card_id,
                    pan_sealed: card.pan_sealed,
                    id_digest: holder.id_digest,
                    id_sealed: holder.id_sealed,
                    password_hash: card.password_hash,
                    credentials: case.credentials.clone(),
                    created_at: now,
                })
                .await?;
                tx.save_case(&case).await?;
                let asked: Vec<&str> = case.credentials.iter().map(|c| c.as_str()).collect();
                append_audit(
                    tx.as_mut(),
                    &actor,
                    now,
                    "case.packaged",
                    &case_object(case_id),
                    origin,
                    Outcome::Success,
                    format!("asks {}", asked.join(" + ")),
                )
                .await?;
                tx.commit().await?;
                self.events.send_all(vec![Event::CaseChanged {
                    case_id,
                    state: case.state,
                }]);
                Ok(case)
            },
        )
        .await
    }

    /// Sends the customer the unfreeze instructions by text and/or voice
    /// (step 3): a fresh one-time code, valid for the configured lifetime,
    /// queued in the outbox in the same transaction as the case change.
    pub async fn instruct(
        &self,
        staff: &StaffMember,
        case_id: CaseId,
        channels: Channels,
        origin: &str,
    ) -> Result<UnfreezeCase> {
        self.send_instructions(staff, case_id, channels, origin, Sending::First)
            .await
    }

    /// Sends the instructions again with a fresh one-time code (the
    /// customer lost the text, or let the code run out), while the case
    /// waits for the customer's request. The previous code stops working.
    pub async fn resend(
        &self,
        staff: &StaffMember,
        case_id: CaseId,
        channels: Channels,
        origin: &str,
    ) -> Result<UnfreezeCase> {
        self.send_instructions(staff, case_id, channels, origin, Sending::Again)
            .await
    }

    async fn send_instructions(
        &self,
        staff: &StaffMember,
        case_id: CaseId,
        channels: Channels,
        origin: &str,
        sending: Sending,
    ) -> Result<UnfreezeCase> {
        if !channels.text && !channels.voice {
            return Err(ProcessorError::InvalidInput(
                "choose text, voice or both to send the instructions".to_owned(),
            ));
        }
        let actor = Actor::Staff(staff.clone());
        let (attempt, done) = match sending {
            Sending::First => ("case.instruct", "case.instructed"),
            Sending::Again => ("case.resend", "case.reinstructed"),
        };
        self.audited(&actor, attempt, &case_object(case_id), origin, async {
            let now = self.now();
            let limits = &self.config.limits;
            // The recipient is read before the transaction starts: a step
            // that waits on the pool while holding its transaction's
            // connection starves the pool once as many agents instruct at
            // once as it has connections (PostgreSQL), or times out behind
            // the writers queued on SQLite's write lock. A case's customer
            // never changes, so reading it unlocked is safe.
            let customer_id = self
                .store
                .case(case_id)
                .await?
                .ok_or(ProcessorError::NotFound("case"))?
                .case
                .customer_id;
            let customer = self
                .store
                .customer(customer_id)
                .await?
                .ok_or(ProcessorError::NotFound("customer"))?;
            let mut tx = self.store.begin().await?;
            let CaseRecord {
                mut case,
                assigned_to: holder,
                ..
            } = locked_record_for(tx.as_mut(), case_id, staff).await?;
            match sending {
                Sending::First => case.instruct(now, limits).map(|_| ())?,
                Sending::Again => case.reinstruct(now, limits)?,
            }
            let card = tx
                .lock_card(case.card_id)
                .await?
                .ok_or(ProcessorError::NotFound("card"))?;
            let language = tx
                .customer_secrets(case.customer_id)
                .await?
                .map(|s| s.language)
                .unwrap_or_else(|| "zh-CN".to_owned());
            let code = instructions::new_code();
            let canonical = instructions::normalize_code(code.expose_secret())
                .unwrap_or_else(|| unreachable!("generated codes are well formed"));
            tx.set_case_code(
                case_id,
                &self.keys.digest(Purpose::CaseCode, canonical.as_bytes()),
            )
            .await?;
            let facts = InstructionFacts {
                last_four: &card.last_four,
                code: &code,
                link_base: &self.config.link_base,
                expires_at: case.expires_at.unwrap_or(now),
                lifetime_minutes: limits.code_lifetime.num_minutes(),
            };
            let mut events = vec![Event::CaseChanged {
                case_id,
                state: case.state,
            }];
            let mut sent = Vec::new();
            for (wanted, channel) in [
                (channels.text, OutboxChannel::Text),
                (channels.voice, OutboxChannel::Voice),
            ] {
                if !wanted {
                    continue;
                }
                let body = match channel {
                    OutboxChannel::Text => instructions::text_message(&language, &facts),
                    OutboxChannel::Voice => instructions::voice_message(&language, &facts),
                };
                let outbox_id = tx
                    .insert_outbox(&NewOutboxMessage {
                        case_id,
                        channel,
                        recipient: customer.phone.as_str().to_owned(),
                        language: language.clone(),
                        body_sealed: self.keys.seal(Purpose::Instruction, body.as_bytes()),
                        idempotency_key: instructions::new_session_token().expose_secret()[..32]
                            .to_owned(),
                        created_at: now,
                    })
                    .await?;
                events.push(Event::InstructionQueued {
                    case_id,
                    outbox_id,
                    holder: holder.clone(),
                });
                sent.push(channel.as_str());
            }
            tx.save_case(&case).await?;
            append_audit(
                tx.as_mut(),
                &actor,
                now,
                done,
                &case_object(case_id),
                origin,
                Outcome::Success,
                format!("{} to {}", sent.join(" + "), customer.phone.masked()),
            )
            .await?;
            tx.commit().await?;
            self.events.send_all(events);
            Ok(case)
        })
        .await
    }

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
        let found = self.case_by_session(session).await?;
        let case_id = found.case.id;
        let actor = Actor::Customer(found.case.customer_id);
        let result = self
            .audited(
                &actor,
                "case.verify",
                &case_object(case_id),
                origin,
                async {
                    let package = self
                        .store
                        .package(case_id)
                        .await?
                        .ok_or(ProcessorError::NotFound("package"))?;
                    let matched = self.credentials_match(&package, upload).await?;
                    self.decide(case_id, &actor, matched, origin).await
                },
            )
            .await;
        result.map_err(for_customer)
    }

    async fn credentials_match(&self, package: &Package, upload: CredentialUpload) -> Result<bool> {
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
                self.hashing
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

    async fn decide(
        &self,
        case_id: CaseId,
        actor: &Actor,
        matched: bool,
        origin: &str,
    ) -> Result<VerifyOutcome> {
        let now = self.now();
        let limits = &self.config.limits;
        let mut tx = self.store.begin().await?;
        let mut case = lock_case(tx.as_mut(), case_id).await?.case;
        if case.is_expired_at(now) {
            return self.expire_in(tx, case, now).await;
        }
        case.check_can_verify(now, limits)?;
        // Rows are locked before the first audit append takes the chain's
        // lock, in the same order everywhere (case, card, customer, chain),
        // so two transactions can never wait on each other. The customer's
        // lock holds their allowance still while this upload is decided:
        // uploads to two of their cases at once are counted one by one.
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
            self.events.send_all(vec![Event::CaseChanged {
                case_id,
                state: case.state,
            }]);
            return Err(ProcessorError::Locked);
        }
        if !matched {
            let customer_limit = prior_failures + 1 >= limits.failures_per_customer;
            let outcome = case.record_failure(now, limits, customer_limit)?;
            tx.record_credential_failure(case.customer_id, case_id, now)
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
            self.events.send_all(events);
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
            self.events.send_all(events);
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
        self.events.send_all(events);
        Ok(outcome)
    }

    /// A supervisor approves a verified case that needs it; the card is
    /// unfrozen in the same transaction (maker-checker).
    pub async fn approve(
        &self,
        supervisor: &StaffMember,
        case_id: CaseId,
        origin: &str,
    ) -> Result<UnfreezeCase> {
        let actor = Actor::Staff(supervisor.clone());
        self.audited(
            &actor,
            "case.approve",
            &case_object(case_id),
            origin,
            async {
                let now = self.now();
                let mut tx = self.store.begin().await?;
                let mut verified = lock_case(tx.as_mut(), case_id).await?.case;
                let mut case = verified.clone();
                case.approve(now, supervisor)?;
                check_not_maker(tx.as_mut(), &case, supervisor).await?;
                // Case, then card, then the audit chain: the one lock order.
                let card = tx
                    .lock_card(case.card_id)
                    .await?
                    .ok_or(ProcessorError::NotFound("card"))?;
                let mut events = Vec::new();
                // Checked before the approval is recorded: a verified case
                // may be cancelled, an approved one only unfrozen.
                if let Some(refusal) = self
                    .cancel_unless_lifts(
                        tx.as_mut(),
                        &mut verified,
                        &card,
                        &actor,
                        origin,
                        now,
                        &mut events,
                    )
                    .await?
                {
                    tx.commit().await?;
                    self.events.send_all(events);
                    return Err(refusal.into());
                }
                append_audit(
                    tx.as_mut(),
                    &actor,
                    now,
                    "case.approved",
                    &case_object(case_id),
                    origin,
                    Outcome::Success,
                    format!("opened by {}", case.opened_by),
                )
                .await?;
                self.unfreeze_in(
                    tx.as_mut(),
                    &mut case,
                    card,
                    &actor,
                    origin,
                    now,
                    &mut events,
                )
                .await?;
                tx.save_case(&case).await?;
                tx.commit().await?;
                events.insert(
                    0,
                    Event::CaseChanged {
                        case_id,
                        state: case.state,
                    },
                );
                self.events.send_all(events);
                Ok(case)
            },
        )
        .await
    }

    /// A supervisor refuses the unfreeze of a verified case.
    pub async fn reject(
        &self,
        supervisor: &StaffMember,
        case_id: CaseId,
        why: &str,
        origin: &str,
    ) -> Result<UnfreezeCase> {
        let actor = Actor::Staff(supervisor.clone());
        self.simple_step(
            &actor,
            case_id,
            origin,
            "case.reject",
            "case.rejected",
            why,
            Some(supervisor),
            |case, now| case.reject(now, supervisor),
        )
        .await
    }

    /// An agent cancels an open case.
    pub async fn cancel(
        &self,
        staff: &StaffMember,
        case_id: CaseId,
        why: &str,
        origin: &str,
    ) -> Result<UnfreezeCase> {
        let actor = Actor::Staff(staff.clone());
        self.simple_step(
            &actor,
            case_id,
            origin,
            "case.cancel",
            "case.cancelled",
            why,
            None,
            |case, now| case.cancel(now),
        )
        .await
    }

    /// Expires every open case whose code has run out; returns how many.
    ///
    /// Walks all open cases a page at a time: the store lists newest
    /// first, and the cases that run out first are the oldest.
    pub async fn expire_due(&self) -> Result<usize> {
        const PAGE: u32 = 500;
        let now = self.now();
        let mut expired = 0;
        let mut before_id = None;
        loop {
            let filter = carddesk_store::CaseFilter {
                states: vec![
                    CaseState::Instructed,
                    CaseState::Requested,
                    CaseState::Challenged,
                ],
                before_id,
                limit: PAGE,
                ..Default::default()
            };
            let page = self.store.cases(&filter).await?;
            for record in page.iter().filter(|r| r.case.is_expired_at(now)) {
                let mut tx = self.store.begin().await?;
                let current = lock_case(tx.as_mut(), record.case.id).await?.case;
                // Dropping the transaction of a case that moved on since
                // the listing rolls it back.
                if current.is_expired_at(now) {
                    self.expire_committed(tx, current, now).await?;
                    expired += 1;
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => before_id = Some(last.case.id.0),
                _ => return Ok(expired),
            }
        }
    }

    /// A case as stored.
    pub async fn case(&self, case_id: CaseId) -> Result<UnfreezeCase> {
        Ok(self
            .store
            .case(case_id)
            .await?
            .ok_or(ProcessorError::NotFound("case"))?
            .case)
    }

    /// A case's timeline: its audit entries in order.
    pub async fn timeline(&self, case_id: CaseId) -> Result<Vec<AuditRecord>> {
        Ok(self
            .store
            .audit_entries(Some(&case_object(case_id)), 0, 1_000)
            .await?)
    }

    /// Walks the audit chain, and checks it against the latest checkpoint
    /// of its head where one is kept (see [`crate::audit_anchor`]).
    pub async fn verify_audit_chain(&self) -> Result<ChainReport> {
        match &self.config.audit_anchor {
            Some(path) => self.verify_audit_anchored(path).await,
            None => Ok(self.store.verify_audit_chain().await?),
        }
    }

    /// The outbox's instructions, opened: what the demo's customer phone
    /// shows. Only the in-process desk offers this; a deployed server hands
    /// the outbox to the gateways instead.
    pub async fn local_outbox(&self, limit: u32) -> Result<Vec<LocalInstruction>> {
        let mut out = Vec::new();
        for m in self.store.outbox(None, limit).await? {
            let body = self
                .keys
                .open(Purpose::Instruction, &m.message.body_sealed)?;
            out.push(LocalInstruction {
                id: m.id,
                case_id: m.message.case_id,
                channel: m.message.channel,
                recipient: m.message.recipient,
                language: m.message.language,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
        Ok(out)
    }

    /// Whether `session` is a customer's case session this processor gave
    /// out: what a transport checks before it replays a stored answer.
    pub async fn customer_session_exists(&self, session: &SecretString) -> Result<bool> {
        match self.case_by_session(session).await {
            Ok(_) => Ok(true),
            Err(ProcessorError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn case_by_session(&self, session: &SecretString) -> Result<CaseRecord> {
        let digest = self
            .keys
            .digest(Purpose::Session, session.expose_secret().as_bytes());
        self.store
            .case_by_session_digest(&digest)
            .await?
            .ok_or(ProcessorError::NotFound("session"))
    }

    /// Unfreezes the case's card (locked by the caller) inside `tx`: the card's
    /// status, its transition record, the case's final move and the audit entry.
    #[allow(clippy::too_many_arguments)] // The transaction, what moves, and the audit fields.
    async fn unfreeze_in(
        &self,
        tx: &mut dyn Tx,
        case: &mut UnfreezeCase,
        card: Card,
        actor: &Actor,
        origin: &str,
        now: DateTime<Utc>,
        events: &mut Vec<Event>,
    ) -> Result<()> {
        // The callers cancel such a case before moving it on
        // ([`Self::cancel_unless_lifts`]); this keeps any other path from
        // lifting a freeze the case was not opened for.
        case.check_lifts(&card)?;
        let transition =
            CardTransition::new(card.id, &card.status, &CardStatus::Active, actor, now)?;
        tx.set_card_status(&CardStatus::Active, &transition).await?;
        case.unfreeze(now)?;
        append_audit(
            tx,
            actor,
            now,
            "card.unfrozen",
            &case_object(case.id),
            origin,
            Outcome::Success,
            format!(
                "card {} unfrozen, lifting {}",
                card.id.0,
                case.reason.as_str()
            ),
        )
        .await?;
        events.push(Event::CardChanged {
            card_id: card.id,
            status: CardStatus::Active.kind(),
        });
        Ok(())
    }

    /// Cancels `case` inside `tx` when its card (locked by the caller, after
    /// the case) is no longer frozen for the reason the case was opened
    /// for: frozen again by court order, say, or unfrozen at a branch. The
    /// card stays as it is. Returns the refusal for the caller to commit
    /// and report; `None` when the case may go on to lift the freeze.
    #[allow(clippy::too_many_arguments)] // The transaction, what moves, and the audit fields.
    async fn cancel_unless_lifts(
        &self,
        tx: &mut dyn Tx,
        case: &mut UnfreezeCase,
        card: &Card,
        actor: &Actor,
        origin: &str,
        now: DateTime<Utc>,
        events: &mut Vec<Event>,
    ) -> Result<Option<CaseError>> {
        let Err(refusal) = case.check_lifts(card) else {
            return Ok(None);
        };
        case.cancel(now)?;
        tx.save_case(case).await?;
        append_audit(
            tx,
            actor,
            now,
            "case.cancelled",
            &case_object(case.id),
            origin,
            Outcome::Success,
            refusal.to_string(),
        )
        .await?;
        events.push(Event::CaseChanged {
            case_id: case.id,
            state: case.state,
        });
        Ok(Some(refusal))
    }

    /// Expires a case inside `tx`, commits, and reports the expiry to the
    /// customer who ran into it.
    async fn expire_in<T>(
        &self,
        tx: Box<dyn Tx>,
        case: UnfreezeCase,
        now: DateTime<Utc>,
    ) -> Result<T> {
        self.expire_committed(tx, case, now).await?;
        Err(ProcessorError::Expired)
    }

    /// Expires a case inside `tx` and commits.
    async fn expire_committed(
        &self,
        mut tx: Box<dyn Tx>,
        mut case: UnfreezeCase,
        now: DateTime<Utc>,
    ) -> Result<()> {
        case.expire(now)?;
        tx.save_case(&case).await?;
        append_audit(
            tx.as_mut(),
            &Actor::System,
            now,
            "case.expired",
            &case_object(case.id),
            "system",
            Outcome::Success,
            "the one-time code outlived its lifetime".to_owned(),
        )
        .await?;
        tx.commit().await?;
        self.events.send_all(vec![Event::CaseChanged {
            case_id: case.id,
            state: case.state,
        }]);
        Ok(())
    }

    /// A step that is one domain move and its audit entry; a `checker`'s
    /// step is refused when they also took one of the case's (maker-checker).
    #[allow(clippy::too_many_arguments)] // The audit fields, the move and its name.
    async fn simple_step(
        &self,
        actor: &Actor,
        case_id: CaseId,
        origin: &str,
        attempt: &str,
        done: &str,
        why: &str,
        checker: Option<&StaffMember>,
        apply: impl FnOnce(
            &mut UnfreezeCase,
            DateTime<Utc>,
        ) -> Result<carddesk_domain::case::CaseTransition, CaseError>
        + Send,
    ) -> Result<UnfreezeCase> {
        self.audited(actor, attempt, &case_object(case_id), origin, async {
            let now = self.now();
            let mut tx = self.store.begin().await?;
            let record = lock_case(tx.as_mut(), case_id).await?;
            if let Actor::Staff(staff) = actor {
                ensure_case_holder(staff, &record)?;
            }
            let mut case = record.case;
            apply(&mut case, now)?;
            if let Some(checker) = checker {
                check_not_maker(tx.as_mut(), &case, checker).await?;
            }
            tx.save_case(&case).await?;
            append_audit(
                tx.as_mut(),
                actor,
                now,
                done,
                &case_object(case_id),
                origin,
                Outcome::Success,
                why.chars().take(500).collect(),
            )
            .await?;
            tx.commit().await?;
            self.events.send_all(vec![Event::CaseChanged {
                case_id,
                state: case.state,
            }]);
            Ok(case)
        })
        .await
    }

    /// Runs a step; when the rules refuse it, records the refusal in the
    /// audit log (in a transaction of its own, since the step's was rolled
    /// back) before passing the error on.
    pub(crate) async fn audited<T>(
        &self,
        actor: &Actor,
        action: &str,
        object: &str,
        origin: &str,
        step: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let result = step.await;
        if let Err(e) = &result
            && is_refusal(e)
        {
            self.audit_alone(
                actor,
                action,
                object,
                origin,
                Outcome::Refused,
                e.to_string(),
            )
            .await?;
        }
        result
    }
}

/// Locks a case for a step by `staff`, refusing a case another agent holds.
async fn locked_for(tx: &mut dyn Tx, id: CaseId, staff: &StaffMember) -> Result<UnfreezeCase> {
    Ok(locked_record_for(tx, id, staff).await?.case)
}

/// [`locked_for`], with whose case it is.
async fn locked_record_for(tx: &mut dyn Tx, id: CaseId, staff: &StaffMember) -> Result<CaseRecord> {
    let record = lock_case(tx, id).await?;
    ensure_case_holder(staff, &record)?;
    Ok(record)
}

/// The audit entries whose actor took a step of the case, besides its
/// opener: packaging it, and sending or resending the instructions.
const MAKER_STEPS: [&str; 3] = ["case.packaged", "case.instructed", "case.reinstructed"];

/// Refuses `checker` if they opened the case or took any of its
/// [`MAKER_STEPS`]. Read in the deciding transaction, which holds the
/// case's lock, as every maker step does when it writes its entry.
async fn check_not_maker(
    tx: &mut dyn Tx,
    case: &UnfreezeCase,
    checker: &StaffMember,
) -> Result<()> {
    let steps = tx
        .audit_actors(&case_object(case.id), Outcome::Success)
        .await?;
    let makers = steps
        .iter()
        .filter(|(action, _)| MAKER_STEPS.contains(&action.as_str()))
        .map(|(_, actor)| actor.as_str());
    case.check_not_maker(
        checker,
        std::iter::once(case.opened_by.as_str()).chain(makers),
    )?;
    Ok(())
}

async fn lock_case(tx: &mut dyn Tx, id: CaseId) -> Result<CaseRecord> {
    tx.lock_case(id)
        .await?
        .ok_or(ProcessorError::NotFound("case"))
}
