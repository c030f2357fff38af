//! Lifting the freeze: the card unfrozen with the case, or the case cancelled when the freeze is no longer the one it was opened for.

use carddesk_domain::card::CardTransition;
use carddesk_domain::case::{CaseError, UnfreezeCase};
use carddesk_domain::{Actor, Card, CardStatus};
use carddesk_store::{Outcome, Tx};
use chrono::{DateTime, Utc};

use super::case_object;
use crate::{Event, Processor, Result, append_audit};

impl Processor {
    /// Unfreezes the case's card (locked by the caller) inside `tx`: the card's
    /// status, its transition record, the case's final move and the audit entry.
    #[allow(clippy::too_many_arguments)] // The transaction, what moves, and the audit fields.
    pub(super) async fn unfreeze_in(
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
    pub(super) async fn cancel_unless_lifts(
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
}
