//! The chaos run on both databases: the real server binary killed with
//! SIGKILL at random moments under a load of agents and customers, started
//! again each time, the database checked after every kill (see
//! `chaos_run`). Short here (3 kills, 40 flows); `cargo xtask chaos` sets
//! `CARDDESK_CHAOS_KILLS`, `CARDDESK_CHAOS_CUSTOMERS` and
//! `CARDDESK_CHAOS_SECONDS` for the full run of docs/reliability.md.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod chaos_run;
mod common;

use chaos_run::{Report, Settings};
use sqlx::PgPool;

fn passes(report: &Report) {
    println!(
        "| database | kills | flows | unfrozen | sent again | calls asked again | longest wait | duplicate deliveries | delivered, recorded unsent | time | broken |"
    );
    println!("{}", report.line());
    assert!(
        report.broken.is_empty() && report.failed_flows.is_empty(),
        "after {} kills: broken rules {:#?}; failed flows {:#?}",
        report.kills,
        report.broken,
        report.failed_flows
    );
    assert_eq!(report.kills, Settings::from_env().kills);
    assert_eq!(
        report.unfrozen,
        u64::from(report.flows),
        "every flow unfrozen its card"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_kills_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("chaos.db");
    let url = format!("sqlite:{}", file.display());
    // The file made and migrated (and the key file written) before the
    // harness's own pool, for the checks between kills, opens it.
    carddesk_processor::keyfile::open_store(&dir.path().join("master.key"), &url)
        .await
        .expect("create the database");
    let raw = common::RawDb::Sqlite(
        sqlx::SqlitePool::connect(&url)
            .await
            .expect("a pool on the chaos file"),
    );
    passes(&chaos_run::run("SQLite", url, raw, dir.path(), Settings::from_env()).await);
}

#[sqlx::test(migrations = false)]
async fn survives_kills_on_postgres(pool: PgPool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let name = pool
        .connect_options()
        .get_database()
        .expect("a test database")
        .to_owned();
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL names the PostgreSQL server");
    let url = match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("DATABASE_URL {base} has no database part"),
    };
    let raw = common::RawDb::Postgres(pool);
    passes(&chaos_run::run("PostgreSQL", url, raw, dir.path(), Settings::from_env()).await);
}
