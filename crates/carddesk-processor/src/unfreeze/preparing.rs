//! The agent's first three steps as work inside a transaction the caller
//! holds: [`super::agent`] runs each in a transaction of its own, or all
//! three in one (`Processor::mark_package_send`).

use carddesk_domain::case::{CaseError, UnfreezeCase};
use carddesk_domain::{Card, CardId, Customer};
use carddesk_store::{
    NewOutboxMessage, OutboxChannel, OutboxSubject, Outcome, Package, StoreError, Tx,
};
use secrecy::ExposeSecret;

use super::agent::{StepBy, case_changed};
use super::{Sending, case_object};
use crate::instructions::{self, Channels, InstructionFacts};
use crate::keyring::Purpose;
use crate::{Event, Processor, ProcessorError, Result, append_audit};

impl Processor {
    /// Step 1 inside `tx`: the card locked, the case opened and audited;
    /// the case, and the card as it was locked.
    pub(super) async fn mark_in(
        &self,
        tx: &mut dyn Tx,
        by: &StepBy<'_>,
        card_id: CardId,
    ) -> Result<(UnfreezeCase, Card)> {
        let card = tx
            .lock_card(card_id)
            .await?
            .ok_or(ProcessorError::NotFound("card"))?;
        let mut case = match card.status.freeze_reason() {
            Some(reason) => {
                UnfreezeCase::open(&card, self.inner.policy.rule(reason), by.staff, by.now)?
            }
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
        Ok((case, card))
    }

    /// Step 2 inside `tx`, on a case the caller locked: the package stored
    /// and audited. The caller saves the case (once, when a step follows in
    /// the same transaction).
    pub(super) async fn package_in(
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
    /// is; `last_four`: its card's): a fresh code, the messages queued in
    /// the outbox in the customer's language, the case moved and audited.
    /// Returns the events to send after the commit.
    #[allow(clippy::too_many_arguments)] // The transaction, the step, what it sends and to whom.
    pub(super) async fn instruct_in(
        &self,
        tx: &mut dyn Tx,
        by: &StepBy<'_>,
        case: &mut UnfreezeCase,
        holder: String,
        (customer, last_four): (&Customer, &str),
        channels: Channels,
        sending: Sending,
    ) -> Result<Vec<Event>> {
        let (now, limits) = (by.now, &self.inner.config.limits);
        match sending {
            Sending::First => case.instruct(now, limits).map(|_| ())?,
            Sending::Again => case.reinstruct(now, limits)?,
        }
        let case_id = case.id;
        let language = customer.language.clone();
        let code = instructions::new_code();
        let canonical = instructions::normalize_code(code.expose_secret())
            .unwrap_or_else(|| unreachable!("generated codes are well formed"));
        tx.set_case_code(
            case_id,
            &self
                .inner
                .keys
                .digest(Purpose::CaseCode, canonical.as_bytes()),
        )
        .await?;
        let facts = InstructionFacts {
            last_four,
            code: &code,
            link_base: &self.inner.config.link_base,
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
                    subject: OutboxSubject::Case(case_id),
                    channel,
                    recipient: customer.phone.as_str().to_owned(),
                    language: language.clone(),
                    body_sealed: self.inner.keys.seal(Purpose::Instruction, body.as_bytes()),
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
