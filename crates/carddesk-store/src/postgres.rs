//! The shared store: PostgreSQL, for many consoles and servers at once.

use std::sync::Arc;

use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres};

use crate::{AuditKey, Result};

/// The channel processes notify each other of changes on.
pub const CHANNEL: &str = "carddesk_events";

/// A pooled connection idle this long is asked whether it still works
/// before a call uses it.
const IDLE_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

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
        let pool = Self::pool_options()
            .max_connections(16)
            // With the database away a call fails within 5 s (a 503), not
            // after sqlx's default 30 s wait for a connection.
            .acquire_timeout(std::time::Duration::from_secs(5))
            .connect(url)
            .await?;
        Self::from_pool(pool, key).await
    }

    /// How the store's pool checks its connections. sqlx's default asks
    /// the database (a round trip) before handing a connection out, and it
    /// always does again when the connection comes back, which finds one a
    /// failed call broke; so a read through the pool cost three round trips.
    /// Here a connection is asked before use only when it sat idle for a
    /// second or more, time enough for the database or the network to have
    /// dropped it unnoticed; one broken meanwhile fails its call as the
    /// database being away does (503), and is not returned to the pool.
    pub fn pool_options() -> PgPoolOptions {
        PgPoolOptions::new()
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= IDLE_CHECK {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
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

    /// Notifies every listener of [`CHANNEL`], in every process, of each
    /// payload in order, in one statement (one transaction, one round trip
    /// however many there are). PostgreSQL delivers a payload repeated
    /// within one transaction once.
    async fn notify_all(&self, payloads: &[String]) -> Result<()> {
        sqlx::query(
            "SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS n(p, i) ORDER BY i",
        )
        .bind(CHANNEL)
        .bind(payloads)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Listens on [`CHANNEL`] on a connection of its own, forwarding
    /// payloads until the receiver is dropped. A lost connection is opened
    /// again (every second until the database answers); notifications sent
    /// while it was down are lost, so once it listens again
    /// [`crate::LISTEN_GAP`] is forwarded, for watchers to re-read what
    /// they show.
    async fn listen_all(&self) -> Result<Option<tokio::sync::mpsc::Receiver<String>>> {
        let mut listener = Self::listener(&self.pool).await?;
        let pool = self.pool.clone();
        let (sender, receiver) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(async move {
            loop {
                let received = tokio::select! {
                    received = listener.try_recv() => received,
                    // The processor stopped listening: close the connection.
                    () = sender.closed() => return,
                };
                let payload = match received {
                    Ok(Some(n)) => n.payload().to_owned(),
                    Ok(None) | Err(_) => {
                        tracing::warn!("event listener lost its connection; reconnecting");
                        listener = loop {
                            tokio::select! {
                                fresh = Self::listener(&pool) => match fresh {
                                    Ok(fresh) => break fresh,
                                    Err(_) => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
                                },
                                () = sender.closed() => return,
                            }
                        };
                        tracing::info!("event listener listens again");
                        crate::LISTEN_GAP.to_owned()
                    }
                };
                if sender.send(payload).await.is_err() {
                    return;
                }
            }
        });
        Ok(Some(receiver))
    }

    async fn listener(pool: &PgPool) -> Result<sqlx::postgres::PgListener> {
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
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
    audit_head = "SELECT pg_advisory_xact_lock(7271001); \
                  SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
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

crate::customer_view::customer_view_queries! {
    store = PgStore,
    db = sqlx::Postgres,
}

crate::customer_case::customer_case_queries! {
    store = PgStore,
    tx = PgTx,
    db = sqlx::Postgres,
    lock_row = " FOR UPDATE",
}

crate::buckets::bucket_queries! {
    store = PgStore,
    least = "LEAST",
    greatest = "GREATEST",
}

crate::integrity::integrity_queries! {
    store = PgStore,
}

crate::applications::application_queries! {
    store = PgStore,
    tx = PgTx,
    db = sqlx::Postgres,
    lock_row = " FOR UPDATE",
}
