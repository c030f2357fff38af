//! The health probes on both databases: live answers while the process
//! does; ready answers only while the database does (and, on PostgreSQL,
//! the event relay listens), and names the failing part when not. Neither
//! takes a session nor counts against the rate limits.

mod common;

use common::{RawDb, TestApp};

on_both_databases! {
    live_and_ready_answer_without_a_session => health_sqlite, health_postgres;
    ready_says_the_database_failed_once_it_is_closed => closed_sqlite, closed_postgres;
}

async fn live_and_ready_answer_without_a_session(app: &TestApp) {
    let live = app.get("/health/live", None).await;
    assert_eq!(live.status, 200);
    assert_eq!(live.json(), serde_json::json!({"status": "live"}));
    // Far more probes than the pages' per-address burst (30): no limit.
    for _ in 0..40 {
        let ready = app.get("/health/ready", None).await;
        assert_eq!(ready.status, 200, "{}", ready.text());
        assert_eq!(ready.json(), serde_json::json!({"status": "ready"}));
    }
    if app.store.kind() == "postgres" {
        assert!(
            app.processor.events().relaying(),
            "the PostgreSQL server relays events"
        );
    }
}

async fn ready_says_the_database_failed_once_it_is_closed(app: &TestApp) {
    // Closing marks the pool closed at once; the wait for its connections
    // to come back is cut short, since on PostgreSQL the event listener
    // holds one until the processor is dropped.
    let wait = std::time::Duration::from_secs(1);
    let _ = match &app.raw {
        RawDb::Sqlite(pool) => tokio::time::timeout(wait, pool.close()).await,
        RawDb::Postgres(pool) => tokio::time::timeout(wait, pool.close()).await,
    };
    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status, 503, "{}", ready.text());
    assert_eq!(
        ready.json(),
        serde_json::json!({"status": "unavailable", "failing": "database"})
    );
    // The process still answers: liveness does not depend on the database.
    let live = app.get("/health/live", None).await;
    assert_eq!(live.status, 200);
}
