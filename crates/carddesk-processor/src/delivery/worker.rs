//! The delivery worker: claims the messages that are due, opens each in
//! memory, checks that its case still wants it, hands it to its channel's
//! adapter and records the outcome under its lease.

use std::sync::Arc;

use carddesk_domain::{Actor, CaseState};
use carddesk_store::{OutboxMessage, OutboxSettlement, OutboxSubject, Outcome};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use tokio::sync::{broadcast, watch};

use super::{Adapters, DeliveryConfig, DeliveryCounts, DeliveryError, Outgoing, open_body};
use crate::{Event, Processor, ProcessorError, Result, append_audit};

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
            let now = self.inner.processor.now();
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

        let now = processor.now();
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
        } else if case.is_expired_at(processor.now()) {
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
