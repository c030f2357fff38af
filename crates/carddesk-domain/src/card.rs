//! Cards, their statuses and the record of every status change.

use std::fmt;

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::customer::CustomerId;
use crate::{Actor, luhn, mask};

/// A card's identifier in the bank's records (not its number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CardId(pub i64);

/// Why a card was frozen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FreezeReason {
    /// Too many wrong PIN entries.
    WrongPinLimit,
    /// The customer asked for it.
    CustomerRequest,
    /// No use for a long time.
    Dormant,
    /// A transaction looked fraudulent.
    SuspiciousTransaction,
    /// The bank's risk team is reviewing the account.
    RiskReview,
    /// A court or regulator ordered it.
    CourtOrder,
}

impl FreezeReason {
    /// Every reason, in the order the policy table lists them.
    pub const ALL: [FreezeReason; 6] = [
        FreezeReason::WrongPinLimit,
        FreezeReason::CustomerRequest,
        FreezeReason::Dormant,
        FreezeReason::SuspiciousTransaction,
        FreezeReason::RiskReview,
        FreezeReason::CourtOrder,
    ];

    /// The name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            FreezeReason::WrongPinLimit => "wrong_pin_limit",
            FreezeReason::CustomerRequest => "customer_request",
            FreezeReason::Dormant => "dormant",
            FreezeReason::SuspiciousTransaction => "suspicious_transaction",
            FreezeReason::RiskReview => "risk_review",
            FreezeReason::CourtOrder => "court_order",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The status of a card. Lost, stolen and closed are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardStatus {
    /// Usable.
    Active,
    /// Blocked for a reason since a moment; may be lifted.
    Frozen {
        /// Why.
        reason: FreezeReason,
        /// Since when.
        since: DateTime<Utc>,
    },
    /// Reported lost: final.
    Lost,
    /// Reported stolen: final.
    Stolen,
    /// Closed: final.
    Closed,
}

/// The status without its details, for storage, filters and transitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardStatusKind {
    /// See [`CardStatus::Active`].
    Active,
    /// See [`CardStatus::Frozen`].
    Frozen,
    /// See [`CardStatus::Lost`].
    Lost,
    /// See [`CardStatus::Stolen`].
    Stolen,
    /// See [`CardStatus::Closed`].
    Closed,
}

impl CardStatusKind {
    /// Every kind.
    pub const ALL: [CardStatusKind; 5] = [
        CardStatusKind::Active,
        CardStatusKind::Frozen,
        CardStatusKind::Lost,
        CardStatusKind::Stolen,
        CardStatusKind::Closed,
    ];

    /// The name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            CardStatusKind::Active => "active",
            CardStatusKind::Frozen => "frozen",
            CardStatusKind::Lost => "lost",
            CardStatusKind::Stolen => "stolen",
            CardStatusKind::Closed => "closed",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Lost, stolen and closed cards never change status again.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CardStatusKind::Lost | CardStatusKind::Stolen | CardStatusKind::Closed
        )
    }
}

