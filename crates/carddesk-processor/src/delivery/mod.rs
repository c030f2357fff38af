//! Delivery of the instructions outbox (patent step 3): a worker claims the
//! messages that are due, opens their sealed bodies, hands each to its
//! channel's adapter and records the outcome, at least once.
//!
//! - [`DeliveryWorker`] runs until told to stop ([`DeliveryWorker::run`]),
//!   or one pass at a time ([`DeliveryWorker::deliver_due`]) for tests and
//!   the demo. A failed attempt is retried with exponential backoff; a
//!   refused one, or one out of attempts, is marked failed.
//! - Several workers may share one database: a message is *leased* to one
//!   worker at a time (`claimed_until`), and only the lease holder's
//!   outcome is recorded. A worker that dies mid-delivery only delays its
//!   messages until the lease runs out; another then delivers them again,
//!   which is why every delivery carries the message's idempotency key for
//!   the gateway to drop duplicates.
//! - Adapters: [`sms::SmsGateway`] (text) and [`voice::VoiceGateway`] (SSML
//!   plus audio from a [`speech::SpeechEngine`]) post HMAC-signed JSON to
//!   the bank's gateways; [`local::LocalOutbox`] delivers nothing, for the
//!   offline demo whose customer phone reads the outbox itself.
//!
//! The bodies carry the customer's one-time code: they are opened only in
//! memory, inside `secrecy` types, and never logged, audited or put in an
//! error. What is recorded of a failure is a short code (`http_503`,
//! `timeout`), never a gateway's response, which could echo the message.

pub mod local;
mod prompt;
pub mod sms;
pub mod speech;
pub mod voice;

pub mod http;
mod worker;

use std::sync::Arc;

use async_trait::async_trait;
use carddesk_store::{OutboxChannel, OutboxSubject};
use chrono::Duration;
use secrecy::SecretString;
use thiserror::Error;

pub use http::{GatewayConfig, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature};
pub use worker::DeliveryWorker;

use crate::keyring::Purpose;
use crate::{ProcessorError, Result};

/// One instruction, opened, on its way to an adapter.
#[derive(Debug)]
pub struct Outgoing {
    /// The outbox row.
    pub outbox_id: i64,
    /// The case or application it belongs to.
    pub subject: OutboxSubject,
    /// Text or voice.
    pub channel: OutboxChannel,
    /// E.164 phone number.
    pub recipient: String,
    /// `zh-CN` or `en`.
    pub language: String,
    /// The message in clear: it carries the one-time code.
    pub body: SecretString,
    /// The key a gateway uses to drop a repeated delivery.
    pub idempotency_key: String,
    /// Which attempt this is, from 1.
    pub attempt: u32,
}

/// Why an adapter did not deliver. The code is short and free of content;
/// it is logged, audited and stored as the message's `last_error_code`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DeliveryError {
    /// May work later: a timeout, a refused connection, a 5xx or 429.
    #[error("delivery failed for now ({code})")]
    Retryable {
        /// What went wrong.
        code: String,
    },
    /// Will not work however often tried: the gateway refused the message
    /// (a 4xx), or it cannot be opened.
    #[error("delivery refused ({code})")]
    Rejected {
        /// What went wrong.
        code: String,
    },
}

impl DeliveryError {
    /// A failure worth retrying.
    pub fn retryable(code: impl Into<String>) -> Self {
        DeliveryError::Retryable { code: code.into() }
    }

    /// A failure not worth retrying.
    pub fn rejected(code: impl Into<String>) -> Self {
        DeliveryError::Rejected { code: code.into() }
    }

    /// The short code.
    pub fn code(&self) -> &str {
        match self {
            DeliveryError::Retryable { code } | DeliveryError::Rejected { code } => code,
        }
    }
}

/// Something that carries an instruction to the customer.
#[async_trait]
pub trait Adapter: Send + Sync + std::fmt::Debug {
    /// The name recorded as the message's `delivered_via`.
    fn name(&self) -> &'static str;

    /// The longest one delivery may take (its timeouts added up). The
    /// worker stops waiting after this, and refuses a lease shorter than
    /// it: a lease that ran out under a slow delivery would let a second
    /// worker send the message again.
    fn max_duration(&self) -> std::time::Duration;

    /// Delivers one instruction. Must pass the idempotency key on.
    async fn deliver(&self, message: &Outgoing) -> Result<(), DeliveryError>;
}

/// The adapter for each channel.
#[derive(Debug, Clone)]
pub struct Adapters {
    /// Text messages.
    pub text: Arc<dyn Adapter>,
    /// Voice prompts.
    pub voice: Arc<dyn Adapter>,
}

impl Adapters {
    /// The offline demo's: both channels stay in the local outbox.
    pub fn local() -> Self {
        Self {
            text: Arc::new(local::LocalOutbox),
            voice: Arc::new(local::LocalOutbox),
        }
    }

    fn for_channel(&self, channel: OutboxChannel) -> &Arc<dyn Adapter> {
        match channel {
            OutboxChannel::Text => &self.text,
            OutboxChannel::Voice => &self.voice,
        }
    }
}

/// How the worker claims, retries and gives up.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Names this worker in claims, logs and audit entries (`origin`).
    pub worker_id: String,
    /// Messages claimed per pass (and delivered concurrently).
    pub batch: u32,
    /// How long a claim holds a message. Must exceed every adapter's
    /// [`Adapter::max_duration`].
    pub lease: Duration,
    /// Attempts before a message is marked failed.
    pub max_attempts: u32,
    /// Wait before the first retry; each further retry waits twice as long.
    pub backoff_base: Duration,
    /// The longest wait between two attempts.
    pub backoff_max: Duration,
    /// How often [`DeliveryWorker::run`] looks for due messages when
    /// nothing wakes it (retries coming due, messages queued by another
    /// process).
    pub poll_interval: std::time::Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            worker_id: "delivery".to_owned(),
            batch: 16,
            lease: Duration::seconds(120),
            // 5 s, 10 s, 20 s, 40 s, 80 s: about two and a half minutes of
            // trying, well within the code's 15-minute lifetime.
            max_attempts: 6,
            backoff_base: Duration::seconds(5),
            backoff_max: Duration::minutes(5),
            poll_interval: std::time::Duration::from_secs(2),
        }
    }
}

impl DeliveryConfig {
    /// The wait after failed attempt number `attempt` (from 1):
    /// `backoff_base × 2^(attempt − 1)`, at most `backoff_max`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1_i32
            .checked_shl(attempt.saturating_sub(1).min(30))
            .unwrap_or(i32::MAX);
        self.backoff_base
            .checked_mul(factor)
            .map_or(self.backoff_max, |d| d.min(self.backoff_max))
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    /// Messages claimed.
    pub claimed: u32,
    /// Delivered.
    pub sent: u32,
    /// Failed for now, scheduled again.
    pub retried: u32,
    /// Failed for good.
    pub failed: u32,
    /// Attempted, but the lease had passed to another worker before the
    /// outcome could be recorded (that worker's outcome stands).
    pub lost: u32,
}

impl DeliveryCounts {
    fn add(&mut self, other: DeliveryCounts) {
        self.claimed += other.claimed;
        self.sent += other.sent;
        self.retried += other.retried;
        self.failed += other.failed;
        self.lost += other.lost;
    }
}

pub(crate) fn open_body(keys: &crate::Keyring, sealed: &[u8]) -> Result<SecretString> {
    let bytes = keys.open(Purpose::Instruction, sealed)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| ProcessorError::Sealed)?;
    Ok(SecretString::from(text.to_owned()))
}
