//! The outbox of instructions and notices: the repository's part for it
//! ([`OutboxStore`] for reads, [`OutboxTx`] inside a unit of work,
//! supertraits of [`Store`](crate::Store) and [`Tx`](crate::Tx)) and the
//! SQL both backends share (`outbox_queries!`, expanded by `backend!`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::outbox_subject::OutboxSubject;
use crate::records::*;
use crate::rows::from_micros;
use crate::{Result, StoreError};

/// Reads of the outbox, outside a transaction.
#[async_trait]
pub trait OutboxStore {
    /// Outbox messages, oldest first, optionally only those of one status.
    async fn outbox(&self, status: Option<&str>, limit: u32) -> Result<Vec<OutboxMessage>>;
    /// One outbox message with its delivery state.
    async fn outbox_delivery(&self, id: i64) -> Result<Option<OutboxDelivery>>;
}

/// The outbox inside a unit of work: queueing, claiming, settling.
#[async_trait]
pub trait OutboxTx {
    /// Queues an instruction.
    async fn insert_outbox(&mut self, message: &NewOutboxMessage) -> Result<i64>;
    /// Claims up to `limit` pending messages that are due at `now` and held
    /// by no one (or whose holder's lease ran out): each is leased to
    /// `claimant` until `lease_until` and its attempt counted. Oldest due
    /// first. Two claimants never get the same message while a lease runs:
    /// the lease is set by a conditional update that a concurrent claim
    /// re-checks (PostgreSQL also skips rows another claim has locked).
    async fn claim_outbox(
        &mut self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        claimant: &str,
        limit: u32,
    ) -> Result<Vec<OutboxMessage>>;
    /// Records how an attempt on a claimed message ended and releases the
    /// lease. Returns false, changing nothing, when `claimant` no longer
    /// holds the message (its lease ran out and another claimed it).
    async fn settle_outbox(
        &mut self,
        id: i64,
        claimant: &str,
        settlement: &OutboxSettlement,
    ) -> Result<bool>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct OutboxRow {
    id: i64,
    case_id: Option<i64>,
    application_id: Option<i64>,
    purpose: String,
    channel: String,
    recipient: String,
    language: String,
    body_sealed: Vec<u8>,
    idempotency_key: String,
    status: String,
    attempts: i32,
    created_at: i64,
}

impl TryFrom<OutboxRow> for OutboxMessage {
    type Error = StoreError;
    fn try_from(r: OutboxRow) -> Result<Self> {
        Ok(OutboxMessage {
            id: r.id,
            message: NewOutboxMessage {
                subject: OutboxSubject::from_columns(r.case_id, r.application_id, &r.purpose)
                    .ok_or(StoreError::Corrupt("outbox"))?,
                channel: OutboxChannel::parse(&r.channel).ok_or(StoreError::Corrupt("outbox"))?,
                recipient: r.recipient,
                language: r.language,
                body_sealed: r.body_sealed,
                idempotency_key: r.idempotency_key,
                created_at: from_micros(r.created_at)?,
            },
            status: r.status,
            attempts: r.attempts,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OutboxDeliveryRow {
    #[sqlx(flatten)]
    message: OutboxRow,
    next_attempt_at: i64,
    claimed_until: Option<i64>,
    last_attempt_at: Option<i64>,
    last_error_code: Option<String>,
    sent_at: Option<i64>,
    delivered_via: Option<String>,
}

impl TryFrom<OutboxDeliveryRow> for crate::records::OutboxDelivery {
    type Error = StoreError;
    fn try_from(r: OutboxDeliveryRow) -> Result<Self> {
        Ok(crate::records::OutboxDelivery {
            message: OutboxMessage::try_from(r.message)?,
            next_attempt_at: from_micros(r.next_attempt_at)?,
            claimed_until: r.claimed_until.map(from_micros).transpose()?,
            last_attempt_at: r.last_attempt_at.map(from_micros).transpose()?,
            last_error_code: r.last_error_code,
            sent_at: r.sent_at.map(from_micros).transpose()?,
            delivered_via: r.delivered_via,
        })
    }
}

/// Implements [`OutboxStore`] and [`OutboxTx`] for one backend
/// (expanded by `backend!` in its module).
macro_rules! outbox_queries {
    (store = $store:ident, tx = $tx:ident, db = $db:ty, skip_locked = $skip_locked:literal $(,)?) => {
        mod outbox_sql {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};

            use super::{$store, $tx};
            use crate::records::*;
            use crate::rows::*;
            use crate::outbox::{OutboxDeliveryRow, OutboxRow};
            use crate::Result;

            #[async_trait]
            impl crate::outbox::OutboxStore for $store {
                async fn outbox(&self, status: Option<&str>, limit: u32) -> Result<Vec<OutboxMessage>> {
                    convert(
                        sqlx::query_as::<$db, OutboxRow>(
                            "SELECT id, case_id, application_id, purpose, channel, recipient, language, body_sealed, \
                             idempotency_key, status, attempts, created_at FROM outbox \
                             WHERE ($1 IS NULL OR status = $1) ORDER BY id LIMIT $2",
                        )
                        .bind(status)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?,
                    )
                }

                async fn outbox_delivery(&self, id: i64) -> Result<Option<OutboxDelivery>> {
                    sqlx::query_as::<$db, OutboxDeliveryRow>(
                        "SELECT id, case_id, application_id, purpose, channel, recipient, language, body_sealed, \
                         idempotency_key, status, attempts, created_at, next_attempt_at, \
                         claimed_until, last_attempt_at, last_error_code, sent_at, delivered_via \
                         FROM outbox WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(OutboxDelivery::try_from)
                    .transpose()
                }
            }

            #[async_trait]
            impl crate::outbox::OutboxTx for $tx {
                async fn insert_outbox(&mut self, m: &NewOutboxMessage) -> Result<i64> {
                    Ok(sqlx::query_scalar(
                        "INSERT INTO outbox (case_id, application_id, purpose, channel, recipient, \
                         language, body_sealed, idempotency_key, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    )
                    .bind(m.subject.columns().0)
                    .bind(m.subject.columns().1)
                    .bind(m.subject.columns().2)
                    .bind(m.channel.as_str())
                    .bind(&m.recipient)
                    .bind(&m.language)
                    .bind(&m.body_sealed)
                    .bind(&m.idempotency_key)
                    .bind(micros(m.created_at))
                    .fetch_one(&mut *self.tx)
                    .await?)
                }

                async fn claim_outbox(
                    &mut self,
                    now: DateTime<Utc>,
                    lease_until: DateTime<Utc>,
                    claimant: &str,
                    limit: u32,
                ) -> Result<Vec<OutboxMessage>> {
                    // The due rows are chosen once (MATERIALIZED: PostgreSQL
                    // would otherwise re-run a locking subquery per row and
                    // overshoot the limit). The outer conditions repeat the inner
                    // ones on purpose: a claim that raced another is re-checked
                    // against the row as the other left it (PostgreSQL
                    // re-evaluates an UPDATE's WHERE on the newest row version),
                    // so a message leased a moment ago is not leased twice.
                    let mut claimed: Vec<OutboxMessage> = convert(
                        sqlx::query_as::<$db, OutboxRow>(concat!(
                            "WITH due AS MATERIALIZED (SELECT id FROM outbox \
                             WHERE status = 'pending' AND next_attempt_at <= $3 \
                             AND (claimed_until IS NULL OR claimed_until <= $3) \
                             ORDER BY next_attempt_at, id LIMIT $4", $skip_locked, ") \
                             UPDATE outbox SET claimed_until = $1, claimed_by = $2, \
                             attempts = attempts + 1, last_attempt_at = $3 \
                             WHERE id IN (SELECT id FROM due) \
                             AND status = 'pending' AND next_attempt_at <= $3 \
                             AND (claimed_until IS NULL OR claimed_until <= $3) \
                             RETURNING id, case_id, application_id, purpose, channel, recipient, language, body_sealed, \
                             idempotency_key, status, attempts, created_at"
                        ))
                        .bind(micros(lease_until))
                        .bind(claimant)
                        .bind(micros(now))
                        .bind(i64::from(limit))
                        .fetch_all(&mut *self.tx)
                        .await?,
                    )?;
                    // RETURNING promises no order.
                    claimed.sort_by_key(|m| m.id);
                    Ok(claimed)
                }

                async fn settle_outbox(
                    &mut self,
                    id: i64,
                    claimant: &str,
                    settlement: &OutboxSettlement,
                ) -> Result<bool> {
                    // Every variant releases the lease, and only its holder's
                    // settlement counts.
                    let done = match settlement {
                        OutboxSettlement::Sent { at, via } => sqlx::query(
                            "UPDATE outbox SET status = 'sent', sent_at = $1, delivered_via = $2, \
                             claimed_until = NULL, claimed_by = NULL \
                             WHERE id = $3 AND claimed_by = $4 AND status = 'pending'",
                        )
                        .bind(micros(*at))
                        .bind(via)
                        .bind(id)
                        .bind(claimant)
                        .execute(&mut *self.tx)
                        .await?,
                        OutboxSettlement::Retry {
                            next_attempt_at,
                            error_code,
                        } => sqlx::query(
                            "UPDATE outbox SET next_attempt_at = $1, last_error_code = $2, \
                             claimed_until = NULL, claimed_by = NULL \
                             WHERE id = $3 AND claimed_by = $4 AND status = 'pending'",
                        )
                        .bind(micros(*next_attempt_at))
                        .bind(error_code)
                        .bind(id)
                        .bind(claimant)
                        .execute(&mut *self.tx)
                        .await?,
                        OutboxSettlement::Failed { error_code } => sqlx::query(
                            "UPDATE outbox SET status = 'failed', last_error_code = $1, \
                             claimed_until = NULL, claimed_by = NULL \
                             WHERE id = $2 AND claimed_by = $3 AND status = 'pending'",
                        )
                        .bind(error_code)
                        .bind(id)
                        .bind(claimant)
                        .execute(&mut *self.tx)
                        .await?,
                    };
                    Ok(done.rows_affected() == 1)
                }
            }
        }
    };
}
pub(crate) use outbox_queries;