/// A status change the rules forbid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CardStatusError {
    /// The card is lost, stolen or closed.
    #[error("the card is {0}, a final state: it cannot change any more")]
    Final(&'static str),
    /// Only an active card can be frozen.
    #[error("the card is {0}; only an active card can be frozen")]
    NotActive(&'static str),
    /// Only a frozen card can be unfrozen.
    #[error("the card is {0}; only a frozen card can be unfrozen")]
    NotFrozen(&'static str),
}

impl CardStatus {
    /// The kind of this status.
    pub fn kind(&self) -> CardStatusKind {
        match self {
            CardStatus::Active => CardStatusKind::Active,
            CardStatus::Frozen { .. } => CardStatusKind::Frozen,
            CardStatus::Lost => CardStatusKind::Lost,
            CardStatus::Stolen => CardStatusKind::Stolen,
            CardStatus::Closed => CardStatusKind::Closed,
        }
    }

    /// The freeze reason, when frozen.
    pub fn freeze_reason(&self) -> Option<FreezeReason> {
        match self {
            CardStatus::Frozen { reason, .. } => Some(*reason),
            _ => None,
        }
    }

    /// Checks that this status may become `to`: active cards may be frozen,
    /// frozen cards unfrozen, and either may end lost, stolen or closed;
    /// final states never move.
    pub fn check_move(&self, to: &CardStatus) -> Result<(), CardStatusError> {
        let from = self.kind();
        if from.is_final() {
            return Err(CardStatusError::Final(from.as_str()));
        }
        match to.kind() {
            CardStatusKind::Frozen if from != CardStatusKind::Active => {
                Err(CardStatusError::NotActive(from.as_str()))
            }
            CardStatusKind::Active if from != CardStatusKind::Frozen => {
                Err(CardStatusError::NotFrozen(from.as_str()))
            }
            _ => Ok(()),
        }
    }
}

/// The channel a change came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// A member of staff at a console.
    Agent,
    /// The customer, on their phone.
    Customer,
    /// The processor itself.
    System,
}

impl Channel {
    /// The name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Agent => "agent",
            Channel::Customer => "customer",
            Channel::System => "system",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "agent" => Some(Channel::Agent),
            "customer" => Some(Channel::Customer),
            "system" => Some(Channel::System),
            _ => None,
        }
    }
}

/// One change of a card's status, kept so a card's history can be read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardTransition {
    /// The card.
    pub card_id: CardId,
    /// Status before.
    pub from: CardStatusKind,
    /// Status after.
    pub to: CardStatusKind,
    /// The freeze reason involved: the new one when freezing, the lifted one
    /// when unfreezing.
    pub reason: Option<FreezeReason>,
    /// Through which channel.
    pub channel: Channel,
    /// Who, as [`Actor::label`].
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
}

impl CardTransition {
    /// Builds the record of moving `card` from `from` to `to`, after checking
    /// the move is legal.
    pub fn new(
        card_id: CardId,
        from: &CardStatus,
        to: &CardStatus,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<Self, CardStatusError> {
        from.check_move(to)?;
        Ok(Self {
            card_id,
            from: from.kind(),
            to: to.kind(),
            reason: to.freeze_reason().or(from.freeze_reason()),
            channel: actor.channel(),
            actor: actor.label(),
            at,
        })
    }
}

/// A card as the bank's records hold it, without its full number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// Identifier.
    pub id: CardId,
    /// Holder.
    pub customer_id: CustomerId,
    /// The first six digits (the issuer's BIN).
    pub bin: String,
    /// The last four digits.
    pub last_four: String,
    /// How many digits the full number has.
    pub pan_length: u8,
    /// The product name ("Great Wall Debit", …).
    pub product: String,
    /// Current status.
    pub status: CardStatus,
}

impl Card {
    /// The number as an agent may see it: BIN and last four.
    pub fn masked_number(&self) -> String {
        mask::card_parts(&self.bin, &self.last_four, usize::from(self.pan_length))
    }
}

/// A full card number (PAN), checked. It is a secret: `Debug` and `Display`
/// show it masked, and the clear digits are reached through
/// [`CardNumber::expose`] alone, for encryption.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CardNumber(String);

/// A malformed card number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CardNumberError {
    /// Not 13 to 19 digits.
    #[error("a card number has 13 to 19 digits")]
    Format,
    /// The Luhn check digit does not match.
    #[error("the card number's check digit does not match")]
    CheckDigit,
}

impl CardNumber {
    /// Parses a card number; spaces and dashes are ignored.
    pub fn parse(input: &str) -> Result<Self, CardNumberError> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if !(13..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CardNumberError::Format);
        }
        if !luhn::is_valid(&digits) {
            return Err(CardNumberError::CheckDigit);
        }
        Ok(Self(digits))
    }

    /// The digits in clear.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The issuer's BIN (first six digits).
    pub fn bin(&self) -> &str {
        &self.0[..6]
    }

    /// The last four digits.
    pub fn last_four(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// The masked form.
    pub fn masked(&self) -> String {
        mask::card_number(&self.0)
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber({})", self.masked())
    }
}

impl fmt::Display for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}
