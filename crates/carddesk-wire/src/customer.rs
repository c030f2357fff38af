//! Customers and cards as the agent sees them: card and ID numbers masked.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::CaseDto;

crate::mirror_enum! {
    /// A card's status.
    CardStatus <=> carddesk_domain::CardStatusKind { Active, Frozen, Lost, Stolen, Closed }
}

crate::mirror_enum! {
    /// Why a card is frozen.
    FreezeReason <=> carddesk_domain::FreezeReason {
        WrongPinLimit, CustomerRequest, Dormant, SuspiciousTransaction, RiskReview, CourtOrder
    }
}

crate::mirror_enum! {
    /// What a customer is asked to prove.
    Credential <=> carddesk_domain::Credential { IdNumber, TransactionPassword }
}

/// What the policy says about a frozen card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RemoteUnfreezeDto {
    /// Whether a remote unfreeze is possible at all.
    pub allowed: bool,
    /// What the customer will be asked for.
    pub credentials: Vec<Credential>,
    /// Whether a supervisor must approve.
    pub supervisor_approval: bool,
}

/// A card, masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CardDto {
    /// Id.
    pub id: i64,
    /// BIN and last four, the rest masked.
    #[schema(max_length = 19)]
    pub masked_number: String,
    /// Product name.
    pub product: String,
    /// Status.
    pub status: CardStatus,
    /// Why frozen (frozen cards only).
    pub freeze_reason: Option<FreezeReason>,
    /// Since when (frozen cards only).
    pub frozen_since: Option<DateTime<Utc>>,
    /// The policy for its freeze (frozen cards only).
    pub remote_unfreeze: Option<RemoteUnfreezeDto>,
}

/// A customer and their cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomerDto {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `resident_id` or `passport`.
    pub document_kind: String,
    /// Document number, masked.
    pub document_masked: String,
    /// Phone, masked.
    pub phone_masked: String,
    /// Language for messages (`zh-CN`, `en`).
    pub language: String,
    /// Cards.
    pub cards: Vec<CardDto>,
}

/// The customer view: a customer, every card, and their open cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomerView {
    /// The customer and cards.
    pub customer: CustomerDto,
    /// Cases not yet finished, newest first.
    pub open_cases: Vec<CaseDto>,
    /// How the customer's virtual cards came to be (issued, by which
    /// route, by whom), one per such card.
    pub virtual_cards: Vec<crate::VirtualCardDto>,
}

/// One change of a card's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransitionDto {
    /// Status before.
    pub from: CardStatus,
    /// Status after.
    pub to: CardStatus,
    /// Freeze reason, when frozen.
    pub reason: Option<FreezeReason>,
    /// `agent`, `customer` or `system`.
    pub channel: String,
    /// Who.
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
}
