//! The local outbox of the offline demo: what the demo's customer phone
//! shows. Only the in-process desk offers it.

use serde::{Deserialize, Serialize};

/// Text or voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboxChannel {
    /// A text message.
    Text,
    /// A voice prompt.
    Voice,
}

/// A queued instruction, opened. It carries the one-time code, which is
/// why only the offline demo's phone window ever asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LocalInstructionDto {
    /// Outbox message id.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// Text or voice.
    pub channel: OutboxChannel,
    /// The recipient, masked.
    pub recipient_masked: String,
    /// Language.
    pub language: String,
    /// The message in clear.
    pub body: String,
}
