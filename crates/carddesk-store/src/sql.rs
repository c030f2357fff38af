//! The SQL both backends share, written once.
//!
//! `backend!` implements [`Store`](crate::Store) and [`Tx`](crate::Tx) for
//! one database type: the transaction with its audit append at commit, the
//! interface's own calls here, and each topic's supertraits through that
//! topic's macro (`cards.rs`, `bulk.rs`, `cases.rs` with
//! `credential_failures.rs`, `outbox.rs`, `audit_log.rs`, `staff.rs`).
//! The SQL is the same on both (SQLite accepts `$1`
//! placeholders and `RETURNING`); what differs is passed in: the suffix that
//! locks a row (`FOR UPDATE` on PostgreSQL; nothing on SQLite, whose write
//! transactions start `IMMEDIATE` and so already exclude other writers), the
//! statement that serialises appends to the audit chain, and the statements
//! that move id sequences after bulk inserts.

macro_rules! card_columns {
    () => {
        "id, customer_id, bin, last_four, pan_length, product, status, freeze_reason, frozen_since"
    };
}

macro_rules! customer_columns {
    () => {
        "id, name, document_kind, document_masked, phone, language"
    };
}

macro_rules! case_columns {
    () => {
        "id, card_id, customer_id, reason, credentials, needs_approval, state, failed_attempts, \
         opened_by, assignee, opened_at, updated_at, expires_at, code_used_at"
    };
}

macro_rules! audit_columns {
    () => {
        "seq, at, actor, action, object, origin, outcome, detail, prev_hash, hash"
    };
}

/// Bulk inserts go in chunks that stay under SQLite's limit of 32,766
/// bound parameters per statement.
pub(crate) const BULK_ROWS: usize = 2_000;

/// Audit entries read per round trip while verifying the chain.
pub(crate) const CHAIN_PAGE: i64 = 5_000;

