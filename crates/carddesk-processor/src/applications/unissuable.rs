//! What must still hold when a card is issued, checked in the transaction
//! that issues it with the person's cards locked: the card the two-card
//! route proved is still the applicant's and active (not reported lost or
//! frozen since), and none of the person's cards is frozen by a court or
//! regulator order (the transit service's rule at submission, which must
//! hold at issue too, on both routes). When either fails the application
//! is rejected, audited with the reason, and the applicant told only that
//! it could not be completed.

use carddesk_domain::application::{Application, TwoCardStep};
use carddesk_domain::{Actor, CardId, CardStatus, FreezeReason};
use carddesk_store::{Applicant, OutboxSubject, Outcome, Tx};
use chrono::{DateTime, Utc};

use super::two_card::queue_text;
use super::{application_object, messages};
use crate::{Processor, Result, append_audit};

/// Why a card cannot be issued, for the audit log (never the applicant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Unissuable {
    /// The card the two-card route proved is no longer the applicant's
    /// active card.
    ProvenCard {
        /// The card.
        card: CardId,
        /// What it is now.
        now: &'static str,
    },
    /// One of the person's cards is frozen by a court or regulator order.
    CourtOrder {
        /// The card.
        card: CardId,
    },
}

impl Unissuable {
    fn detail(&self) -> String {
        match self {
            Unissuable::ProvenCard { card, now } => {
                format!("card:{} proven in the card step is {now}", card.0)
            }
            Unissuable::CourtOrder { card } => {
                format!("card:{} is frozen by a court or regulator order", card.0)
            }
        }
    }
}

impl Processor {
    /// Why the application's card cannot be issued now, if it cannot:
    /// read with every card of the person locked (in id order, as
    /// `lock_customer_cards` takes them) until `tx` ends, so what is
    /// checked cannot change before the card is issued in it.
    pub(super) async fn issue_blocker(
        &self,
        tx: &mut dyn Tx,
        application: &Application,
        applicant: &Applicant,
    ) -> Result<Option<Unissuable>> {
        // A first card's applicant may hold cards of the bank all the same
        // (a virtual card, frozen ones): the person is found by their ID.
        let customer = match application.customer_id {
            Some(customer) => Some(customer),
            None => tx
                .applicant_cards(&applicant.id_digest)
                .await?
                .map(|(customer, _)| customer),
        };
        let cards = match customer {
            Some(customer) => tx.lock_customer_cards(customer).await?,
            None => Vec::new(),
        };
        if let TwoCardStep::AwaitingCode { card, .. } = application.two_card {
            let now = match cards.iter().find(|c| c.id == card) {
                Some(c) if c.status == CardStatus::Active => None,
                Some(c) => Some(c.status.kind().as_str()),
                None => Some("not the applicant's"),
            };
            if let Some(now) = now {
                return Ok(Some(Unissuable::ProvenCard { card, now }));
            }
        }
        Ok(cards
            .iter()
            .find(|c| c.status.freeze_reason() == Some(FreezeReason::CourtOrder))
            .map(|c| Unissuable::CourtOrder { card: c.id }))
    }

    /// Rejects an application whose card cannot be issued, inside `tx`:
    /// audited with the reason, and a text that says only that it could
    /// not be completed (to the phone on file when the person is a
    /// customer, as the issue's would go). The caller commits.
    #[allow(clippy::too_many_arguments)] // The transaction, what moves, why, and the audit fields.
    pub(super) async fn reject_unissuable_in(
        &self,
        tx: &mut dyn Tx,
        application: &mut Application,
        applicant: &Applicant,
        why: &Unissuable,
        decided_by: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        application.reject(now)?;
        tx.save_application(application).await?;
        append_audit(
            tx,
            &Actor::System,
            now,
            "application.rejected",
            &application_object(application.id),
            origin,
            Outcome::Success,
            format!("no card issued (decided by {decided_by}): {}", why.detail()),
        )
        .await?;
        let phone = match application.customer_id {
            Some(customer) => self.inner.store.customer(customer).await?,
            None => None,
        }
        .map_or_else(|| applicant.phone.clone(), |c| c.phone.as_str().to_owned());
        let body = messages::not_completed_text(&applicant.language);
        let subject = OutboxSubject::ApplicationNotice(application.id);
        queue_text(self, tx, subject, &phone, &applicant.language, &body, now).await?;
        Ok(())
    }

    /// Rejects the application in `tx` when its card cannot be issued now
    /// (`issue_blocker`), and says whether it did. Each route calls it
    /// before the move that authenticates the application, since an
    /// authenticated one can only be issued or expire: the rejection is
    /// written in the transaction that decides, with the person's cards
    /// locked. The caller commits either way, and on `true` answers
    /// [`ProcessorError::NotCompleted`].
    #[allow(clippy::too_many_arguments)] // The transaction, what moves, and the audit fields.
    pub(super) async fn rejected_as_unissuable(
        &self,
        tx: &mut dyn Tx,
        application: &mut Application,
        applicant: &Applicant,
        decided_by: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let Some(why) = self.issue_blocker(tx, application, applicant).await? else {
            return Ok(false);
        };
        self.reject_unissuable_in(tx, application, applicant, &why, decided_by, origin, now)
            .await?;
        Ok(true)
    }
}
