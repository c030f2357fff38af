//! Text through the SMS gateway: the signed request and its idempotency
//! key, retries after server errors and timeouts, and the failures that
//! end a delivery.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use crate::common::*;
use crate::support::*;
use carddesk_processor::Clock;
use carddesk_processor::delivery::{DeliveryCounts, TIMESTAMP_HEADER};
use carddesk_store::Store;
use chrono::Duration;
use wiremock::{MockServer, ResponseTemplate};

pub(crate) async fn text_is_signed_and_carries_the_idempotency_key(
    store: Arc<dyn Store>,
    db: TestDb,
) {
    capture_logs();
    let desk = Desk::new(store, &db).await;
    let server = MockServer::start().await;
    answer(&server, "/sms", 200).await;
    let (case, code, person) = instructed(&desk, 1, "zh-CN", TEXT).await;
    let w = worker(&desk, gateways(&server), config("w1"));

    let counts = pass(&w, &desk).await;
    assert_eq!(
        counts,
        DeliveryCounts {
            claimed: 1,
            sent: 1,
            ..DeliveryCounts::default()
        }
    );
    let hits = requests(&server).await;
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.url.path(), "/sms");
    assert_eq!(header(hit, "content-type"), "application/json");
    assert!(signature_verifies(hit, SECRET), "the signature verifies");
    assert!(
        !signature_verifies(hit, "another secret"),
        "only with the shared secret"
    );
    let signed_at: i64 = header(hit, TIMESTAMP_HEADER).parse().expect("Unix seconds");
    assert!((chrono::Utc::now().timestamp() - signed_at).abs() < 300);

    let row = &deliveries(&desk, case).await[0];
    let key = &row.message.message.idempotency_key;
    assert_eq!(header(hit, "idempotency-key"), key);
    let body = json(hit);
    assert_eq!(body["idempotency_key"], key.as_str());
    assert_eq!(body["to"], person.phone.as_str());
    assert_eq!(body["language"], "zh-CN");
    assert_eq!(body["message_id"], row.message.id);
    let text = body["body"].as_str().expect("the text");
    assert!(text.contains(&code), "the text carries the code");
    let local = desk.processor.local_outbox(100).await.expect("outbox");
    assert_eq!(text, local[0].body, "the text as the processor wrote it");

    assert_eq!(row.message.status, "sent");
    assert_eq!(row.message.attempts, 1);
    assert_eq!(row.delivered_via.as_deref(), Some("sms-gateway"));
    assert_eq!(row.sent_at, Some(start()));
    assert_eq!(row.claimed_until, None);
    assert!(
        desk.actions(case)
            .await
            .contains(&"instruction.sent".to_owned())
    );
    // Delivered is done: nothing left to claim.
    desk.advance(Duration::hours(1));
    assert_eq!(pass(&w, &desk).await, DeliveryCounts::default());
    assert_eq!(requests(&server).await.len(), 1);
}

pub(crate) async fn server_error_then_success_is_one_retry(store: Arc<dyn Store>, db: TestDb) {
    capture_logs();
    let desk = Desk::new(store, &db).await;
    let server = MockServer::start().await;
    answer_once(&server, "/sms", ResponseTemplate::new(500)).await;
    answer(&server, "/sms", 200).await;
    let (case, _, _) = instructed(&desk, 2, "en", TEXT).await;
    let w = worker(&desk, gateways(&server), config("w1"));

    let first = pass(&w, &desk).await;
    assert_eq!((first.claimed, first.retried, first.sent), (1, 1, 0));
    let waiting = &deliveries(&desk, case).await[0];
    assert_eq!(waiting.message.status, "pending");
    assert_eq!(waiting.last_error_code.as_deref(), Some("http_500"));
    assert_eq!(waiting.next_attempt_at, start() + Duration::seconds(10));
    assert_eq!(waiting.claimed_until, None);

    // Not before its time...
    desk.advance(Duration::seconds(9));
    assert_eq!(pass(&w, &desk).await, DeliveryCounts::default());
    // ...then once more, and done.
    desk.advance(Duration::seconds(1));
    let second = pass(&w, &desk).await;
    assert_eq!((second.claimed, second.sent), (1, 1));
    let hits = requests(&server).await;
    assert_eq!(hits.len(), 2, "one retry");
    assert_eq!(
        header(&hits[0], "idempotency-key"),
        header(&hits[1], "idempotency-key"),
        "the retry carries the same key"
    );
    assert_eq!(json(&hits[0]), json(&hits[1]));
    let sent = &deliveries(&desk, case).await[0];
    assert_eq!(sent.message.status, "sent");
    assert_eq!(sent.message.attempts, 2);
    let actions = desk.actions(case).await;
    assert!(actions.ends_with(&[
        "instruction.retry".to_owned(),
        "instruction.sent".to_owned()
    ]));
}

