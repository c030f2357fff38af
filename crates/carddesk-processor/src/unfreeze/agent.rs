//! The agent's steps: mark, package, send the instructions (and again),
//! each in a transaction of its own, or the first three in one
//! ([`Processor::mark_package_send`]), so a crash or a refusal between
//! them never leaves a case half-prepared.

use carddesk_domain::case::{CaseId, UnfreezeCase};
use carddesk_domain::{Actor, CardId, Customer, StaffMember};
use chrono::{DateTime, Utc};

use super::{Sending, case_object, locked_for, locked_record_for};
use crate::instructions::Channels;
use crate::{Event, Processor, ProcessorError, Result};

/// Who takes an agent's step, from where, and when: what each of its
/// audit entries names.
pub(super) struct StepBy<'a> {
    pub(super) staff: &'a StaffMember,
    pub(super) actor: Actor,
    pub(super) origin: &'a str,
    pub(super) now: DateTime<Utc>,
}

fn card_object(id: CardId) -> String {
    format!("card:{}", id.0)
}

pub(super) fn case_changed(case: &UnfreezeCase) -> Event {
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
                let mut tx = self.inner.store.begin().await?;
                let (case, _card) = self.mark_in(tx.as_mut(), &by, card_id).await?;
                tx.commit().await?;
                self.inner.events.send_all(vec![case_changed(&case)]);
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
                let mut tx = self.inner.store.begin().await?;
                let mut case = locked_for(tx.as_mut(), case_id, staff).await?;
                self.package_in(tx.as_mut(), &by, &mut case).await?;
                tx.save_case(&case).await?;
                tx.commit().await?;
                self.inner.events.send_all(vec![case_changed(&case)]);
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
                // Read before the transaction, as `recipient` says why.
                let customer = self
                    .inner
                    .store
                    .customer_of_card(card_id)
                    .await?
                    .ok_or(ProcessorError::NotFound("card"))?;
                let mut tx = self.inner.store.begin().await?;
                let (mut case, card) = self.mark_in(tx.as_mut(), &by, card_id).await?;
                // Packaged and instructed in this transaction: the case is
                // saved once, by the last step.
                self.package_in(tx.as_mut(), &by, &mut case).await?;
                let holder = by.actor.label();
                let events = self
                    .instruct_in(
                        tx.as_mut(),
                        &by,
                        &mut case,
                        holder,
                        (&customer, &card.last_four),
                        channels,
                        Sending::First,
                    )
                    .await?;
                tx.commit().await?;
                self.inner.events.send_all(events);
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
                .inner
                .store
                .case(case_id)
                .await?
                .ok_or(ProcessorError::NotFound("case"))?
                .case
                .customer_id;
            let customer = self.recipient(customer_id).await?;
            let mut tx = self.inner.store.begin().await?;
            let record = locked_record_for(tx.as_mut(), case_id, staff).await?;
            let mut case = record.case;
            let card = tx
                .lock_card(case.card_id)
                .await?
                .ok_or(ProcessorError::NotFound("card"))?;
            let events = self
                .instruct_in(
                    tx.as_mut(),
                    &by,
                    &mut case,
                    record.assigned_to,
                    (&customer, &card.last_four),
                    channels,
                    sending,
                )
                .await?;
            tx.commit().await?;
            self.inner.events.send_all(events);
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
        self.inner
            .store
            .customer(customer_id)
            .await?
            .ok_or(ProcessorError::NotFound("customer"))
    }
}
