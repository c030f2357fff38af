//! The embedded default: an SQLite file in WAL mode.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

use crate::{AuditKey, Result};

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    key: Arc<AuditKey>,
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database a `sqlite:` URL names, in WAL
    /// mode, and applies the migrations.
    pub async fn open(url: &str, key: AuditKey) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL is durable against application crashes and
            // loses at most the last commits on power loss, the usual choice.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A file does not drop a connection: no check before each use
            // (sqlx's default, a round trip to the connection's thread).
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Self::from_pool(pool, key).await
    }

    /// Wraps an existing pool (tests get theirs from `#[sqlx::test]`) and
    /// applies the migrations.
    pub async fn from_pool(pool: SqlitePool, key: AuditKey) -> Result<Self> {
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self {
            pool,
            key: Arc::new(key),
            writer: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// The pool, for benchmarks that compare against raw queries.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// One process owns an SQLite file: the processor delivers its own
    /// events, so there is nobody to notify.
    async fn notify_all(&self, _payloads: &[String]) -> Result<()> {
        Ok(())
    }

    async fn listen_all(&self) -> Result<Option<tokio::sync::mpsc::Receiver<String>>> {
        Ok(None)
    }

    /// Write transactions take the write lock at `BEGIN`: a deferred
    /// transaction that reads first cannot upgrade once another writer has
    /// committed, and would fail where it should have waited.
    ///
    /// SQLite admits one writer at a time. Writers of this process queue on
    /// an async mutex first: SQLite's own busy handler waits by sleeping in
    /// growing steps, which under contention costs more than the writes.
    /// The busy timeout still covers writers in other processes.
    async fn begin_write(
        &self,
    ) -> Result<(
        sqlx::Transaction<'static, Sqlite>,
        Option<tokio::sync::OwnedMutexGuard<()>>,
    )> {
        let turn = self.writer.clone().lock_owned().await;
        Ok((self.pool.begin_with("BEGIN IMMEDIATE").await?, Some(turn)))
    }
}

crate::sql::backend! {
    store = SqliteStore,
    tx = SqliteTx,
    db = sqlx::Sqlite,
    kind = "sqlite",
    lock_row = "",
    // The claim runs in a write transaction, which already excludes others.
    skip_locked = "",
    // Write transactions already exclude each other: the head alone.
    audit_head = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
    sync_sequences = &[],
}

crate::search::search_queries! {
    store = SqliteStore,
    db = sqlx::Sqlite,
    explain = "EXPLAIN QUERY PLAN ",
    plan_column = "detail",
}

crate::idempotency::idempotency_queries! {
    store = SqliteStore,
}

crate::customer_view::customer_view_queries! {
    store = SqliteStore,
    db = sqlx::Sqlite,
}

crate::customer_case::customer_case_queries! {
    store = SqliteStore,
    tx = SqliteTx,
    db = sqlx::Sqlite,
    lock_row = "",
}

crate::buckets::bucket_queries! {
    store = SqliteStore,
    least = "min",
    greatest = "max",
}

crate::integrity::integrity_queries! {
    store = SqliteStore,
}

crate::applications::application_queries! {
    store = SqliteStore,
    tx = SqliteTx,
    db = sqlx::Sqlite,
    lock_row = "",
}
