//! What crosses the wire. DTOs live at this edge only; the domain knows
//! nothing of JSON. Card and ID numbers only ever leave masked.

use carddesk_domain::case::UnfreezeCase;
use carddesk_domain::{Card, CardStatus, Customer, UnfreezePolicy};
use carddesk_store::AuditRecord;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the policy says about a frozen card.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RemoteUnfreezeDto {
    /// Whether a remote unfreeze is possible at all.
    pub allowed: bool,
    /// What the customer will be asked for.
    pub credentials: Vec<&'static str>,
    /// Whether a supervisor must approve.
    pub supervisor_approval: bool,
}

/// A card, masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CardDto {
    /// Id.
    pub id: i64,
    /// BIN and last four.
    pub masked_number: String,
    /// Product.
    pub product: String,
    /// active, frozen, lost, stolen, closed.
    pub status: &'static str,
    /// Why frozen.
    pub freeze_reason: Option<&'static str>,
    /// Since when.
    pub frozen_since: Option<DateTime<Utc>>,
    /// The policy for its freeze, when frozen.
    pub remote_unfreeze: Option<RemoteUnfreezeDto>,
}

impl CardDto {
    /// Builds the DTO, with the policy rule of a frozen card.
    pub fn new(card: &Card, policy: &UnfreezePolicy) -> Self {
        let (reason, since) = match card.status {
            CardStatus::Frozen { reason, since } => (Some(reason), Some(since)),
            _ => (None, None),
        };
        Self {
            id: card.id.0,
            masked_number: card.masked_number(),
            product: card.product.clone(),
            status: card.status.kind().as_str(),
            freeze_reason: reason.map(|r| r.as_str()),
            frozen_since: since,
            remote_unfreeze: reason.map(|r| {
                let rule = policy.rule(r);
                RemoteUnfreezeDto {
                    allowed: rule.remote_unfreeze,
                    credentials: rule.credentials.iter().map(|c| c.as_str()).collect(),
                    supervisor_approval: rule.supervisor_approval,
                }
            }),
        }
    }
}

/// A customer and their cards.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerDto {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// resident_id or passport.
    pub document_kind: &'static str,
    /// Document number, masked.
    pub document_masked: String,
    /// Phone, masked.
    pub phone_masked: String,
    /// Cards.
    pub cards: Vec<CardDto>,
}

impl CustomerDto {
    /// Builds the DTO.
    pub fn new(customer: &Customer, cards: &[Card], policy: &UnfreezePolicy) -> Self {
        Self {
            id: customer.id.0,
            name: customer.name.clone(),
            document_kind: customer.document_kind.as_str(),
            document_masked: customer.document_masked.clone(),
            phone_masked: customer.phone.masked(),
            cards: cards.iter().map(|c| CardDto::new(c, policy)).collect(),
        }
    }
}

/// A case.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CaseDto {
    /// Id.
    pub id: i64,
    /// Card.
    pub card_id: i64,
    /// Customer.
    pub customer_id: i64,
    /// Freeze reason.
    pub reason: String,
    /// State.
    pub state: String,
    /// Failed verifications.
    pub failed_attempts: u32,
    /// Whether a supervisor must approve.
    pub needs_approval: bool,
    /// What the customer is asked.
    pub credentials: Vec<String>,
    /// Who opened it.
    pub opened_by: String,
    /// When.
    pub opened_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When the code expires.
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<&UnfreezeCase> for CaseDto {
    fn from(c: &UnfreezeCase) -> Self {
        Self {
            id: c.id.0,
            card_id: c.card_id.0,
            customer_id: c.customer_id.0,
            reason: c.reason.as_str().to_owned(),
            state: c.state.as_str().to_owned(),
            failed_attempts: c.failed_attempts,
            needs_approval: c.needs_approval,
            credentials: c
                .credentials
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            opened_by: c.opened_by.clone(),
            opened_at: c.opened_at,
            updated_at: c.updated_at,
            expires_at: c.expires_at,
        }
    }
}

/// An audit entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditDto {
    /// Position in the chain.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub object: String,
    /// From where.
    pub origin: String,
    /// success, failure or refused.
    pub outcome: &'static str,
    /// Detail.
    pub detail: String,
}

impl From<&AuditRecord> for AuditDto {
    fn from(r: &AuditRecord) -> Self {
        Self {
            seq: r.seq,
            at: r.entry.at,
            actor: r.entry.actor.clone(),
            action: r.entry.action.clone(),
            object: r.entry.object.clone(),
            origin: r.entry.origin.clone(),
            outcome: r.entry.outcome.as_str(),
            detail: r.entry.detail.clone(),
        }
    }
}
