//! The stores under test: one on either database, with the raw pool beneath
//! it for what the interface does not offer, and the macro that runs a
//! scenario on both.

use std::path::PathBuf;
use std::sync::Arc;

use carddesk_processor::Keyring;
use carddesk_store::{PgStore, SqliteStore, Store};
use sqlx::{PgPool, SqlitePool};

/// The raw pool under a store.
#[derive(Debug, Clone)]
pub enum RawDb {
    /// SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
}

impl RawDb {
    /// Runs raw SQL (one or more statements), bypassing the store.
    pub async fn exec(&self, sql: &str) -> Result<u64, sqlx::Error> {
        match self {
            RawDb::Sqlite(pool) => sqlx::raw_sql(sql)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
            RawDb::Postgres(pool) => sqlx::raw_sql(sql)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
        }
    }

    /// What an attacker with database access does first: removes the
    /// triggers that keep the audit log append-only.
    pub async fn drop_audit_triggers(&self) {
        let sql = match self {
            RawDb::Sqlite(_) => {
                "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
            }
            RawDb::Postgres(_) => {
                "DROP TRIGGER audit_log_no_update ON audit_log; \
                 DROP TRIGGER audit_log_no_truncate ON audit_log;"
            }
        };
        self.exec(sql).await.expect("drop the audit triggers");
    }
}

/// A database under test: the keyring whose audit key the store holds, the
/// raw pool, and (for file-backed SQLite) the directory that holds it.
#[derive(Debug)]
pub struct TestDb {
    /// The one keyring of the test: the store's audit key comes from it and
    /// the processor seals and hashes with it.
    pub keys: Arc<Keyring>,
    /// The raw pool.
    pub raw: RawDb,
    /// The SQLite file, when the test opened one itself.
    pub file: Option<PathBuf>,
    /// Keeps that file's directory alive.
    pub dir: Option<tempfile::TempDir>,
}

/// A store over the pool `#[sqlx::test]` gave (SQLite).
pub async fn sqlite(pool: SqlitePool) -> (Arc<dyn Store>, TestDb) {
    let keys = Arc::new(Keyring::generate());
    let store = SqliteStore::from_pool(pool, keys.audit_key())
        .await
        .expect("SQLite migrations apply");
    let raw = RawDb::Sqlite(store.pool().clone());
    (
        Arc::new(store),
        TestDb {
            keys,
            raw,
            file: None,
            dir: None,
        },
    )
}

/// A store over the pool `#[sqlx::test]` gave (PostgreSQL).
pub async fn postgres(pool: PgPool) -> (Arc<dyn Store>, TestDb) {
    let keys = Arc::new(Keyring::generate());
    let store = PgStore::from_pool(pool, keys.audit_key())
        .await
        .expect("PostgreSQL migrations apply");
    let raw = RawDb::Postgres(store.pool().clone());
    (
        Arc::new(store),
        TestDb {
            keys,
            raw,
            file: None,
            dir: None,
        },
    )
}

/// A store as the console opens it: an SQLite file in WAL mode, in a fresh
/// temporary directory.
pub async fn sqlite_file() -> (Arc<dyn Store>, TestDb) {
    let keys = Arc::new(Keyring::generate());
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("carddesk.db");
    let url = format!("sqlite:{}", file.display());
    let store = SqliteStore::open(&url, keys.audit_key())
        .await
        .expect("open the SQLite file");
    let raw = RawDb::Sqlite(store.pool().clone());
    (
        Arc::new(store),
        TestDb {
            keys,
            raw,
            file: Some(file),
            dir: Some(dir),
        },
    )
}

/// Runs a race on PostgreSQL on a multi-threaded runtime of its own, over a
/// new pool to the database `#[sqlx::test]` made: that test's runtime is
/// current-thread, and a race needs threads.
pub fn on_postgres<F, Fut>(pool: PgPool, scenario: F)
where
    F: FnOnce(Arc<dyn Store>, TestDb) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let options = (*pool.connect_options()).clone();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async move {
                let pool = PgStore::pool_options()
                    .max_connections(16)
                    .connect_with(options)
                    .await
                    .expect("connect");
                let (store, db) = postgres(pool.clone()).await;
                scenario(store, db).await;
                pool.close().await;
            });
    })
    .join()
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

/// Generates, for each generic scenario `async fn name(Arc<dyn Store>,
/// TestDb)`, one `#[sqlx::test]` on SQLite and one on PostgreSQL, each on
/// a fresh database the store migrates itself.
#[macro_export]
macro_rules! on_both_databases {
    ($($scenario:ident => $sqlite:ident, $postgres:ident;)*) => {
        $(
            #[sqlx::test(migrations = false)]
            async fn $sqlite(pool: sqlx::SqlitePool) {
                let (store, db) = common::sqlite(pool).await;
                $scenario(store, db).await;
            }

            #[sqlx::test(migrations = false)]
            async fn $postgres(pool: sqlx::PgPool) {
                let (store, db) = common::postgres(pool).await;
                $scenario(store, db).await;
            }
        )*
    };
}
