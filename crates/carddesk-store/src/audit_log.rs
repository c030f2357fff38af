//! The audit log and what the processor checks the database against:
//! the repository's part for them ([`AuditStore`] for reads, [`AuditTx`]
//! inside a unit of work, supertraits of [`Store`](crate::Store) and
//! [`Tx`](crate::Tx)) and the SQL both backends share (`audit_queries!`,
//! expanded by `backend!`; the append itself is the transaction's commit).

use async_trait::async_trait;

use crate::Result;
use crate::records::*;

/// Reads of the audit chain and the key check, outside a transaction.
#[async_trait]
pub trait AuditStore {
    /// Audit entries about one object (`case:42`), or all when `None`, in
    /// chain order, starting after `after_seq`.
    async fn audit_entries(
        &self,
        object: Option<&str>,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>>;
    /// Walks the whole audit chain and reports the first broken link.
    async fn verify_audit_chain(&self) -> Result<ChainReport>;
    /// The audit entry at `seq`, or with `None` the chain's head (the last
    /// entry); `None` when there is no such entry.
    async fn audit_entry(&self, seq: Option<i64>) -> Result<Option<AuditRecord>>;
    /// The keyed hash naming the master key this database's secrets are
    /// sealed under, once one has been recorded.
    async fn key_check(&self) -> Result<Option<Vec<u8>>>;
    /// Records `digest` as the key check unless one is recorded already;
    /// returns the one kept (so of two processes starting at once, the
    /// second learns whether it agrees with the first).
    async fn record_key_check(&self, digest: &[u8]) -> Result<Vec<u8>>;
}

/// The audit chain inside a unit of work.
#[async_trait]
pub trait AuditTx {
    /// Appends to the audit chain when this transaction commits, after
    /// whatever it appended before: its entries are consecutive, and the
    /// chain's lock is held only from the append to the commit.
    async fn append_audit(&mut self, entry: &NewAuditEntry) -> Result<()>;
    /// The distinct `(action, actor)` pairs of `object`'s audit entries
    /// with `outcome`, read in this transaction: maker-checker asks who
    /// took a case's steps while it holds the case's lock, and those steps
    /// are written under that same lock, so none can slip in between.
    async fn audit_actors(
        &mut self,
        object: &str,
        outcome: Outcome,
    ) -> Result<Vec<(String, String)>>;
}

/// Implements [`AuditStore`] and [`AuditTx`] for one backend
/// (expanded by `backend!` in its module).
macro_rules! audit_queries {
    (store = $store:ident, tx = $tx:ident, db = $db:ty $(,)?) => {
        mod audit_sql {
            use async_trait::async_trait;

            use super::{$store, $tx};
            use crate::records::*;
            use crate::rows::*;
            use crate::sql::CHAIN_PAGE;
            use crate::{GENESIS, Result};

            #[async_trait]
            impl crate::audit_log::AuditStore for $store {
                async fn audit_entries(
                    &self,
                    object: Option<&str>,
                    after_seq: i64,
                    limit: u32,
                ) -> Result<Vec<AuditRecord>> {
                    convert(
                        sqlx::query_as::<$db, AuditRow>(concat!(
                            "SELECT ", audit_columns!(), " FROM audit_log \
                             WHERE ($1 IS NULL OR object = $1) AND seq > $2 ORDER BY seq LIMIT $3"
                        ))
                        .bind(object)
                        .bind(after_seq)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?,
                    )
                }

                async fn verify_audit_chain(&self) -> Result<ChainReport> {
                    let mut prev_seq = 0_i64;
                    let mut prev_hash = GENESIS.to_vec();
                    loop {
                        let page: Vec<AuditRecord> = convert(
                            sqlx::query_as::<$db, AuditRow>(concat!(
                                "SELECT ", audit_columns!(), " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
                            ))
                            .bind(prev_seq)
                            .bind(CHAIN_PAGE)
                            .fetch_all(&self.pool)
                            .await?,
                        )?;
                        if page.is_empty() {
                            return Ok(ChainReport::Intact {
                                entries: u64::try_from(prev_seq).unwrap_or_default(),
                            });
                        }
                        for record in page {
                            let expected = self.key.link(record.seq, &prev_hash, &record.entry);
                            // A gap in the sequence is a removed entry; a wrong
                            // back link or hash is an altered one.
                            if record.seq != prev_seq + 1
                                || record.prev_hash != prev_hash
                                || record.hash != expected
                            {
                                return Ok(ChainReport::Broken { seq: record.seq });
                            }
                            prev_seq = record.seq;
                            prev_hash = record.hash;
                        }
                    }
                }

                async fn audit_entry(&self, seq: Option<i64>) -> Result<Option<AuditRecord>> {
                    self.read_audit_entry(seq).await
                }

                async fn key_check(&self) -> Result<Option<Vec<u8>>> {
                    self.read_key_check().await
                }

                async fn record_key_check(&self, digest: &[u8]) -> Result<Vec<u8>> {
                    self.write_key_check(digest).await
                }
            }

            #[async_trait]
            impl crate::audit_log::AuditTx for $tx {
                async fn append_audit(&mut self, e: &NewAuditEntry) -> Result<()> {
                    self.pending_audit.push(e.clone());
                    Ok(())
                }

                async fn audit_actors(
                    &mut self,
                    object: &str,
                    outcome: Outcome,
                ) -> Result<Vec<(String, String)>> {
                    // `audit_log_object` (object, seq) finds the case's entries.
                    let stored: Vec<(String, String)> = sqlx::query_as(
                        "SELECT DISTINCT action, actor FROM audit_log \
                         WHERE object = $1 AND outcome = $2 ORDER BY action, actor",
                    )
                    .bind(object)
                    .bind(outcome.as_str())
                    .fetch_all(&mut *self.tx)
                    .await?;
                    // With what this transaction appends, not yet written.
                    let mine = self
                        .pending_audit
                        .iter()
                        .filter(|e| e.object == object && e.outcome == outcome)
                        .map(|e| (e.action.clone(), e.actor.clone()));
                    let pairs: std::collections::BTreeSet<_> = stored.into_iter().chain(mine).collect();
                    Ok(pairs.into_iter().collect())
                }
            }
        }
    };
}
pub(crate) use audit_queries;
