//! The worker: two of them over one database deliver each message once,
//! the local outbox, stale instructions, running until shutdown, and the
//! backoff and lease it retries by.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use crate::common::{self, *};
use crate::support::*;
use carddesk_processor::ProcessorError;
use carddesk_processor::delivery::sms::SmsGateway;
use carddesk_processor::delivery::{
    Adapters, DeliveryConfig, DeliveryCounts, DeliveryWorker, GatewayConfig,
};
use carddesk_store::{PgStore, SqliteStore, Store};
use chrono::Duration;
use secrecy::SecretString;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A second store over the same database, on a pool of its own, as a
/// second server process would have.
async fn second_store(db: &TestDb) -> Arc<dyn Store> {
    match &db.raw {
        RawDb::Sqlite(pool) => {
            let pool = sqlx::SqlitePool::connect_with((*pool.connect_options()).clone())
                .await
                .expect("second SQLite pool");
            Arc::new(
                SqliteStore::from_pool(pool, db.keys.audit_key())
                    .await
                    .expect("second SQLite store"),
            )
        }
        RawDb::Postgres(pool) => {
            let pool = sqlx::PgPool::connect_with((*pool.connect_options()).clone())
                .await
                .expect("second PostgreSQL pool");
            Arc::new(
                PgStore::from_pool(pool, db.keys.audit_key())
                    .await
                    .expect("second PostgreSQL store"),
            )
        }
    }
}

pub(crate) async fn two_workers_deliver_each_message_once(store: Arc<dyn Store>, db: TestDb) {
    const CASES: u32 = 16;
    capture_logs();
    let desk = Desk::new(store, &db).await;
    let other = Desk::new(second_store(&db).await, &db).await;
    let server = MockServer::start().await;
    // A little latency, so that the workers' passes overlap.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(StdDuration::from_millis(25)))
        .mount(&server)
        .await;
    for seed in 0..CASES {
        instructed(&desk, 100 + seed, "en", TEXT).await;
    }
    let small_batches = || DeliveryConfig {
        batch: 3,
        ..config("racer")
    };
    let one = worker(&desk, gateways(&server), small_batches());
    let two = worker(&other, gateways(&server), small_batches());

    async fn drain(w: DeliveryWorker, desk: Desk) -> DeliveryCounts {
        let mut total = DeliveryCounts::default();
        loop {
            let counts = pass(&w, &desk).await;
            if counts.claimed == 0 {
                return total;
            }
            total.claimed += counts.claimed;
            total.sent += counts.sent;
            total.lost += counts.lost;
        }
    }
    let (a, b) = tokio::join!(
        tokio::spawn(drain(one, desk.clone())),
        tokio::spawn(drain(two, other.clone()))
    );
    let (a, b) = (a.expect("worker one"), b.expect("worker two"));
    assert_eq!(a.sent + b.sent, CASES, "{a:?} {b:?}");
    assert_eq!(a.lost + b.lost, 0);
    assert!(a.sent > 0 && b.sent > 0, "both took part: {a:?} {b:?}");

    let mut per_key: BTreeMap<String, u32> = BTreeMap::new();
    for hit in requests(&server).await {
        *per_key
            .entry(header(&hit, "idempotency-key").to_owned())
            .or_default() += 1;
    }
    let rows = desk.store.outbox(None, 1_000).await.expect("outbox");
    assert_eq!(rows.len(), CASES as usize);
    for row in rows {
        assert_eq!(row.status, "sent");
        assert_eq!(row.attempts, 1);
        assert_eq!(
            per_key.get(&row.message.idempotency_key),
            Some(&1),
            "each message reached the gateway exactly once"
        );
    }
    assert_eq!(per_key.len(), CASES as usize);
}

pub(crate) async fn local_outbox_marks_sent_locally(store: Arc<dyn Store>, db: TestDb) {
    capture_logs();
    let desk = Desk::new(store, &db).await;
    let (case, code, _) = instructed(&desk, 9, "zh-CN", TEXT_AND_VOICE).await;
    let w = worker(&desk, Adapters::local(), config("demo"));
    assert_eq!(pass(&w, &desk).await.sent, 2);
    for row in deliveries(&desk, case).await {
        assert_eq!(row.message.status, "sent");
        assert_eq!(row.delivered_via.as_deref(), Some("local"));
    }
    // The demo's customer phone still reads them.
    let phone = desk.processor.local_outbox(100).await.expect("outbox");
    assert_eq!(phone.len(), 2);
    assert!(phone[0].body.contains(&code));
    assert!(phone[1].body.contains(&spelled(&code)));
}

