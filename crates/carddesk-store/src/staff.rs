//! Staff and their sessions: the repository's part for them
//! ([`StaffStore`] for reads, [`StaffTx`] inside a unit of work,
//! supertraits of [`Store`](crate::Store) and [`Tx`](crate::Tx)) and the
//! SQL both backends share (`staff_queries!`, expanded by `backend!`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::records::*;
use crate::rows::from_micros;
use crate::{Result, StoreError};

/// Reads of staff and staff sessions, outside a transaction.
#[async_trait]
pub trait StaffStore {
    /// A member of staff by sign-in name.
    async fn staff_user(&self, username: &str) -> Result<Option<StaffRecord>>;
    /// The staff session whose token has this keyed hash, as stored (live
    /// or not); reading it is not a use.
    async fn staff_session(&self, token_digest: &[u8]) -> Result<Option<StaffSessionRecord>>;
    /// Uses a staff session: in one statement, if it is not signed out,
    /// `expires_at` is after `now` and it was last used after
    /// `idle_cutoff`, its last use moves on to `now` (never back, so uses
    /// on clocks a little apart cannot rewind it) and it is returned as
    /// left; otherwise nothing changes and the answer is `None`. The check
    /// and the touch are one statement, so no use can revive a session
    /// that idled out between a read and a write.
    async fn use_staff_session(
        &self,
        token_digest: &[u8],
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> Result<Option<StaffSessionRecord>>;
}

/// Staff and staff sessions inside a unit of work.
#[async_trait]
pub trait StaffTx {
    /// Adds a member of staff; a taken username is a conflict.
    async fn insert_staff_user(&mut self, user: &StaffRecord, at: DateTime<Utc>) -> Result<()>;
    /// Counts one failed sign-in in a single statement, so failures sent
    /// at once are all counted: the count starts afresh when an earlier
    /// lock has run out at `now`, the ID locks until `lock_until` when the
    /// new count reaches `max_failed`, and a lock still running is kept as
    /// it is (a late failure neither clears nor shortens it). Returns the
    /// state the statement left, or `None` for an unknown user.
    async fn record_signin_failure(
        &mut self,
        username: &str,
        now: DateTime<Utc>,
        max_failed: u32,
        lock_until: DateTime<Utc>,
    ) -> Result<Option<SigninFailures>>;
    /// Clears failed sign-ins after a right password, unless the ID is
    /// locked at `now` (or unknown): then nothing changes and the answer is
    /// `false`. One statement under the row's write lock, so a lock set by a
    /// failure that committed first is always seen.
    async fn clear_signin_failures(&mut self, username: &str, now: DateTime<Utc>) -> Result<bool>;
    /// Stores a new staff session, last used when it was created.
    async fn insert_staff_session(
        &mut self,
        token_digest: &[u8],
        username: &str,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// Ends a staff session.
    async fn revoke_staff_session(&mut self, token_digest: &[u8], at: DateTime<Utc>) -> Result<()>;
}

fn parse_role(s: &str) -> Result<carddesk_domain::Role> {
    carddesk_domain::Role::parse(s).ok_or(StoreError::Corrupt("staff role"))
}

#[derive(sqlx::FromRow)]
pub(crate) struct StaffRow {
    username: String,
    display_name: String,
    role: String,
    password_hash: String,
    failed_signins: i32,
    locked_until: Option<i64>,
}

impl TryFrom<StaffRow> for StaffRecord {
    type Error = StoreError;
    fn try_from(r: StaffRow) -> Result<Self> {
        Ok(StaffRecord {
            member: carddesk_domain::StaffMember {
                username: r.username,
                role: parse_role(&r.role)?,
            },
            display_name: r.display_name,
            password_hash: r.password_hash,
            failed_signins: u32::try_from(r.failed_signins).unwrap_or_default(),
            locked_until: r.locked_until.map(from_micros).transpose()?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct StaffSessionRow {
    username: String,
    role: String,
    expires_at: i64,
    revoked_at: Option<i64>,
    last_used_at: i64,
}

impl TryFrom<StaffSessionRow> for StaffSessionRecord {
    type Error = StoreError;
    fn try_from(r: StaffSessionRow) -> Result<Self> {
        Ok(StaffSessionRecord {
            member: carddesk_domain::StaffMember {
                username: r.username,
                role: parse_role(&r.role)?,
            },
            expires_at: from_micros(r.expires_at)?,
            revoked_at: r.revoked_at.map(from_micros).transpose()?,
            last_used_at: from_micros(r.last_used_at)?,
        })
    }
}

/// Implements [`StaffStore`] and [`StaffTx`] for one backend
/// (expanded by `backend!` in its module).
macro_rules! staff_queries {
    (store = $store:ident, tx = $tx:ident, db = $db:ty $(,)?) => {
        mod staff_sql {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};

            use super::{$store, $tx};
            use crate::records::*;
            use crate::rows::*;
            use crate::staff::{StaffRow, StaffSessionRow};
            use crate::Result;

            #[async_trait]
            impl crate::staff::StaffStore for $store {
                async fn staff_user(&self, username: &str) -> Result<Option<StaffRecord>> {
                    sqlx::query_as::<$db, StaffRow>(
                        "SELECT username, display_name, role, password_hash, failed_signins, \
                         locked_until FROM staff_users WHERE username = $1",
                    )
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(StaffRecord::try_from)
                    .transpose()
                }

                async fn staff_session(&self, token_digest: &[u8]) -> Result<Option<StaffSessionRecord>> {
                    sqlx::query_as::<$db, StaffSessionRow>(
                        "SELECT s.username, u.role, s.expires_at, s.revoked_at, s.last_used_at \
                         FROM staff_sessions s JOIN staff_users u ON u.username = s.username \
                         WHERE s.token_digest = $1",
                    )
                    .bind(token_digest)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(StaffSessionRecord::try_from)
                    .transpose()
                }

                async fn use_staff_session(
                    &self,
                    token_digest: &[u8],
                    now: DateTime<Utc>,
                    idle_cutoff: DateTime<Utc>,
                ) -> Result<Option<StaffSessionRecord>> {
                    // Check and touch in one statement on the row: parallel
                    // uses each see the others' committed touch (PostgreSQL
                    // re-evaluates the WHERE after a row lock wait; SQLite has
                    // one writer), so none is lost and none revives a session
                    // that idled out. RETURNING may only name this table, so the
                    // role comes from a subquery.
                    sqlx::query_as::<$db, StaffSessionRow>(
                        "UPDATE staff_sessions SET last_used_at = \
                           CASE WHEN last_used_at > $2 THEN last_used_at ELSE $2 END \
                         WHERE token_digest = $1 AND revoked_at IS NULL AND expires_at > $2 \
                           AND last_used_at > $3 \
                         RETURNING username, \
                           (SELECT u.role FROM staff_users u \
                            WHERE u.username = staff_sessions.username) AS role, \
                           expires_at, revoked_at, last_used_at",
                    )
                    .bind(token_digest)
                    .bind(micros(now))
                    .bind(micros(idle_cutoff))
                    .fetch_optional(&self.pool)
                    .await?
                    .map(StaffSessionRecord::try_from)
                    .transpose()
                }
            }

            #[async_trait]
            impl crate::staff::StaffTx for $tx {
                async fn insert_staff_user(&mut self, u: &StaffRecord, at: DateTime<Utc>) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO staff_users (username, display_name, role, password_hash, \
                         failed_signins, locked_until, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&u.member.username)
                    .bind(&u.display_name)
                    .bind(u.member.role.as_str())
                    .bind(&u.password_hash)
                    .bind(i32::try_from(u.failed_signins).unwrap_or(i32::MAX))
                    .bind(u.locked_until.map(micros))
                    .bind(micros(at))
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(())
                }

                async fn record_signin_failure(
                    &mut self,
                    username: &str,
                    now: DateTime<Utc>,
                    max_failed: u32,
                    lock_until: DateTime<Utc>,
                ) -> Result<Option<SigninFailures>> {
                    // One statement: the database increments what it holds, so
                    // parallel failures cannot overwrite each other's count.
                    // `SET` expressions all see the row as it was before.
                    let row: Option<(i32, Option<i64>)> = sqlx::query_as(
                        "UPDATE staff_users SET \
                         failed_signins = CASE WHEN locked_until <= $1 THEN 1 \
                           ELSE failed_signins + 1 END, \
                         locked_until = CASE WHEN locked_until > $1 THEN locked_until \
                           WHEN (CASE WHEN locked_until <= $1 THEN 1 ELSE failed_signins + 1 END) >= $2 \
                           THEN $3 ELSE NULL END \
                         WHERE username = $4 RETURNING failed_signins, locked_until",
                    )
                    .bind(micros(now))
                    .bind(i32::try_from(max_failed).unwrap_or(i32::MAX))
                    .bind(micros(lock_until))
                    .bind(username)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                    row.map(|(failed, locked)| {
                        Ok(SigninFailures {
                            failed_signins: u32::try_from(failed).unwrap_or_default(),
                            locked_until: locked.map(from_micros).transpose()?,
                        })
                    })
                    .transpose()
                }

                async fn clear_signin_failures(&mut self, username: &str, now: DateTime<Utc>) -> Result<bool> {
                    let done = sqlx::query(
                        "UPDATE staff_users SET failed_signins = 0, locked_until = NULL \
                         WHERE username = $1 AND (locked_until IS NULL OR locked_until <= $2)",
                    )
                    .bind(username)
                    .bind(micros(now))
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn insert_staff_session(
                    &mut self,
                    token_digest: &[u8],
                    username: &str,
                    created_at: DateTime<Utc>,
                    expires_at: DateTime<Utc>,
                ) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO staff_sessions (token_digest, username, created_at, expires_at, \
                         last_used_at) VALUES ($1, $2, $3, $4, $3)",
                    )
                    .bind(token_digest)
                    .bind(username)
                    .bind(micros(created_at))
                    .bind(micros(expires_at))
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(())
                }

                async fn revoke_staff_session(&mut self, token_digest: &[u8], at: DateTime<Utc>) -> Result<()> {
                    sqlx::query(
                        "UPDATE staff_sessions SET revoked_at = $1 WHERE token_digest = $2 AND revoked_at IS NULL",
                    )
                    .bind(micros(at))
                    .bind(token_digest)
                    .execute(&mut *self.tx)
                    .await?;
                    Ok(())
                }
            }
        }
    };
}
pub(crate) use staff_queries;
