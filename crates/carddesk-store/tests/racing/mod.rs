//! A store on threads of its own, for races: `#[sqlx::test]` runs on a
//! current-thread runtime, and a race needs threads. Shared by the test
//! binaries that fire many calls at one store at once.

use std::future::Future;
use std::sync::Arc;

use carddesk_store::{AuditKey, PgStore, SqliteStore, Store};

fn on_threads<F: Future<Output = ()> + Send + 'static>(f: F) {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f)
    })
    .join()
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

/// Runs `scenario` over the SQLite file a console opens, in a fresh
/// temporary directory.
pub fn on_sqlite_file<F, Fut>(key: AuditKey, scenario: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    on_threads(async move {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite:{}", dir.path().join("carddesk.db").display());
        let store = SqliteStore::open(&url, key).await.expect("open");
        scenario(Arc::new(store)).await;
    });
}

/// Runs `scenario` over a new pool to the database `#[sqlx::test]` made.
pub fn on_postgres<F, Fut>(pool: &sqlx::PgPool, key: AuditKey, scenario: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let options = (*pool.connect_options()).clone();
    on_threads(async move {
        let pool = PgStore::pool_options()
            .max_connections(12)
            .connect_with(options)
            .await
            .expect("connect");
        let store = PgStore::from_pool(pool, key).await.expect("migrate");
        scenario(Arc::new(store)).await;
    });
}