macro_rules! backend {
    (
        store = $store:ident,
        tx = $tx:ident,
        db = $db:ty,
        kind = $kind:literal,
        lock_row = $lock:literal,
        skip_locked = $skip_locked:literal,
        audit_head = $audit_head:literal,
        sync_sequences = $sync:expr $(,)?
    ) => {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};

        use crate::records::*;
        use crate::rows::*;
        use crate::sql::BULK_ROWS;
        use crate::{GENESIS, Store, Tx};

        /// A write transaction on this database.
        pub struct $tx {
            tx: sqlx::Transaction<'static, $db>,
            key: std::sync::Arc<crate::AuditKey>,
            // Held until commit or rollback where the backend queues its
            // writers in-process (SQLite); see `begin_write`.
            _writer: Option<tokio::sync::OwnedMutexGuard<()>>,
            // The audit entries this transaction appends, written to the
            // chain in one statement when it commits: the chain's lock is
            // taken then, and held only for the append and the commit.
            pending_audit: Vec<NewAuditEntry>,
        }

        impl std::fmt::Debug for $tx {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($tx), "(..)"))
            }
        }

        impl $tx {
            /// Appends `entries` to the audit chain in order: the chain's
            /// lock where the backend needs one (held until this
            /// transaction ends, so nobody else moves the head) and the
            /// head in one round trip, then one multi-row insert.
            async fn write_audit(&mut self, entries: &[NewAuditEntry]) -> Result<()> {
                use sqlx::Row;
                // The lock and the head in one round trip: statements sent
                // together as one simple query still each read the
                // database as of their own start, so the head is read
                // after the lock is held. Only the head has a `seq`.
                let mut head: Option<(i64, Vec<u8>)> = None;
                let conn: &mut <$db as sqlx::Database>::Connection = &mut self.tx;
                let rows = sqlx::Executor::fetch_all(conn, sqlx::raw_sql($audit_head)).await?;
                for row in rows {
                    match row.try_get::<i64, _>("seq") {
                        Ok(seq) => head = Some((seq, row.try_get("hash")?)),
                        // The lock's row.
                        Err(sqlx::Error::ColumnNotFound(_)) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                let (mut seq, mut prev_hash) = head.unwrap_or((0, GENESIS.to_vec()));
                let key = self.key.clone();
                for chunk in entries.chunks(BULK_ROWS) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(concat!(
                        "INSERT INTO audit_log (",
                        audit_columns!(),
                        ") "
                    ));
                    q.push_values(chunk, |mut row, e| {
                        seq += 1;
                        let hash = key.link(seq, &prev_hash, e);
                        row.push_bind(seq)
                            .push_bind(micros(e.at))
                            .push_bind(e.actor.as_str())
                            .push_bind(e.action.as_str())
                            .push_bind(e.object.as_str())
                            .push_bind(e.origin.as_str())
                            .push_bind(e.outcome.as_str())
                            .push_bind(e.detail.as_str())
                            .push_bind(std::mem::replace(&mut prev_hash, hash.clone()))
                            .push_bind(hash);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl Store for $store {
            fn kind(&self) -> &'static str {
                $kind
            }

            async fn begin(&self) -> Result<Box<dyn Tx>> {
                let (tx, writer) = self.begin_write().await?;
                Ok(Box::new($tx {
                    tx,
                    key: self.key.clone(),
                    _writer: writer,
                    pending_audit: Vec::new(),
                }))
            }

            async fn search_customers(
                &self,
                terms: &[crate::search::SearchTerm],
                per_term: u32,
            ) -> Result<Vec<crate::search::CustomerMatch>> {
                self.search_rows(terms, per_term).await
            }

            async fn notify(&self, payloads: &[String]) -> Result<()> {
                self.notify_all(payloads).await
            }

            async fn listen(&self) -> Result<Option<tokio::sync::mpsc::Receiver<String>>> {
                self.listen_all().await
            }

            async fn idempotent_response(
                &self,
                scope: &str,
                key: &str,
            ) -> Result<Option<IdempotentResponse>> {
                sqlx::query_as::<$db, IdempotencyRow>(
                    "SELECT request_digest, status, response_sealed, created_at \
                     FROM idempotency_keys WHERE scope = $1 AND key = $2",
                )
                .bind(scope)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?
                .map(IdempotentResponse::try_from)
                .transpose()
            }

            async fn claim_idempotency_key(
                &self,
                scope: &str,
                key: &str,
                request_digest: &[u8],
                times: crate::ClaimTimes,
            ) -> Result<crate::IdempotencyClaim> {
                self.claim_key(scope, key, request_digest, times).await
            }

            async fn finish_idempotency_key(
                &self,
                scope: &str,
                key: &str,
                response: &IdempotentResponse,
            ) -> Result<bool> {
                self.finish_key(scope, key, response).await
            }

            fn pool_use(&self) -> (u32, usize) {
                (self.pool.size(), self.pool.num_idle())
            }

            async fn take_rate_token(
                &self,
                key: &str,
                capacity: f64,
                per_second: f64,
                now: DateTime<Utc>,
            ) -> Result<Option<std::time::Duration>> {
                self.take_token(key, capacity, per_second, now).await
            }

            async fn purge_rate_buckets(&self, idle_since: DateTime<Utc>) -> Result<u64> {
                self.purge_buckets(idle_since).await
            }

            async fn release_idempotency_key(
                &self,
                scope: &str,
                key: &str,
                request_digest: &[u8],
            ) -> Result<()> {
                self.release_key(scope, key, request_digest).await
            }
        }

        #[async_trait]
        impl Tx for $tx {
            async fn commit(mut self: Box<Self>) -> Result<()> {
                let entries = std::mem::take(&mut self.pending_audit);
                if !entries.is_empty() {
                    self.write_audit(&entries).await?;
                }
                Ok(self.tx.commit().await?)
            }

            async fn purge_idempotency(&mut self, before: DateTime<Utc>) -> Result<u64> {
                Ok(
                    sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                        .bind(micros(before))
                        .execute(&mut *self.tx)
                        .await?
                        .rows_affected(),
                )
            }
        }

        crate::cards::card_queries! { store = $store, tx = $tx, db = $db, lock_row = $lock }
        crate::bulk::bulk_queries! { tx = $tx, db = $db, sync_sequences = $sync }
        crate::cases::case_queries! { store = $store, tx = $tx, db = $db, lock_row = $lock }
        crate::credential_failures::failure_queries! {
            store = $store, tx = $tx, db = $db, lock_row = $lock
        }
        crate::outbox::outbox_queries! {
            store = $store, tx = $tx, db = $db, skip_locked = $skip_locked
        }
        crate::audit_log::audit_queries! { store = $store, tx = $tx, db = $db }
        crate::staff::staff_queries! { store = $store, tx = $tx, db = $db }
    };
}

pub(crate) use backend;
