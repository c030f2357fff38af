//! The shared store: PostgreSQL, for many consoles and servers at once.

use std::sync::Arc;

use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres};

use crate::{AuditKey, Result};

/// The channel processes notify each other of changes on.
pub const CHANNEL: &str = "carddesk_events";

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    key: Arc<AuditKey>,
}

impl PgStore {
    /// Connects to the database a `postgres://` URL names and applies the
    /// migrations.
    pub async fn connect(url: &str, key: AuditKey) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect(url)
            .await?;
        Self::from_pool(pool, key).await
    }

    /// Wraps an existing pool (tests get theirs from `#[sqlx::test]`) and
    /// applies the migrations, if any is pending: a server running as a
    /// role that may not create tables (see [`crate::pg_roles`]) opens a
    /// migrated database without touching its schema.
    pub async fn from_pool(pool: PgPool, key: AuditKey) -> Result<Self> {
        let migrator = sqlx::migrate!("migrations/postgres");
        if crate::pg_roles::pending(&pool, &migrator).await? {
            migrator.run(&pool).await?;
        }
        Ok(Self {
            pool,
            key: Arc::new(key),
        })
    }

    /// The pool, for benchmarks that compare against raw queries.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Notifies every listener of [`CHANNEL`], in every process.
    async fn notify_all(&self, payload: &str) -> Result<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Listens on [`CHANNEL`] on a connection of its own, forwarding
    /// payloads until the receiver is dropped. A lost connection is
    /// re-established by sqlx's listener; notifications sent while it was
    /// down are lost, so watchers re-read what they show on reconnecting.
    async fn listen_all(&self) -> Result<Option<tokio::sync::mpsc::Receiver<String>>> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        let (sender, receiver) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(async move {
            loop {
                let received = tokio::select! {
                    received = listener.recv() => received,
                    // The processor stopped listening: close the connection.
                    () = sender.closed() => return,
                };
                match received {
                    Ok(n) => {
                        if sender.send(n.payload().to_owned()).await.is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "event listener lost its connection; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(Some(receiver))
    }

    async fn begin_write(
        &self,
    ) -> Result<(
        sqlx::Transaction<'static, Postgres>,
        Option<tokio::sync::OwnedMutexGuard<()>>,
    )> {
        Ok((self.pool.begin().await?, None))
    }
}

crate::sql::backend! {
    store = PgStore,
    tx = PgTx,
    db = sqlx::Postgres,
    kind = "postgres",
    lock_row = " FOR UPDATE",
    // Claims of due outbox messages pass over rows another claim holds
    // instead of queueing behind it.
    skip_locked = " FOR UPDATE SKIP LOCKED",
    // Appends to the chain must be serial: each reads the head the one
    // before wrote. A transaction-scoped advisory lock orders them without
    // blocking readers of the log.
    audit_lock = Some("SELECT pg_advisory_xact_lock(7271001)"),
    sync_sequences = &[
        "SELECT setval(pg_get_serial_sequence('customers', 'id'), COALESCE((SELECT MAX(id) FROM customers), 0) + 1, false)",
        "SELECT setval(pg_get_serial_sequence('cards', 'id'), COALESCE((SELECT MAX(id) FROM cards), 0) + 1, false)",
    ],
}

crate::search::search_queries! {
    store = PgStore,
    db = sqlx::Postgres,
    explain = "EXPLAIN ",
    plan_column = "QUERY PLAN",
}

crate::idempotency::idempotency_queries! {
    store = PgStore,
}

crate::buckets::bucket_queries! {
    store = PgStore,
    least = "LEAST",
    greatest = "GREATEST",
}

crate::integrity::integrity_queries! {
    store = PgStore,
}
