//! The customer API's rate limits over HTTP: per client address on every
//! request, per case on credential uploads, refused with `429
//! rate_limited` in the common shape and a `Retry-After`; loopback clients
//! skip the address's limit by default, never the case's.

mod pages_support;

use axum::Router;
use carddesk_domain::{CardStatus, FreezeReason};
use carddesk_processor::ProcessorConfig;
use carddesk_server::AppState;
use carddesk_server::customer::{self, CustomerLimits};
use pages_support::{Bank, PASSWORD, WRONG_PASSWORD};
use serde_json::{Value, json};

/// An answer, read whole.
#[derive(Debug)]
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Value,
}

impl Answer {
    /// Asserts `429 rate_limited`, exactly `{code, message}`, with a
    /// `Retry-After` of whole seconds; returns them.
    #[track_caller]
    fn assert_rate_limited(&self) -> u64 {
        assert_eq!(self.status, 429, "{:?}", self.body);
        assert_eq!(self.body["code"], "rate_limited", "{:?}", self.body);
        let object = self.body.as_object().expect("an object");
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["code", "message"]);
        let seconds: u64 = self
            .retry_after
            .as_deref()
            .expect("a Retry-After header")
            .parse()
            .expect("whole seconds");
        assert!(seconds >= 1, "{seconds}");
        seconds
    }
}

struct Customer {
    client: reqwest::Client,
    base: String,
}