pub(crate) async fn stale_instructions_are_not_delivered(store: Arc<dyn Store>, db: TestDb) {
    capture_logs();
    let desk = Desk::new(store, &db).await;
    let server = MockServer::start().await;
    answer(&server, "/sms", 200).await;
    let w = worker(&desk, gateways(&server), config("w1"));

    // A case cancelled before its text went out.
    let (cancelled, _, _) = instructed(&desk, 10, "en", TEXT).await;
    desk.processor
        .cancel(&agent("alice"), cancelled, "caller hung up", CONSOLE)
        .await
        .expect("cancel");
    let counts = pass(&w, &desk).await;
    assert_eq!((counts.claimed, counts.failed), (1, 1));
    assert_eq!(
        deliveries(&desk, cancelled).await[0]
            .last_error_code
            .as_deref(),
        Some("case_moved_on")
    );

    // A code that ran out while the gateway was down.
    let (expired, _, _) = instructed(&desk, 11, "en", TEXT).await;
    desk.advance(Duration::minutes(16));
    assert_eq!(pass(&w, &desk).await.failed, 1);
    assert_eq!(
        deliveries(&desk, expired).await[0]
            .last_error_code
            .as_deref(),
        Some("code_expired")
    );
    assert_eq!(requests(&server).await.len(), 0, "nothing stale was sent");
}

pub(crate) async fn worker_runs_until_shutdown(store: Arc<dyn Store>, db: TestDb) {
    capture_logs();
    let desk = Desk::new(store, &db).await;
    let server = MockServer::start().await;
    answer(&server, "/sms", 200).await;
    // Polling only every hour: what wakes the worker is the processor
    // saying an instruction was queued.
    let w = worker(
        &desk,
        gateways(&server),
        DeliveryConfig {
            poll_interval: StdDuration::from_secs(3_600),
            ..config("runner")
        },
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn({
        let w = w.clone();
        async move { w.run(stopped).await }
    });
    tokio::time::sleep(StdDuration::from_millis(100)).await;
    let (case, _, _) = instructed(&desk, 13, "zh-CN", TEXT).await;
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(10);
    while deliveries(&desk, case).await[0].message.status != "sent" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not delivered in time"
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    stop.send(true).expect("the worker listens");
    tokio::time::timeout(StdDuration::from_secs(5), running)
        .await
        .expect("the worker stops when told")
        .expect("the worker ran");
    assert_eq!(requests(&server).await.len(), 1);
}

// ---------------------------------------------------------------------------
// Without a database
// ---------------------------------------------------------------------------

#[test]
fn backoff_doubles_up_to_the_cap() {
    let c = config("w");
    let waits: Vec<i64> = (1..=6).map(|n| c.backoff(n).num_seconds()).collect();
    assert_eq!(waits, [10, 20, 40, 60, 60, 60]);
    assert_eq!(c.backoff(u32::MAX), Duration::seconds(60));
}

#[sqlx::test(migrations = false)]
async fn a_lease_must_outlast_a_delivery(pool: sqlx::SqlitePool) {
    let (store, db) = common::sqlite(pool).await;
    let desk = Desk::new(store, &db).await;
    let server = MockServer::start().await;
    let slow = GatewayConfig {
        timeout: StdDuration::from_secs(30),
        ..endpoint(&server, "/sms")
    };
    let adapters = Adapters {
        text: Arc::new(SmsGateway::new(slow).expect("gateway")),
        voice: Arc::new(carddesk_processor::delivery::local::LocalOutbox),
    };
    DeliveryWorker::new(desk.processor.clone(), adapters, config("w"))
        .expect("a 60 s lease outlasts a 30 s timeout");
    let too_long = GatewayConfig {
        timeout: StdDuration::from_secs(90),
        ..endpoint(&server, "/sms")
    };
    let adapters = Adapters {
        text: Arc::new(SmsGateway::new(too_long).expect("gateway")),
        voice: Arc::new(carddesk_processor::delivery::local::LocalOutbox),
    };
    let err = DeliveryWorker::new(desk.processor.clone(), adapters, config("w"))
        .expect_err("the lease must outlast the timeout");
    assert!(matches!(err, ProcessorError::Config(_)), "{err:?}");
    // A gateway without a secret is refused at once.
    let unsigned = GatewayConfig {
        secret: SecretString::from(String::new()),
        ..endpoint(&server, "/sms")
    };
    assert!(SmsGateway::new(unsigned).is_err());
}
