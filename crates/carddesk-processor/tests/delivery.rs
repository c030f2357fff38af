//! Delivery of the outbox: the worker and its adapters against a local
//! HTTP server standing in for the SMS and voice gateways (wiremock), the
//! real speech engine (espeak-ng), and both databases.
//!
//! Every scenario that touches the store runs on SQLite and PostgreSQL
//! (`DATABASE_URL` names the server). The logs of the whole binary are
//! captured (see `capture_logs`) so that one scenario can search them for
//! the code and the message bodies.

mod common;

use std::collections::BTreeMap;
use std::io::Cursor;
use std::sync::{Arc, OnceLock};
use std::time::Duration as StdDuration;

use base64::Engine as _;
use carddesk_domain::FreezeReason;
use carddesk_domain::case::CaseId;
use carddesk_processor::delivery::sms::SmsGateway;
use carddesk_processor::delivery::speech::{EspeakNg, Prompt, SpeechEngine};
use carddesk_processor::delivery::voice::{VoiceGateway, ssml};
use carddesk_processor::delivery::{
    Adapters, DeliveryConfig, DeliveryCounts, DeliveryWorker, GatewayConfig, SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
};
use carddesk_processor::instructions::{self, InstructionFacts};
use carddesk_processor::{Clock, ProcessorError};
use carddesk_store::{OutboxChannel, OutboxDelivery, PgStore, SqliteStore, Store};
use chrono::Duration;
use common::*;
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::Sha256;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

static LOGS: OnceLock<LogBuffer> = OnceLock::new();

/// Every event of the process, at TRACE, into one buffer: the worker's,
/// the HTTP client's, the database drivers'. Installed by every test before
/// it logs anything, so that whichever runs first installs it.
fn capture_logs() -> LogBuffer {
    LOGS.get_or_init(|| {
        let buffer = LogBuffer::default();
        tracing_subscriber::fmt()
            .with_writer(buffer.clone())
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .try_init()
            .expect("install the log capture");
        buffer
    })
    .clone()
}

/// The secret the tests share with their gateways.
const SECRET: &str = "gateway-secret-7f3a9c";

fn secret() -> SecretString {
    SecretString::from(SECRET.to_owned())
}

/// A gateway endpoint on the mock server, with short timeouts.
fn endpoint(server: &MockServer, route: &str) -> GatewayConfig {
    GatewayConfig {
        url: format!("{}{route}", server.uri()),
        secret: secret(),
        timeout: StdDuration::from_millis(500),
        connect_timeout: StdDuration::from_millis(500),
    }
}

/// Retries after 10 s, 20 s, 40 s (capped at a minute); three attempts.
fn config(worker: &str) -> DeliveryConfig {
    DeliveryConfig {
        worker_id: worker.to_owned(),
        batch: 8,
        lease: Duration::seconds(60),
        max_attempts: 3,
        backoff_base: Duration::seconds(10),
        backoff_max: Duration::seconds(60),
        poll_interval: StdDuration::from_millis(100),
    }
}

/// Text through the SMS gateway at `/sms`, voice through the voice gateway
/// at `/voice` with espeak-ng.
fn gateways(server: &MockServer) -> Adapters {
    Adapters {
        text: Arc::new(SmsGateway::new(endpoint(server, "/sms")).expect("SMS gateway")),
        voice: Arc::new(
            VoiceGateway::new(endpoint(server, "/voice"), Arc::new(EspeakNg::default()))
                .expect("voice gateway"),
        ),
    }
}

fn worker(desk: &Desk, adapters: Adapters, config: DeliveryConfig) -> DeliveryWorker {
    DeliveryWorker::new(desk.processor.clone(), adapters, config).expect("worker")
}

/// A gateway answer of `status`.
async fn answer(server: &MockServer, route: &str, status: u16) {
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(status))
        .mount(server)
        .await;
}

/// A gateway answer of `status` for the first request only (before the
/// standing answer mounted after it).
async fn answer_once(server: &MockServer, route: &str, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(response)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("recording is on")
}

fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .unwrap_or_else(|| panic!("the request has no {name} header"))
        .to_str()
        .expect("an ASCII header")
}

fn json(request: &Request) -> serde_json::Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

/// What a gateway does with a request: recomputes the signature over the
/// timestamp and the body with the shared secret, independently of the
/// processor's code, and compares.
fn signature_verifies(request: &Request, secret: &str) -> bool {
    let timestamp = header(request, TIMESTAMP_HEADER);
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&request.body);
    let Some(hex_signature) = header(request, SIGNATURE_HEADER).strip_prefix("sha256=") else {
        return false;
    };
    let Ok(signature) = hex::decode(hex_signature) else {
        return false;
    };
    mac.verify_slice(&signature).is_ok()
}

/// A frozen card's case marked, packaged and instructed through
/// `channels`; returns the case and its code.
async fn instructed(
    desk: &Desk,
    seed: u32,
    language: &str,
    channels: carddesk_processor::Channels,
) -> (CaseId, String, Person) {
    let person = desk
        .enrol(seed, language, &[frozen(FreezeReason::WrongPinLimit)])
        .await;
    let p = &desk.processor;
    let alice = agent("alice");
    let case = p
        .mark(&alice, person.card(0), CONSOLE)
        .await
        .expect("mark")
        .id;
    p.package(&alice, case, CONSOLE).await.expect("package");
    p.instruct(&alice, case, channels, CONSOLE)
        .await
        .expect("instruct");
    (case, desk.code_for(case).await, person)
}

/// The case's outbox rows with their delivery state, text first.
async fn deliveries(desk: &Desk, case: CaseId) -> Vec<OutboxDelivery> {
    let mut found = Vec::new();
    for m in desk.store.outbox(None, 10_000).await.expect("outbox") {
        if m.message.subject.case() == Some(case) {
            found.push(
                desk.store
                    .outbox_delivery(m.id)
                    .await
                    .expect("read")
                    .expect("exists"),
            );
        }
    }
    found
}

/// One pass at the desk's (manual) time.
async fn pass(worker: &DeliveryWorker, desk: &Desk) -> DeliveryCounts {
    worker
        .deliver_due(desk.clock.now())
        .await
        .expect("a delivery pass")
}

/// Duration and RMS level (0 to 1) of a 16-bit PCM WAV file.
fn measure(wav: &[u8]) -> (f64, f64) {
    let mut reader = hound::WavReader::new(Cursor::new(wav)).expect("a WAV file");
    let spec = reader.spec();
    assert_eq!(spec.bits_per_sample, 16, "{spec:?}");
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .collect::<Result<_, _>>()
        .expect("samples");
    let frames = samples.len() / usize::from(spec.channels);
    let seconds = frames as f64 / f64::from(spec.sample_rate);
    let mean_square = samples
        .iter()
        .map(|s| (f64::from(*s) / f64::from(i16::MAX)).powi(2))
        .sum::<f64>()
        / samples.len().max(1) as f64;
    (seconds, mean_square.sqrt())
}

/// Speech, not silence: longer than a second, and loud enough. espeak-ng's
/// prompts measure an RMS level near 0.08 (sox agrees); silence is 0, and
/// line noise far below 0.01.
#[track_caller]
fn assert_speech(what: &str, wav: &[u8]) {
    let (seconds, rms) = measure(wav);
    assert!(
        seconds > 1.0,
        "{what}: {seconds:.2} s is too short for speech"
    );
    assert!(
        rms > 0.02,
        "{what}: RMS level {rms:.4} is silence, not speech"
    );
}

// ---------------------------------------------------------------------------
// Scenarios on both databases
// ---------------------------------------------------------------------------

