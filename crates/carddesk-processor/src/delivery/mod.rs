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

use std::sync::Arc;

use async_trait::async_trait;
use carddesk_domain::{Actor, CaseState};
use carddesk_store::{OutboxChannel, OutboxMessage, OutboxSettlement, OutboxSubject, Outcome};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use secrecy::SecretString;
use thiserror::Error;
use tokio::sync::{broadcast, watch};

pub use http::{GatewayConfig, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature};

use crate::keyring::Purpose;
use crate::{Event, Processor, ProcessorError, Result, append_audit};

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

/// The outbox's delivery worker. Cheap to clone; clones share everything.
#[derive(Debug, Clone)]
pub struct DeliveryWorker {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    processor: Processor,
    adapters: Adapters,
    config: DeliveryConfig,
}

impl DeliveryWorker {
    /// A worker over the processor's store and keys. Refuses a lease that
    /// does not outlast a delivery, and a configuration that would never
    /// try or never claim.
    pub fn new(processor: Processor, adapters: Adapters, config: DeliveryConfig) -> Result<Self> {
        if config.batch == 0 || config.max_attempts == 0 {
            return Err(ProcessorError::Config(
                "delivery: batch and max_attempts must be at least 1".to_owned(),
            ));
        }
        if config.backoff_base <= Duration::zero() || config.backoff_max < config.backoff_base {
            return Err(ProcessorError::Config(
                "delivery: backoff_base must be positive and at most backoff_max".to_owned(),
            ));
        }
        for adapter in [&adapters.text, &adapters.voice] {
            let longest = Duration::from_std(adapter.max_duration()).unwrap_or(Duration::MAX);
            if config.lease <= longest {
                return Err(ProcessorError::Config(format!(
                    "delivery: the lease ({} s) must outlast a delivery through {} ({} s)",
                    config.lease.num_seconds(),
                    adapter.name(),
                    longest.num_seconds()
                )));
            }
        }
        Ok(Self {
            inner: Arc::new(Inner {
                processor,
                adapters,
                config,
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &DeliveryConfig {
        &self.inner.config
    }

    /// One pass: claims up to a batch of messages due at `now`, delivers
    /// them concurrently and records each outcome.
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> Result<DeliveryCounts> {
        let config = &self.inner.config;
        let store = self.inner.processor.store();
        // A fresh token per pass: a worker that lost a lease and claims the
        // message again is a different holder from the one that lost it.
        let mut nonce = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let claimant = format!("{}:{}", config.worker_id, hex::encode(nonce));
        let mut tx = store.begin().await?;
        let claimed = tx
            .claim_outbox(now, now + config.lease, &claimant, config.batch)
            .await?;
        tx.commit().await?;

        let mut counts = DeliveryCounts {
            claimed: u32::try_from(claimed.len()).unwrap_or(u32::MAX),
            ..DeliveryCounts::default()
        };
        let claimant: Arc<str> = claimant.into();
        let mut tasks = tokio::task::JoinSet::new();
        for message in claimed {
            let worker = self.clone();
            let claimant = claimant.clone();
            tasks.spawn(async move { worker.attempt(message, &claimant).await });
        }
        let mut first_error = None;
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(Ok(one)) => counts.add(one),
                Ok(Err(e)) => {
                    // The message stays leased and comes due again when the
                    // lease runs out; the rest of the batch goes on.
                    tracing::warn!(code = e.code(), error = %e, "recording a delivery failed");
                    first_error.get_or_insert(e);
                }
                Err(join) => {
                    tracing::error!(error = %join, "a delivery task ended abnormally");
                }
            }
        }
        match first_error {
            Some(e) if counts.sent + counts.retried + counts.failed + counts.lost == 0 => Err(e),
            _ => Ok(counts),
        }
    }

    /// Delivers until `shutdown` turns true (or its sender goes away):
    /// a pass, then, unless the batch was full, a wait for the poll
    /// interval or for the processor to queue an instruction. A pass under
    /// way when the signal comes is finished first.
    pub async fn run(&self, mut shutdown: watch::Receiver<bool>) {
        let config = &self.inner.config;
        let mut queued = self.inner.processor.events().subscribe();
        tracing::info!(worker = %config.worker_id, "outbox delivery started");
        loop {
            if *shutdown.borrow_and_update() {
                break;
            }
            let now = self.inner.processor.clock.now();
            match self.deliver_due(now).await {
                // A full batch: more may be waiting, go again at once.
                Ok(counts) if counts.claimed == config.batch => continue,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(code = e.code(), error = %e, "outbox delivery pass failed")
                }
            }
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                () = tokio::time::sleep(config.poll_interval) => {}
                () = instruction_queued(&mut queued) => {}
            }
        }
        tracing::info!(worker = %config.worker_id, "outbox delivery stopped");
    }

    /// One attempt on one claimed message, and its outcome recorded.
    async fn attempt(&self, message: OutboxMessage, claimant: &str) -> Result<DeliveryCounts> {
        let processor = &self.inner.processor;
        let config = &self.inner.config;
        let attempt = u32::try_from(message.attempts).unwrap_or(1).max(1);
        let channel = message.message.channel;
        let adapter = self.inner.adapters.for_channel(channel).clone();

        let outcome = match self.check_live(&message).await? {
            Err(stale) => Err(stale),
            Ok(()) => match self.open(message.clone(), attempt) {
                Err(e) => Err(e),
                Ok(outgoing) => {
                    match tokio::time::timeout(adapter.max_duration(), adapter.deliver(&outgoing))
                        .await
                    {
                        Ok(result) => result,
                        Err(_) => Err(DeliveryError::retryable("timeout")),
                    }
                }
            },
        };

        let now = processor.clock.now();
        let (settlement, action, outcome_kind, detail) = match &outcome {
            Ok(()) => (
                OutboxSettlement::Sent {
                    at: now,
                    via: adapter.name().to_owned(),
                },
                "instruction.sent",
                Outcome::Success,
                format!(
                    "{} (outbox {}) via {}, attempt {attempt}",
                    channel.as_str(),
                    message.id,
                    adapter.name()
                ),
            ),
            Err(e @ DeliveryError::Retryable { code }) if attempt < config.max_attempts => {
                let next = now + config.backoff(attempt);
                (
                    OutboxSettlement::Retry {
                        next_attempt_at: next,
                        error_code: code.clone(),
                    },
                    "instruction.retry",
                    Outcome::Failure,
                    format!(
                        "{} (outbox {}) attempt {attempt} of {}: {}; next at {}",
                        channel.as_str(),
                        message.id,
                        config.max_attempts,
                        e.code(),
                        next.to_rfc3339()
                    ),
                )
            }
            Err(e) => (
                OutboxSettlement::Failed {
                    error_code: e.code().to_owned(),
                },
                "instruction.failed",
                Outcome::Failure,
                format!(
                    "{} (outbox {}) attempt {attempt} of {}: {}; given up",
                    channel.as_str(),
                    message.id,
                    config.max_attempts,
                    e.code()
                ),
            ),
        };

        let mut tx = processor.store().begin().await?;
        let held = tx.settle_outbox(message.id, claimant, &settlement).await?;
        if held {
            append_audit(
                tx.as_mut(),
                &Actor::System,
                now,
                action,
                &message.message.subject.object(),
                &format!("delivery:{}", config.worker_id),
                outcome_kind,
                detail,
            )
            .await?;
        }
        tx.commit().await?;
        let tallied = match (&settlement, held) {
            (_, false) => "lost",
            (OutboxSettlement::Sent { .. }, true) => "sent",
            (OutboxSettlement::Retry { .. }, true) => "retry",
            (OutboxSettlement::Failed { .. }, true) => "failed",
        };
        processor
            .events()
            .tally()
            .delivery(channel.as_str(), tallied);

        let mut counts = DeliveryCounts::default();
        let fields = (
            message.id,
            message.message.subject.object(),
            channel.as_str(),
        );
        match (&settlement, held) {
            (_, false) => {
                counts.lost = 1;
                tracing::warn!(
                    outbox_id = fields.0,
                    object = %fields.1,
                    channel = fields.2,
                    attempt,
                    "the lease on an instruction passed to another worker; its outcome stands"
                );
            }
            (OutboxSettlement::Sent { via, .. }, true) => {
                counts.sent = 1;
                tracing::info!(
                    outbox_id = fields.0,
                    object = %fields.1,
                    channel = fields.2,
                    attempt,
                    via = %via,
                    "instruction delivered"
                );
            }
            (
                OutboxSettlement::Retry {
                    next_attempt_at,
                    error_code,
                },
                true,
            ) => {
                counts.retried = 1;
                tracing::warn!(
                    outbox_id = fields.0,
                    object = %fields.1,
                    channel = fields.2,
                    attempt,
                    code = %error_code,
                    next_attempt_at = %next_attempt_at.to_rfc3339(),
                    "instruction delivery failed; will retry"
                );
            }
            (OutboxSettlement::Failed { error_code }, true) => {
                counts.failed = 1;
                tracing::warn!(
                    outbox_id = fields.0,
                    object = %fields.1,
                    channel = fields.2,
                    attempt,
                    code = %error_code,
                    "instruction delivery failed for good"
                );
            }
        }
        Ok(counts)
    }

    /// An instruction is worth delivering only while its code can still be
    /// used: the case waits for the customer and the code has not run out.
    /// A case cancelled, or already opened with the other channel's code,
    /// makes the message stale; delivering it would only confuse.
    async fn check_live(
        &self,
        message: &OutboxMessage,
    ) -> Result<std::result::Result<(), DeliveryError>> {
        let processor = &self.inner.processor;
        let case_id = match message.message.subject {
            OutboxSubject::Case(id) => id,
            OutboxSubject::ApplicationCode(id) => {
                return crate::applications::code_message_live(processor, id).await;
            }
            // A notice tells what happened; it stays worth delivering.
            OutboxSubject::ApplicationNotice(_) => return Ok(Ok(())),
        };
        let Some(record) = processor.store().case(case_id).await? else {
            return Ok(Err(DeliveryError::rejected("case_missing")));
        };
        let case = record.case;
        Ok(if case.state != CaseState::Instructed {
            Err(DeliveryError::rejected("case_moved_on"))
        } else if case.is_expired_at(processor.clock.now()) {
            Err(DeliveryError::rejected("code_expired"))
        } else {
            Ok(())
        })
    }

    fn open(
        &self,
        message: OutboxMessage,
        attempt: u32,
    ) -> std::result::Result<Outgoing, DeliveryError> {
        let body = open_body(self.inner.processor.keys(), &message.message.body_sealed)
            .map_err(|_| DeliveryError::rejected("sealed"))?;
        Ok(Outgoing {
            outbox_id: message.id,
            subject: message.message.subject,
            channel: message.message.channel,
            recipient: message.message.recipient,
            language: message.message.language,
            body,
            idempotency_key: message.message.idempotency_key,
            attempt,
        })
    }
}

/// Waits until the processor says an instruction was queued (after its
/// transaction committed, so a pass will find it). A watcher that fell
/// behind may have missed one, so lagging counts as a wake-up too.
async fn instruction_queued(events: &mut broadcast::Receiver<Event>) {
    loop {
        match events.recv().await {
            // A gap in the relay may have hidden an instruction too.
            // An application's change may have queued a text to its applicant.
            Ok(
                Event::InstructionQueued { .. } | Event::ApplicationChanged { .. } | Event::Missed,
            )
            | Err(broadcast::error::RecvError::Lagged(_)) => {
                return;
            }
            Ok(_) => {}
            // No processor, no events: only the poll interval wakes us.
            Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
        }
    }
}

pub(crate) fn open_body(keys: &crate::Keyring, sealed: &[u8]) -> Result<SecretString> {
    let bytes = keys.open(Purpose::Instruction, sealed)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| ProcessorError::Sealed)?;
    Ok(SecretString::from(text.to_owned()))
}
