//! The harness: the log capture, gateways on a mock server, the worker's
//! configuration, and what the tests read back from requests, the outbox
//! and rendered audio.

use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use crate::common::*;
use carddesk_domain::FreezeReason;
use carddesk_domain::case::CaseId;
use carddesk_processor::Clock;
use carddesk_processor::delivery::sms::SmsGateway;
use carddesk_processor::delivery::speech::EspeakNg;
use carddesk_processor::delivery::voice::VoiceGateway;
use carddesk_processor::delivery::{
    Adapters, DeliveryConfig, DeliveryCounts, DeliveryWorker, GatewayConfig, SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
};
use carddesk_store::OutboxDelivery;
use chrono::Duration;
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use sha2::Sha256;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

// The log capture is `common::capture_logs` (carddesk-testkit's): every
// event of the process, at TRACE, into one buffer: the worker's, the HTTP
// client's, the database drivers'. Every test calls it before it logs
// anything, so that whichever runs first installs it.

/// The secret the tests share with their gateways.
pub(crate) const SECRET: &str = "gateway-secret-7f3a9c";

pub(crate) fn secret() -> SecretString {
    SecretString::from(SECRET.to_owned())
}

/// A gateway endpoint on the mock server, with short timeouts.
pub(crate) fn endpoint(server: &MockServer, route: &str) -> GatewayConfig {
    GatewayConfig {
        url: format!("{}{route}", server.uri()),
        secret: secret(),
        timeout: StdDuration::from_millis(500),
        connect_timeout: StdDuration::from_millis(500),
    }
}

/// Retries after 10 s, 20 s, 40 s (capped at a minute); three attempts.
pub(crate) fn config(worker: &str) -> DeliveryConfig {
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
pub(crate) fn gateways(server: &MockServer) -> Adapters {
    Adapters {
        text: Arc::new(SmsGateway::new(endpoint(server, "/sms")).expect("SMS gateway")),
        voice: Arc::new(
            VoiceGateway::new(endpoint(server, "/voice"), Arc::new(EspeakNg::default()))
                .expect("voice gateway"),
        ),
    }
}

pub(crate) fn worker(desk: &Desk, adapters: Adapters, config: DeliveryConfig) -> DeliveryWorker {
    DeliveryWorker::new(desk.processor.clone(), adapters, config).expect("worker")
}

/// A gateway answer of `status`.
pub(crate) async fn answer(server: &MockServer, route: &str, status: u16) {
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(status))
        .mount(server)
        .await;
}

/// A gateway answer of `status` for the first request only (before the
/// standing answer mounted after it).
pub(crate) async fn answer_once(server: &MockServer, route: &str, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(response)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
}

pub(crate) async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("recording is on")
}

pub(crate) fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .unwrap_or_else(|| panic!("the request has no {name} header"))
        .to_str()
        .expect("an ASCII header")
}

pub(crate) fn json(request: &Request) -> serde_json::Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

/// What a gateway does with a request: recomputes the signature over the
/// timestamp and the body with the shared secret, independently of the
/// processor's code, and compares.
pub(crate) fn signature_verifies(request: &Request, secret: &str) -> bool {
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
pub(crate) async fn instructed(
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
pub(crate) async fn deliveries(desk: &Desk, case: CaseId) -> Vec<OutboxDelivery> {
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
pub(crate) async fn pass(worker: &DeliveryWorker, desk: &Desk) -> DeliveryCounts {
    worker
        .deliver_due(desk.clock.now())
        .await
        .expect("a delivery pass")
}

/// Duration and RMS level (0 to 1) of a 16-bit PCM WAV file.
pub(crate) fn measure(wav: &[u8]) -> (f64, f64) {
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
pub(crate) fn assert_speech(what: &str, wav: &[u8]) {
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
