//! The agent's steps: mark, package, send the instructions (and again),
//! each in a transaction of its own, or the first three in one
//! ([`Processor::mark_package_send`]), so a crash or a refusal between
//! them never leaves a case half-prepared.

use carddesk_domain::case::{CaseError, CaseId, UnfreezeCase};
use carddesk_domain::{Actor, CardId, Customer, StaffMember};
use carddesk_store::{NewOutboxMessage, OutboxChannel, Outcome, Package, StoreError, Tx};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;

use super::{Sending, case_object, locked_for, locked_record_for};
use crate::instructions::{self, Channels, InstructionFacts};
use crate::keyring::Purpose;
use crate::{Event, Processor, ProcessorError, Result, append_audit};

/// Who takes an agent's step, from where, and when: what each of its
/// audit entries names.
struct StepBy<'a> {
    staff: &'a StaffMember,
    actor: Actor,
    origin: &'a str,
    now: DateTime<Utc>,
}

fn card_object(id: CardId) -> String {
    format!("card:{}", id.0)
}

fn case_changed(case: &UnfreezeCase) -> Event {
    Event::CaseChanged {
        case_id: case.id,
        state: case.state,
    }
}

fn check_channels(channels: Channels) -> Result<()> {
    if channels.text || channels.voice {
        Ok(())
    } else {
        Err(ProcessorError::InvalidInput(
            "choose text, voice or both to send the instructions".to_owned(),
        ))
    }
}

