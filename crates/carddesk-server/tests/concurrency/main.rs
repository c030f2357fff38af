//! 200 customers at once through the customer API, on SQLite and
//! PostgreSQL, on a multi-thread runtime: one in ten uploads the wrong
//! credentials, some of the others upload twice at the same moment. Every
//! right one is unfrozen exactly once, every wrong one is counted once,
//! the audit chain holds, and nothing else changes.
//!
//! This file holds the two tests, one per store, and the runtime they run on.

#[path = "../common/mod.rs"]
mod common;

mod customer;
mod scenario;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteJournalMode, SqlitePoolOptions};

use scenario::two_hundred_customers;

const CUSTOMERS: u32 = 200;
const BYSTANDERS: u32 = 20;

#[sqlx::test(migrations = false)]
async fn sqlite_two_hundred_customers(pool: sqlx::SqlitePool) {
    // The store as the server opens its file: WAL, a busy timeout.
    let options = (*pool.connect_options())
        .clone()
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    on_multi_thread(async move {
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .expect("SQLite pool");
        let (store, keys, raw) = common::sqlite(pool.clone()).await;
        let app = Arc::new(common::spawn_app(store, keys, raw).await);
        two_hundred_customers(app.clone()).await;
        app.stop().await;
        drop(app);
        pool.close().await;
    })
    .await;
}

#[sqlx::test(migrations = false)]
async fn postgres_two_hundred_customers(pool: sqlx::PgPool) {
    let options = (*pool.connect_options()).clone();
    on_multi_thread(async move {
        let pool = carddesk_store::PgStore::pool_options()
            .max_connections(16)
            .connect_with(options)
            .await
            .expect("PostgreSQL pool");
        let (store, keys, raw) = common::postgres(pool.clone()).await;
        let app = Arc::new(common::spawn_app(store, keys, raw).await);
        two_hundred_customers(app.clone()).await;
        app.stop().await;
        drop(app);
        pool.close().await;
    })
    .await;
}

/// Runs `scenario` on a multi-thread runtime of its own (`#[sqlx::test]`
/// gives a current-thread one), on a thread of its own, and waits for it;
/// a panic there fails the test here.
async fn on_multi_thread(scenario: impl Future<Output = ()> + Send + 'static) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(
                std::thread::available_parallelism()
                    .map(usize::from)
                    .unwrap_or(2)
                    .max(4),
            )
            .enable_all()
            .build()
            .expect("a multi-thread runtime");
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime.block_on(scenario);
        }));
        drop(runtime);
        let _ = tx.send(outcome);
    });
    match rx.await.expect("the scenario's thread reports") {
        Ok(()) => {}
        Err(panic) => std::panic::resume_unwind(panic),
    }
}