on_both_databases! {
    text_is_signed_and_carries_the_idempotency_key => sqlite_text_signed, postgres_text_signed;
    server_error_then_success_is_one_retry => sqlite_500_then_200, postgres_500_then_200;
    timeout_is_retried => sqlite_timeout_retried, postgres_timeout_retried;
    client_error_fails_without_retry => sqlite_400_fails, postgres_400_fails;
    failed_after_max_attempts => sqlite_max_attempts, postgres_max_attempts;
    two_workers_deliver_each_message_once => sqlite_two_workers, postgres_two_workers;
    voice_is_ssml_and_speech => sqlite_voice, postgres_voice;
    logs_hold_no_code_and_no_body => sqlite_logs_clean, postgres_logs_clean;
    local_outbox_marks_sent_locally => sqlite_local_outbox, postgres_local_outbox;
    stale_instructions_are_not_delivered => sqlite_stale, postgres_stale;
    console_gets_the_voice_prompt_audio => sqlite_console_audio, postgres_console_audio;
    worker_runs_until_shutdown => sqlite_run_until_shutdown, postgres_run_until_shutdown;
}

async fn text_is_signed_and_carries_the_idempotency_key(store: Arc<dyn Store>, db: TestDb) {
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

async fn server_error_then_success_is_one_retry(store: Arc<dyn Store>, db: TestDb) {
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

async fn timeout_is_retried(store: Arc<dyn Store>, db: TestDb) {
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

async fn client_error_fails_without_retry(store: Arc<dyn Store>, db: TestDb) {
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

async fn failed_after_max_attempts(store: Arc<dyn Store>, db: TestDb) {
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

async fn two_workers_deliver_each_message_once(store: Arc<dyn Store>, db: TestDb) {
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

async fn voice_is_ssml_and_speech(store: Arc<dyn Store>, db: TestDb) {
    capture_logs();
    let desk = Desk::new(store, &db).await;
    let server = MockServer::start().await;
    answer(&server, "/sms", 200).await;
    answer(&server, "/voice", 200).await;
    let (zh_case, zh_code, _) = instructed(&desk, 6, "zh-CN", TEXT_AND_VOICE).await;
    let (en_case, en_code, _) = instructed(&desk, 7, "en", TEXT_AND_VOICE).await;
    let w = worker(&desk, gateways(&server), config("w1"));

    assert_eq!(pass(&w, &desk).await.sent, 4);
    let voice: Vec<Request> = requests(&server)
        .await
        .into_iter()
        .filter(|r| r.url.path() == "/voice")
        .collect();
    assert_eq!(voice.len(), 2);
    for (case, code, lang) in [(zh_case, &zh_code, "zh-CN"), (en_case, &en_code, "en")] {
        let row = deliveries(&desk, case)
            .await
            .into_iter()
            .find(|d| d.message.message.channel == OutboxChannel::Voice)
            .expect("a voice message");
        assert_eq!(row.message.status, "sent");
        assert_eq!(row.delivered_via.as_deref(), Some("voice-gateway"));
        let hit = voice
            .iter()
            .find(|r| header(r, "idempotency-key") == row.message.message.idempotency_key)
            .expect("the voice gateway got it");
        assert!(signature_verifies(hit, SECRET));
        let body = json(hit);
        assert_eq!(body["language"], lang);
        let ssml = body["ssml"].as_str().expect("SSML");
        assert!(
            ssml.contains(&format!("<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"{lang}\">")),
            "{lang}: {ssml}"
        );
        // The code, spelled: each character said on its own, with a pause.
        let spelled: Vec<String> = code
            .chars()
            .filter(|c| *c != '-')
            .map(|c| format!("<say-as interpret-as=\"characters\">{c}</say-as>"))
            .collect();
        assert!(
            ssml.contains(&spelled.join("<break time=\"400ms\"/>")),
            "{lang}: {ssml}"
        );
        assert_eq!(body["audio"]["content_type"], "audio/wav");
        let wav = base64::engine::general_purpose::STANDARD
            .decode(body["audio"]["data"].as_str().expect("audio"))
            .expect("base64");
        assert_speech(&format!("{lang} prompt"), &wav);
    }
}

async fn logs_hold_no_code_and_no_body(store: Arc<dyn Store>, db: TestDb) {
    let logs = capture_logs();
    let desk = Desk::new(store, &db).await;
    let server = MockServer::start().await;
    // One failure each, for the retry's logging too.
    answer_once(&server, "/sms", ResponseTemplate::new(502)).await;
    answer_once(&server, "/voice", ResponseTemplate::new(503)).await;
    answer(&server, "/sms", 200).await;
    answer(&server, "/voice", 200).await;
    let (case, code, person) = instructed(&desk, 8, "en", TEXT_AND_VOICE).await;
    let bodies: Vec<String> = desk
        .processor
        .local_outbox(100)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|m| m.case_id == case)
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies.len(), 2);
    let w = worker(&desk, gateways(&server), config("logged"));
    let mut errors = Vec::new();
    assert_eq!(pass(&w, &desk).await.retried, 2);
    desk.advance(Duration::seconds(10));
    assert_eq!(pass(&w, &desk).await.sent, 2);
    let rows = deliveries(&desk, case).await;
    let (text_id, voice_id) = (rows[0].message.id, rows[1].message.id);
    errors.push(
        desk.processor
            .voice_prompt_audio(&agent("alice"), text_id, &EspeakNg::default(), CONSOLE)
            .await
            .expect_err("a text message has no voice prompt"),
    );
    let broken = EspeakNg {
        program: "/nonexistent/espeak-ng".into(),
        ..EspeakNg::default()
    };
    errors.push(
        desk.processor
            .voice_prompt_audio(&agent("alice"), voice_id, &broken, CONSOLE)
            .await
            .expect_err("no such engine"),
    );

    let captured = logs.contents();
    assert!(
        contains(&captured, b"instruction delivered")
            && contains(&captured, b"will retry")
            && contains(&captured, format!("outbox_id={voice_id}").as_bytes()),
        "the capture heard the worker"
    );
    let bare = code.replace('-', "");
    let mut secrets = vec![code.clone(), bare.clone(), spelled(&code)];
    // Any ten characters of a message would do; the sentence around the
    // code, and the body in full.
    secrets.extend(bodies.iter().cloned());
    secrets.extend(bodies.iter().map(|b| b.chars().take(40).collect()));
    for secret in &secrets {
        assert!(
            !contains(&captured, secret.as_bytes()),
            "a secret is in the logs: {secret}"
        );
    }
    // Nor are they in the audit trail or in what the errors say.
    let mut texts: Vec<String> = desk
        .processor
        .timeline(case)
        .await
        .expect("timeline")
        .into_iter()
        .map(|r| r.entry.detail)
        .collect();
    texts.extend(errors.iter().map(|e| format!("{e} {e:?}")));
    for text in &texts {
        for secret in [&code, &bare, &person.phone] {
            assert!(!text.contains(secret.as_str()), "{text}");
        }
    }
}

async fn local_outbox_marks_sent_locally(store: Arc<dyn Store>, db: TestDb) {
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

async fn stale_instructions_are_not_delivered(store: Arc<dyn Store>, db: TestDb) {
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

async fn console_gets_the_voice_prompt_audio(store: Arc<dyn Store>, db: TestDb) {
    capture_logs();
    let desk = Desk::new(store, &db).await;
    let (case, _, _) = instructed(&desk, 12, "zh-CN", TEXT_AND_VOICE).await;
    let rows = deliveries(&desk, case).await;
    let (text_id, voice_id) = (rows[0].message.id, rows[1].message.id);
    let engine = EspeakNg::default();
    let p = &desk.processor;
    let alice = agent("alice");

    let wav = p
        .voice_prompt_audio(&alice, voice_id, &engine, CONSOLE)
        .await
        .expect("the prompt's audio");
    assert_speech("the console's prompt", &wav);
    assert!(
        desk.actions(case)
            .await
            .contains(&"instruction.audio".to_owned())
    );
    let not_voice = p
        .voice_prompt_audio(&alice, text_id, &engine, CONSOLE)
        .await
        .expect_err("a text message");
    assert!(
        matches!(not_voice, ProcessorError::NotFound(_)),
        "{not_voice:?}"
    );
    let missing = p
        .voice_prompt_audio(&alice, voice_id + 100, &engine, CONSOLE)
        .await
        .expect_err("no such message");
    assert!(
        matches!(missing, ProcessorError::NotFound(_)),
        "{missing:?}"
    );
    // Once the code has run out, its audio is of no use to anyone.
    desk.advance(Duration::minutes(16));
    let late = p
        .voice_prompt_audio(&alice, voice_id, &engine, CONSOLE)
        .await
        .expect_err("expired");
    assert!(matches!(late, ProcessorError::Expired), "{late:?}");
}

async fn worker_runs_until_shutdown(store: Arc<dyn Store>, db: TestDb) {
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

fn facts(code: &SecretString) -> InstructionFacts<'_> {
    InstructionFacts {
        last_four: "4821",
        code,
        link_base: "https://bank.example",
        expires_at: start() + Duration::minutes(15),
        lifetime_minutes: 15,
    }
}

#[tokio::test]
async fn rendered_prompts_are_speech_not_silence() {
    capture_logs();
    let code = SecretString::from("7KQ2M-X9R4T".to_owned());
    let engine = EspeakNg::default();
    let mut lengths = Vec::new();
    for language in ["zh-CN", "en"] {
        let text = instructions::voice_message(language, &facts(&code));
        let wav = engine
            .render(&Prompt {
                language,
                text: &text,
                ssml: &ssml(language, &text),
            })
            .await
            .unwrap_or_else(|e| {
                panic!("espeak-ng renders {language} (apt-get install espeak-ng): {e}")
            });
        assert_speech(language, &wav);
        lengths.push(measure(&wav).0);
    }
    // The prompt spells a ten-character code twice, slowly: far more than
    // a second in either language.
    assert!(lengths.iter().all(|s| *s > 8.0), "{lengths:?}");

    // The measure tells silence apart: a second and a half of it fails.
    let mut silent = Cursor::new(Vec::new());
    {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 22_050,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::new(&mut silent, spec).expect("writer");
        for _ in 0..33_075 {
            writer.write_sample(0_i16).expect("sample");
        }
        writer.finalize().expect("finalize");
    }
    let (seconds, rms) = measure(silent.get_ref());
    assert!(seconds > 1.0 && rms < 0.02);
    let refused = std::panic::catch_unwind(|| assert_speech("silence", silent.get_ref()));
    assert!(refused.is_err(), "silence must not pass for speech");
}

#[test]
fn ssml_escapes_markup_and_spells_the_code() {
    assert_eq!(
        ssml("en", "Tom & Jerry <b>\"hi\"</b> it's code: A 7 K."),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"en\">\
         Tom &amp; Jerry &lt;b&gt;&quot;hi&quot;&lt;/b&gt; it&apos;s code: \
         <say-as interpret-as=\"characters\">A</say-as><break time=\"400ms\"/>\
         <say-as interpret-as=\"characters\">7</say-as><break time=\"400ms\"/>\
         <say-as interpret-as=\"characters\">K</say-as>.</speak>"
    );
    let zh = ssml("zh-CN", "尾号4 8 2 1的卡 <&>");
    assert!(zh.contains("xml:lang=\"zh-CN\">尾号<say-as interpret-as=\"characters\">4</say-as>"));
    assert!(zh.ends_with("的卡 &lt;&amp;&gt;</speak>"), "{zh}");
    // Anything but zh-CN is spoken in English, as the messages are written.
    assert!(ssml("fr", "x").contains("xml:lang=\"en\""));
    // Control characters XML cannot carry are dropped.
    assert!(ssml("en", "a\u{1}b").contains(">ab</speak>"));
}

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