pub(crate) async fn timeout_is_retried(store: Arc<dyn Store>, db: TestDb) {
    capture_logs();
    let desk = Desk::new(store, &db).await;
    let server = MockServer::start().await;
    // Answers, but long after the adapter's 500 ms.
    answer_once(
        &server,
        "/sms",
        ResponseTemplate::new(200).set_delay(StdDuration::from_secs(3)),
    )
    .await;
    answer(&server, "/sms", 200).await;
    let (case, _, _) = instructed(&desk, 3, "zh-CN", TEXT).await;
    let w = worker(&desk, gateways(&server), config("w1"));

    let first = pass(&w, &desk).await;
    assert_eq!((first.claimed, first.retried), (1, 1));
    assert_eq!(
        deliveries(&desk, case).await[0].last_error_code.as_deref(),
        Some("timeout")
    );
    desk.advance(Duration::seconds(10));
    assert_eq!(pass(&w, &desk).await.sent, 1);
    assert_eq!(requests(&server).await.len(), 2);
    assert_eq!(deliveries(&desk, case).await[0].message.status, "sent");
}

pub(crate) async fn client_error_fails_without_retry(store: Arc<dyn Store>, db: TestDb) {
    capture_logs();
    let desk = Desk::new(store, &db).await;
    let server = MockServer::start().await;
    answer(&server, "/sms", 400).await;
    let (case, _, _) = instructed(&desk, 4, "en", TEXT).await;
    let w = worker(&desk, gateways(&server), config("w1"));

    let counts = pass(&w, &desk).await;
    assert_eq!((counts.claimed, counts.failed, counts.retried), (1, 1, 0));
    let failed = &deliveries(&desk, case).await[0];
    assert_eq!(failed.message.status, "failed");
    assert_eq!(failed.message.attempts, 1);
    assert_eq!(failed.last_error_code.as_deref(), Some("http_400"));
    desk.advance(Duration::minutes(10));
    assert_eq!(pass(&w, &desk).await, DeliveryCounts::default());
    assert_eq!(requests(&server).await.len(), 1, "no retry");
    assert!(
        desk.actions(case)
            .await
            .contains(&"instruction.failed".to_owned())
    );
}

pub(crate) async fn failed_after_max_attempts(store: Arc<dyn Store>, db: TestDb) {
    capture_logs();
    let desk = Desk::new(store, &db).await;
    let server = MockServer::start().await;
    answer(&server, "/sms", 503).await;
    let (case, _, _) = instructed(&desk, 5, "zh-CN", TEXT).await;
    let w = worker(&desk, gateways(&server), config("w1"));

    // Backoff doubles: 10 s after the first failure, 20 s after the second.
    let mut due = Vec::new();
    for _ in 0..2 {
        assert_eq!(pass(&w, &desk).await.retried, 1);
        let row = &deliveries(&desk, case).await[0];
        due.push(row.next_attempt_at - desk.clock.now());
        desk.advance(Duration::minutes(1));
    }
    assert_eq!(due, [Duration::seconds(10), Duration::seconds(20)]);
    let last = pass(&w, &desk).await;
    assert_eq!((last.claimed, last.failed, last.retried), (1, 1, 0));
    let failed = &deliveries(&desk, case).await[0];
    assert_eq!(failed.message.status, "failed");
    assert_eq!(failed.message.attempts, 3);
    assert_eq!(failed.last_error_code.as_deref(), Some("http_503"));
    desk.advance(Duration::minutes(5));
    assert_eq!(pass(&w, &desk).await, DeliveryCounts::default());
    assert_eq!(requests(&server).await.len(), 3, "max_attempts requests");
}
