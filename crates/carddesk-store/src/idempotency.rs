//! Idempotency keys claimed before the call runs. A key's row is written
//! first as a *claim* (status 0, no answer) in one statement that either
//! inserts it or takes over a claim left by a crashed process or a key past
//! its retention; only the claimant runs the call, then stores its answer
//! or releases the claim (an answer that says "try again" is not kept).
//! Everyone else with the same key sees the claim or the answer, never a
//! second run. SQL both backends share (`idempotency_queries!`, used beside
//! `backend!`).

use chrono::{DateTime, Utc};

use crate::records::IdempotentResponse;

/// The status a claim carries until its answer is stored: no HTTP status.
pub(crate) const CLAIMED: i32 = 0;

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is this caller's: run the call, then
    /// [`Store::finish_idempotency_key`](crate::Store::finish_idempotency_key)
    /// or [`Store::release_idempotency_key`](crate::Store::release_idempotency_key).
    Claimed,
    /// Another call with this key is running; its request's digest.
    Running {
        /// Digest of the running request.
        request_digest: Vec<u8>,
    },
    /// The key's first call finished; its answer.
    Done(IdempotentResponse),
}

/// When a claim or an answer may be taken over.
#[derive(Debug, Clone, Copy)]
pub struct ClaimTimes {
    /// Now: the claim's time.
    pub now: DateTime<Utc>,
    /// A claim made before this is abandoned (its process died mid-call).
    pub abandoned_before: DateTime<Utc>,
    /// An answer stored before this is past its retention.
    pub expired_before: DateTime<Utc>,
}

/// Implements the claims for one database type.
macro_rules! idempotency_queries {
    (store = $store:ident $(,)?) => {
        impl $store {
            pub(crate) async fn claim_key(
                &self,
                scope: &str,
                key: &str,
                request_digest: &[u8],
                times: crate::idempotency::ClaimTimes,
            ) -> crate::Result<crate::idempotency::IdempotencyClaim> {
                use crate::idempotency::{CLAIMED, IdempotencyClaim};
                use crate::rows::{IdempotencyRow, micros};
                // A claim that lost a race for an abandoned row reads the
                // row the winner wrote; one that reads nothing (the winner
                // released it in between) tries again.
                for _ in 0..3 {
                    let claimed = sqlx::query(
                        "INSERT INTO idempotency_keys (scope, key, request_digest, status, \
                         response_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (scope, key) DO UPDATE SET \
                         request_digest = excluded.request_digest, status = excluded.status, \
                         response_sealed = excluded.response_sealed, \
                         created_at = excluded.created_at \
                         WHERE (idempotency_keys.status = $4 AND idempotency_keys.created_at < $7) \
                         OR idempotency_keys.created_at < $8",
                    )
                    .bind(scope)
                    .bind(key)
                    .bind(request_digest)
                    .bind(CLAIMED)
                    .bind(Vec::<u8>::new())
                    .bind(micros(times.now))
                    .bind(micros(times.abandoned_before))
                    .bind(micros(times.expired_before))
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                        == 1;
                    if claimed {
                        return Ok(IdempotencyClaim::Claimed);
                    }
                    let row = sqlx::query_as::<_, IdempotencyRow>(
                        "SELECT request_digest, status, response_sealed, created_at \
                         FROM idempotency_keys WHERE scope = $1 AND key = $2",
                    )
                    .bind(scope)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                    match row {
                        Some(row) if row.status == CLAIMED => {
                            return Ok(IdempotencyClaim::Running {
                                request_digest: row.request_digest,
                            });
                        }
                        Some(row) => return Ok(IdempotencyClaim::Done(row.try_into()?)),
                        None => continue,
                    }
                }
                Err(crate::StoreError::Conflict("idempotency key".to_owned()))
            }

            pub(crate) async fn finish_key(
                &self,
                scope: &str,
                key: &str,
                response: &crate::IdempotentResponse,
            ) -> crate::Result<bool> {
                use crate::idempotency::CLAIMED;
                use crate::rows::micros;
                Ok(sqlx::query(
                    "UPDATE idempotency_keys SET status = $3, response_sealed = $4, \
                     created_at = $5 WHERE scope = $1 AND key = $2 AND status = $6 \
                     AND request_digest = $7",
                )
                .bind(scope)
                .bind(key)
                .bind(i32::from(response.status))
                .bind(&response.response_sealed)
                .bind(micros(response.created_at))
                .bind(CLAIMED)
                .bind(&response.request_digest)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    == 1)
            }

            pub(crate) async fn release_key(
                &self,
                scope: &str,
                key: &str,
                request_digest: &[u8],
            ) -> crate::Result<()> {
                use crate::idempotency::CLAIMED;
                sqlx::query(
                    "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 \
                     AND status = $3 AND request_digest = $4",
                )
                .bind(scope)
                .bind(key)
                .bind(CLAIMED)
                .bind(request_digest)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use idempotency_queries;