impl Processor {
    fn step_by<'a>(&self, staff: &'a StaffMember, origin: &'a str) -> StepBy<'a> {
        StepBy {
            staff,
            actor: Actor::Staff(staff.clone()),
            origin,
            now: self.now(),
        }
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
        let by = self.step_by(staff, origin);
        self.audited(
            &by.actor,
            "case.mark",
            &card_object(card_id),
            origin,
            async {
                let mut tx = self.store.begin().await?;
                let case = self.mark_in(tx.as_mut(), &by, card_id).await?;
                tx.commit().await?;
                self.events.send_all(vec![case_changed(&case)]);
                Ok(case)
            },
        )
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
        let by = self.step_by(staff, origin);
        self.audited(
            &by.actor,
            "case.package",
            &case_object(case_id),
            origin,
            async {
                let mut tx = self.store.begin().await?;
                let mut case = locked_for(tx.as_mut(), case_id, staff).await?;
                self.package_in(tx.as_mut(), &by, &mut case).await?;
                tx.commit().await?;
                self.events.send_all(vec![case_changed(&case)]);
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

    /// Steps 1 to 3 as one unit of work: the card marked, the case
    /// packaged and the instructions queued in one transaction, with the
    /// three steps' audit entries. Either all of it happens or none: a
    /// refusal, a lost database or a crash leaves no case behind that an
    /// agent would have to find and finish by hand.
    pub async fn mark_package_send(
        &self,
        staff: &StaffMember,
        card_id: CardId,
        channels: Channels,
        origin: &str,
    ) -> Result<UnfreezeCase> {
        check_channels(channels)?;
        let by = self.step_by(staff, origin);
        self.audited(
            &by.actor,
            "case.mark",
            &card_object(card_id),
            origin,
            async {
                let customer_id = self
                    .store
                    .card(card_id)
                    .await?
                    .ok_or(ProcessorError::NotFound("card"))?
                    .customer_id;
                let customer = self.recipient(customer_id).await?;
                let mut tx = self.store.begin().await?;
                let mut case = self.mark_in(tx.as_mut(), &by, card_id).await?;
                self.package_in(tx.as_mut(), &by, &mut case).await?;
                let holder = by.actor.label();
                let events = self
                    .instruct_in(
                        tx.as_mut(),
                        &by,
                        &mut case,
                        holder,
                        &customer,
                        channels,
                        Sending::First,
                    )
                    .await?;
                tx.commit().await?;
                self.events.send_all(events);
                Ok(case)
            },
        )
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
        check_channels(channels)?;
        let by = self.step_by(staff, origin);
        let attempt = match sending {
            Sending::First => "case.instruct",
            Sending::Again => "case.resend",
        };
        self.audited(&by.actor, attempt, &case_object(case_id), origin, async {
            let customer_id = self
                .store
                .case(case_id)
                .await?
                .ok_or(ProcessorError::NotFound("case"))?
                .case
                .customer_id;
            let customer = self.recipient(customer_id).await?;
            let mut tx = self.store.begin().await?;
            let record = locked_record_for(tx.as_mut(), case_id, staff).await?;
            let mut case = record.case;
            let events = self
                .instruct_in(
                    tx.as_mut(),
                    &by,
                    &mut case,
                    record.assigned_to,
                    &customer,
                    channels,
                    sending,
                )
                .await?;
            tx.commit().await?;
            self.events.send_all(events);
            Ok(case)
        })
        .await
    }

    /// The customer the instructions go to, read before the step's
    /// transaction starts: a step that waits on the pool while holding its
    /// transaction's connection starves the pool once as many agents
    /// instruct at once as it has connections (PostgreSQL), or times out
    /// behind the writers queued on SQLite's write lock. A case's or a
    /// card's customer never changes, so reading it unlocked is safe.
    async fn recipient(&self, customer_id: carddesk_domain::CustomerId) -> Result<Customer> {
        self.store
            .customer(customer_id)
            .await?
            .ok_or(ProcessorError::NotFound("customer"))
    }

    /// Step 1 inside `tx`: the card locked, the case opened and audited.
    async fn mark_in(
        &self,
        tx: &mut dyn Tx,
        by: &StepBy<'_>,
        card_id: CardId,
    ) -> Result<UnfreezeCase> {
        let card = tx
            .lock_card(card_id)
            .await?
            .ok_or(ProcessorError::NotFound("card"))?;
        let mut case = match card.status.freeze_reason() {
            Some(reason) => UnfreezeCase::open(&card, self.policy.rule(reason), by.staff, by.now)?,
            None => return Err(CaseError::CardNotFrozen(card.status.kind().as_str()).into()),
        };
        case.id = tx.insert_case(&case).await.map_err(|e| match e {
            StoreError::Conflict(_) => ProcessorError::CaseAlreadyOpen,
            other => other.into(),
        })?;
        append_audit(
            tx,
            &by.actor,
            by.now,
            "case.marked",
            &case_object(case.id),
            by.origin,
            Outcome::Success,
            format!("card {} frozen for {}", card.id.0, case.reason.as_str()),
        )
        .await?;
        Ok(case)
    }

    /// Step 2 inside `tx`, on a case the caller locked: the package stored
    /// and audited.
    async fn package_in(
        &self,
        tx: &mut dyn Tx,
        by: &StepBy<'_>,
        case: &mut UnfreezeCase,
    ) -> Result<()> {
        case.package(by.now)?;
        let card = tx
            .card_secrets(case.card_id)
            .await?
            .ok_or(ProcessorError::NotFound("card"))?;
        let holder = tx
            .customer_secrets(case.customer_id)
            .await?
            .ok_or(ProcessorError::NotFound("customer"))?;
        tx.insert_package(&Package {
            case_id: case.id,
            card_id: case.card_id,
            pan_sealed: card.pan_sealed,
            id_digest: holder.id_digest,
            id_sealed: holder.id_sealed,
            password_hash: card.password_hash,
            credentials: case.credentials.clone(),
            created_at: by.now,
        })
        .await?;
        tx.save_case(case).await?;
        let asked: Vec<&str> = case.credentials.iter().map(|c| c.as_str()).collect();
        append_audit(
            tx,
            &by.actor,
            by.now,
            "case.packaged",
            &case_object(case.id),
            by.origin,
            Outcome::Success,
            format!("asks {}", asked.join(" + ")),
        )
        .await?;
        Ok(())
    }

    /// Step 3 inside `tx`, on a case the caller locked (`holder`: whose it
    /// is): a fresh code, the messages queued in the outbox, the case moved
    /// and audited. Returns the events to send after the commit.
    #[allow(clippy::too_many_arguments)] // The transaction, the step, what it sends and to whom.
    async fn instruct_in(
        &self,
        tx: &mut dyn Tx,
        by: &StepBy<'_>,
        case: &mut UnfreezeCase,
        holder: String,
        customer: &Customer,
        channels: Channels,
        sending: Sending,
    ) -> Result<Vec<Event>> {
        let (now, limits) = (by.now, &self.config.limits);
        match sending {
            Sending::First => case.instruct(now, limits).map(|_| ())?,
            Sending::Again => case.reinstruct(now, limits)?,
        }
        let case_id = case.id;
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
        let mut events = vec![case_changed(case)];
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
        tx.save_case(case).await?;
        let done = match sending {
            Sending::First => "case.instructed",
            Sending::Again => "case.reinstructed",
        };
        append_audit(
            tx,
            &by.actor,
            now,
            done,
            &case_object(case_id),
            by.origin,
            Outcome::Success,
            format!("{} to {}", sent.join(" + "), customer.phone.masked()),
        )
        .await?;
        Ok(events)
    }
}