impl Customer {
    fn new(bank: &Bank) -> Self {
        Self {
            client: reqwest::Client::new(),
            base: bank.base.clone(),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.json().await.unwrap_or(Value::Null);
        Answer {
            status,
            retry_after,
            body,
        }
    }

    async fn open(&self, code: &str) -> Answer {
        self.send(
            self.client
                .post(format!("{}/api/customer/unfreeze-requests", self.base))
                .json(&json!({ "code": code })),
        )
        .await
    }

    async fn challenge(&self, session: &str) -> Answer {
        self.send(
            self.client
                .post(format!("{}/api/customer/challenge", self.base))
                .bearer_auth(session),
        )
        .await
    }

    async fn upload(&self, session: &str, body: &Value) -> Answer {
        self.send(
            self.client
                .post(format!("{}/api/customer/verification", self.base))
                .bearer_auth(session)
                .json(body),
        )
        .await
    }
}

fn limited(state: AppState, limits: CustomerLimits) -> Router {
    Router::new()
        .nest(
            "/api/customer",
            customer::routes_with(limits, &carddesk_server::limits::Buckets::Memory),
        )
        .with_state(state)
}

/// Two uploads per case, plenty per address; loopback not exempt.
fn tight_per_case(state: AppState) -> Router {
    limited(
        state,
        CustomerLimits {
            address_burst: 100,
            address_per_minute: 100,
            case_burst: 2,
            case_per_minute: 1,
            exempt_loopback: false,
        },
    )
}

/// Three requests per address; loopback not exempt.
fn tight_per_address(state: AppState) -> Router {
    limited(
        state,
        CustomerLimits {
            address_burst: 3,
            address_per_minute: 1,
            case_burst: 10,
            case_per_minute: 10,
            exempt_loopback: false,
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_rate_limited_per_case() {
    let bank = Bank::start_with(ProcessorConfig::default(), Some(tight_per_case)).await;
    let person = bank.enrol(21, "en", FreezeReason::WrongPinLimit).await;
    let other = bank.enrol(22, "en", FreezeReason::WrongPinLimit).await;
    let (case, code) = bank.instruct(person.card).await;
    let (_, other_code) = bank.instruct(other.card).await;
    let phone = Customer::new(&bank);

    let opened = phone.open(&code).await;
    assert_eq!(opened.status, 200, "{:?}", opened.body);
    let session = opened.body["session_token"].as_str().expect("session");
    assert_eq!(phone.challenge(session).await.status, 200);
    let wrong = json!({ "id_number": person.id_number, "transaction_password": WRONG_PASSWORD });
    let right = json!({ "id_number": person.id_number, "transaction_password": PASSWORD });

    // A malformed upload is refused at the edge and spends nothing of the
    // case's bucket.
    let malformed = phone
        .upload(
            session,
            &json!({ "id_number": "123", "transaction_password": PASSWORD }),
        )
        .await;
    assert_eq!(malformed.status, 400, "{:?}", malformed.body);

    // Two well-formed uploads reach the processor; the third is refused
    // before it does, and counts as no attempt.
    for _ in 0..2 {
        let failed = phone.upload(session, &wrong).await;
        assert_eq!(failed.status, 401, "{:?}", failed.body);
        assert_eq!(failed.body["code"], "verification_failed");
    }
    assert_eq!(bank.failed_attempts(case).await, 2);
    let refused = phone.upload(session, &right).await;
    let seconds = refused.assert_rate_limited();
    assert!(seconds <= 60, "one upload a minute: {seconds}");
    assert_eq!(bank.failed_attempts(case).await, 2);
    assert!(matches!(
        bank.card_status(person.card).await,
        CardStatus::Frozen { .. }
    ));
    // Reading the challenge is not an upload.
    assert_eq!(phone.challenge(session).await.status, 200);

    // Another case, from the same address, has its own bucket.
    let opened = phone.open(&other_code).await;
    let other_session = opened.body["session_token"].as_str().expect("session");
    assert_eq!(phone.challenge(other_session).await.status, 200);
    let unfrozen = phone
        .upload(
            other_session,
            &json!({ "id_number": other.id_number, "transaction_password": PASSWORD }),
        )
        .await;
    assert_eq!(unfrozen.status, 200, "{:?}", unfrozen.body);
    assert_eq!(unfrozen.body["outcome"], "unfrozen");
    assert_eq!(bank.card_status(other.card).await, CardStatus::Active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_is_rate_limited_per_address() {
    let bank = Bank::start_with(ProcessorConfig::default(), Some(tight_per_address)).await;
    let person = bank.enrol(23, "en", FreezeReason::WrongPinLimit).await;
    let (case, code) = bank.instruct(person.card).await;
    let phone = Customer::new(&bank);
    let unknown = if code.starts_with('Z') {
        "00000-00000"
    } else {
        "ZZZZZ-ZZZZZ"
    };

    // Three guesses spend the burst.
    for _ in 0..3 {
        let answer = phone.open(unknown).await;
        assert_eq!(answer.status, 404, "{:?}", answer.body);
    }
    // Then every endpoint is refused, the right code included, before
    // the processor sees it: the code is not spent.
    phone.open(&code).await.assert_rate_limited();
    phone.challenge(&"0".repeat(64)).await.assert_rate_limited();
    phone
        .upload(
            &"0".repeat(64),
            &json!({ "id_number": person.id_number, "transaction_password": PASSWORD }),
        )
        .await
        .assert_rate_limited();
    let stored = bank.processor.case(case).await.expect("case");
    assert_eq!(stored.failed_attempts, 0);
    assert!(
        bank.processor.request_unfreeze(&code, "test").await.is_ok(),
        "the code was never spent"
    );
    // Unknown paths are not routes: still the common 404, not counted.
    let nope = phone
        .send(
            phone
                .client
                .get(format!("{}/api/customer/nope", phone.base)),
        )
        .await;
    assert_ne!(nope.status, 429);
}

/// By default loopback is limited like any address: a reverse proxy on
/// this host would otherwise make every customer unlimited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_app_limits_loopback_by_default() {
    let bank = Bank::start().await;
    let phone = Customer::new(&bank);
    let defaults = CustomerLimits::default();
    assert!(!defaults.exempt_loopback);
    for _ in 0..defaults.address_burst {
        assert_eq!(phone.open("ZZZZZ-ZZZZZ").await.status, 404);
    }
    phone.open("ZZZZZ-ZZZZZ").await.assert_rate_limited();
}

/// Exempting loopback (for a load generator on this host) lifts the
/// address limit only: the case's limit still holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exempt_loopback_keeps_the_case_limit() {
    fn exempt(state: AppState) -> Router {
        carddesk_server::app(state.with_customer_limits(CustomerLimits {
            exempt_loopback: true,
            ..CustomerLimits::default()
        }))
    }
    let bank = Bank::start_with(ProcessorConfig::default(), Some(exempt)).await;
    let person = bank.enrol(24, "en", FreezeReason::WrongPinLimit).await;
    let (_, code) = bank.instruct(person.card).await;
    let phone = Customer::new(&bank);
    let unknown = if code.starts_with('Z') {
        "00000-00000"
    } else {
        "ZZZZZ-ZZZZZ"
    };
    // Well past the default burst of the address (60), from 127.0.0.1.
    let defaults = CustomerLimits::default();
    for _ in 0..defaults.address_burst + 10 {
        assert_eq!(phone.open(unknown).await.status, 404);
    }
    // The case's limit still holds: six uploads in a burst by default
    // (three attempts lock the case; the rest are refused by the rules).
    let opened = phone.open(&code).await;
    let session = opened.body["session_token"].as_str().expect("session");
    assert_eq!(phone.challenge(session).await.status, 200);
    let wrong = json!({ "id_number": person.id_number, "transaction_password": WRONG_PASSWORD });
    for _ in 0..defaults.case_burst {
        let answer = phone.upload(session, &wrong).await;
        assert_ne!(answer.status, 429, "{:?}", answer.body);
    }
    phone.upload(session, &wrong).await.assert_rate_limited();
}

/// A rate-limited call is not an answer to remember: a retry with the same
/// `Idempotency-Key` must be tried again, not refused for 24 hours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_answer_is_not_kept_for_its_idempotency_key() {
    fn keyed(state: AppState) -> Router {
        tight_per_address(state.clone()).layer(axum::middleware::from_fn_with_state(
            state,
            carddesk_server::idempotency::layer,
        ))
    }
    let bank = Bank::start_with(ProcessorConfig::default(), Some(keyed)).await;
    let phone = Customer::new(&bank);
    for _ in 0..3 {
        assert_eq!(phone.open("ZZZZZ-ZZZZZ").await.status, 404);
    }
    let limited = phone
        .send(
            phone
                .client
                .post(format!("{}/api/customer/unfreeze-requests", phone.base))
                .header("idempotency-key", "retry-me")
                .json(&json!({ "code": "ZZZZZ-ZZZZZ" })),
        )
        .await;
    limited.assert_rate_limited();
    let kept = bank
        .processor
        .store()
        .idempotent_response("addr:127.0.0.1", "retry-me")
        .await
        .expect("store");
    assert!(
        kept.is_none(),
        "a 429 was remembered for its idempotency key"
    );
}
