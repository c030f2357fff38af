//! Starting a test server and a client pointed at it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use carddesk_client::{ClientConfig, HttpDesk, RetryPolicy, Url};
use carddesk_wire::{CaseDto, CaseState, Credential, FreezeReason, Token};

/// The token the tests sign with; no error message may contain it.
pub const TOKEN: &str = "tok-7f3a-secret";

pub fn token() -> Token {
    Token::from(TOKEN.to_owned())
}

/// Serves `router` on a fresh loopback port until the test's runtime ends.
pub async fn serve(router: Router) -> Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    Url::parse(&format!("http://{address}")).unwrap()
}

/// A client with short timeouts and quick retries, so tests stay fast.
pub fn desk(base_url: Url) -> HttpDesk {
    let mut config = ClientConfig::new(base_url);
    config.request_timeout = Duration::from_millis(1000);
    config.connect_timeout = Duration::from_millis(500);
    config.event_idle_timeout = Duration::from_millis(400);
    config.retry = RetryPolicy {
        retries: 2,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
    };
    HttpDesk::new(config).unwrap()
}

/// What a test server saw of each request it got.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub authorization: Option<String>,
    pub idempotency_key: Option<String>,
    pub last_event_id: Option<String>,
    pub body: String,
}

/// The requests a test server saw, in order.
#[derive(Debug, Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Seen>>>);

impl Log {
    /// Records a request; returns how many came before it.
    pub fn record(
        &self,
        method: &str,
        uri: &axum::http::Uri,
        headers: &HeaderMap,
        body: &str,
    ) -> usize {
        let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
        let mut seen = self.0.lock().unwrap();
        seen.push(Seen {
            method: method.to_owned(),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            authorization: header("authorization"),
            idempotency_key: header("idempotency-key"),
            last_event_id: header("last-event-id"),
            body: body.to_owned(),
        });
        seen.len() - 1
    }

    pub fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }
}

/// A case as the server would answer it.
pub fn case(id: i64, state: CaseState) -> CaseDto {
    let at = chrono::DateTime::from_timestamp(1_750_000_000, 0).unwrap();
    CaseDto {
        id,
        card_id: 40,
        customer_id: 4,
        reason: FreezeReason::WrongPinLimit,
        state,
        failed_attempts: 0,
        attempts_left: 3,
        needs_approval: false,
        credentials: vec![Credential::IdNumber, Credential::TransactionPassword],
        opened_by: "agent:alice".into(),
        assigned_to: "agent:alice".into(),
        opened_at: at,
        updated_at: at,
        expires_at: None,
    }
}

/// The server's error body.
pub fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({ "code": code, "message": message }).to_string()
}

/// Asserts an error message gives away neither the address nor the token.
pub fn assert_discreet(message: &str) {
    assert!(!message.contains("127.0.0.1"), "{message}");
    assert!(!message.contains(TOKEN), "{message}");
    assert!(!message.contains("http"), "{message}");
}

/// A JSON answer.
pub fn json(status: StatusCode, body: String) -> Response {
    (status, [("content-type", "application/json")], body).into_response()
}

/// A route that records each request, then answers what `answer` makes
/// of its number (0 for the first).
pub fn recorded(log: &Log, answer: fn(usize) -> Response) -> axum::routing::MethodRouter {
    let log = log.clone();
    axum::routing::any(
        move |method: Method, uri: Uri, headers: HeaderMap, body: String| {
            let log = log.clone();
            async move { answer(log.record(method.as_str(), &uri, &headers, &body)) }
        },
    )
}
