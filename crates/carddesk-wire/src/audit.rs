//! The audit log as supervisors read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How an audited attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It happened.
    Success,
    /// It was tried and failed (a wrong credential).
    Failure,
    /// The rules said no.
    Refused,
}

/// An audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditDto {
    /// Position in the chain.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// What (`case.marked`, `customer.searched`).
    pub action: String,
    /// On what (`case:12`).
    pub object: String,
    /// From where.
    pub origin: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Detail, never a secret.
    pub detail: String,
}

/// Which audit entries to read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only entries about this object (`case:12`).
    pub object: Option<String>,
    /// Entries after this chain position.
    pub after: Option<i64>,
    /// Page size, 1 to 1000 (100 by default).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// Whether the audit log's hash chain is intact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChainDto {
    /// Whether every entry checks.
    pub intact: bool,
    /// Entries checked, when intact.
    pub entries: Option<u64>,
    /// The first entry that does not check, when broken.
    pub broken_at: Option<i64>,
}
