//! Finding a caller as the agent types.

use serde::{Deserialize, Serialize};

use crate::case::CaseDto;
use crate::customer::CustomerDto;

/// A search as typed: a phone number (full, or its last four digits), a
/// name (a prefix, Chinese or Latin), the last four of a card or of an ID
/// number, or a full ID or card number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// What the agent typed: 1 to 64 characters.
    #[schema(min_length = 1, max_length = 64)]
    pub query: String,
    /// Most results, 1 to 50 (20 by default).
    #[schema(minimum = 1, maximum = 50)]
    pub limit: Option<u32>,
}

/// How a result matched, best first.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The full ID number (through its keyed hash).
    IdNumber,
    /// The full card number (through its keyed hash).
    CardNumber,
    /// The full phone number.
    Phone,
    /// The phone's last four digits.
    PhoneLastFour,
    /// A card's last four digits.
    CardLastFour,
    /// The ID number's last four characters.
    IdLastFour,
    /// The start of the name.
    NamePrefix,
}

/// One customer found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchHit {
    /// How they matched.
    pub matched_by: MatchKind,
    /// The customer and their cards.
    pub customer: CustomerDto,
    /// Their open cases.
    pub open_cases: Vec<CaseDto>,
}

/// What a search found, best first, at most a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchResults {
    /// The customers found.
    pub hits: Vec<SearchHit>,
    /// Whether there were more than the page holds.
    pub truncated: bool,
}
