//! The end-to-end harness: a real `carddesk-server` on a port of its own
//! (127.0.0.1:0) over a fresh database from `#[sqlx::test]`, a processor on
//! a manual clock, a reqwest client, bank fixtures enrolled through the
//! protected records, and snapshots of the raw database to prove that a
//! refused request changed nothing.

#![allow(dead_code)] // Each test binary uses its own part of the harness.

mod app;
mod db;
mod fixtures;
mod resp;
mod servers;
mod steps;
mod text;

// The harness's one namespace, as before it was split in parts (a binary
// that uses nothing of a part would otherwise warn of its re-export).
#[allow(unused_imports)]
pub use self::{app::*, db::*, fixtures::*, resp::*, servers::*, steps::*, text::*};

/// When every test's clock starts (the processor's tests start at the same
/// time).
pub use carddesk_testkit::start;

/// Generates, for each scenario `async fn name(TestApp)`, one
/// `#[sqlx::test]` on SQLite and one on PostgreSQL, each with a server
/// spawned over a fresh database.
#[macro_export]
macro_rules! on_both_databases {
    ($($scenario:ident => $sqlite:ident, $postgres:ident;)*) => {
        $(
            #[sqlx::test(migrations = false)]
            async fn $sqlite(pool: sqlx::SqlitePool) {
                let (store, keys, raw) = common::sqlite(pool).await;
                let app = common::spawn_app(store, keys, raw).await;
                $scenario(&app).await;
                app.stop().await;
            }

            #[sqlx::test(migrations = false)]
            async fn $postgres(pool: sqlx::PgPool) {
                let (store, keys, raw) = common::postgres(pool).await;
                let app = common::spawn_app(store, keys, raw).await;
                $scenario(&app).await;
                app.stop().await;
            }
        )*
    };
}
