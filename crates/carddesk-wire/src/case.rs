//! Unfreeze cases: what the agent sees and asks of them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::customer::{Credential, FreezeReason};

crate::mirror_enum! {
    /// Where a case stands.
    CaseState <=> carddesk_domain::CaseState {
        Marked, Packaged, Instructed, Requested, Challenged, Verified, Approved,
        Unfrozen, Locked, Expired, Cancelled, Rejected
    }
}

/// A case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseDto {
    /// Id.
    pub id: i64,
    /// The card it unfreezes.
    pub card_id: i64,
    /// The card's customer.
    pub customer_id: i64,
    /// The freeze it lifts.
    pub reason: FreezeReason,
    /// State.
    pub state: CaseState,
    /// Failed verifications so far.
    pub failed_attempts: u32,
    /// Verifications left before the case locks.
    pub attempts_left: u32,
    /// Whether a supervisor must approve.
    pub needs_approval: bool,
    /// What the customer is asked.
    pub credentials: Vec<Credential>,
    /// Who opened it (`agent:alice`).
    pub opened_by: String,
    /// Whose case it is now (the opener, or whom a supervisor reassigned
    /// it to).
    pub assigned_to: String,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When the code expires (once instructed).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Which channels carry the instructions. At least one must be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstructRequest {
    /// A text message.
    pub text: bool,
    /// A voice prompt.
    pub voice: bool,
}

/// Why a case is cancelled or rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    /// 1 to 500 characters, no control characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Whom a supervisor gives a case to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignRequest {
    /// The agent's sign-in name.
    #[schema(min_length = 1, max_length = 64)]
    pub username: String,
}

/// What the customer will receive, before it is sent: the text in the
/// customer's language with the code hidden, and what they will be asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InstructionPreview {
    /// The customer's language (`zh-CN`, `en`).
    pub language: String,
    /// The text message, the code shown as `•••••-•••••`.
    pub text: String,
    /// The voice prompt's words, the code hidden likewise.
    pub voice: String,
    /// What the customer will be asked for.
    pub credentials: Vec<Credential>,
    /// Minutes the code will live.
    pub lifetime_minutes: u32,
}

/// A page of the queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// Comma-separated states.
    pub state: Option<String>,
    /// Only cases opened by this actor (`agent:alice`).
    pub opened_by: Option<String>,
    /// Only cases opened more than this many minutes ago (against an SLA).
    #[param(maximum = 525600)]
    pub older_than_minutes: Option<u32>,
    /// Keyset pagination: the `next` of the previous page.
    pub before: Option<i64>,
    /// Page size, 1 to 200 (50 by default).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `before` (queue) or `after` (audit) for the next page;
    /// absent on the last one.
    pub next: Option<i64>,
}
