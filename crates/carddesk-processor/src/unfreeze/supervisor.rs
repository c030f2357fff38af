//! The supervisor's and agent's decisions on an open case: approve, reject, cancel; maker-checker.

use carddesk_domain::case::{CaseId, UnfreezeCase};
use carddesk_domain::{Actor, StaffMember};
use carddesk_store::{Outcome, Tx};

use super::{case_object, lock_case};
use crate::{Event, Processor, ProcessorError, Result, append_audit};

impl Processor {
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
                let mut tx = self.inner.store.begin().await?;
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
                    self.inner.events.send_all(events);
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
                self.inner.events.send_all(events);
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
}

/// The audit entries whose actor took a step of the case, besides its
/// opener: packaging it, and sending or resending the instructions.
const MAKER_STEPS: [&str; 3] = ["case.packaged", "case.instructed", "case.reinstructed"];

/// Refuses `checker` if they opened the case or took any of its
/// [`MAKER_STEPS`]. Read in the deciding transaction, which holds the
/// case's lock, as every maker step does when it writes its entry.
pub(super) async fn check_not_maker(
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
