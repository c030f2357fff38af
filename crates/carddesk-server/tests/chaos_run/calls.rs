//! One call of the load, asked until it has a real answer: through a
//! server that is killed and restarted under it, a call can fail to
//! connect, be cut mid-answer, meet `503` while the server starts, `409
//! conflict` while the key's first run is still claimed, or `429`. Each is
//! asked again with the same `Idempotency-Key`, as the console's client
//! and a customer's app do, until a deadline.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::time::Instant;

/// A final answer: its status and body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Answer {
    pub fn ok(&self) -> bool {
        self.status == StatusCode::OK
    }
}

/// Who calls: the server's base URL, the client, a bearer token, the
/// address a customer calls from.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
    pub forwarded_for: Option<String>,
}

static KEYS: AtomicU64 = AtomicU64::new(0);

/// How many calls were asked again, and the longest a call waited.
#[derive(Debug, Default)]
pub struct Retries {
    pub asked_again: AtomicU64,
    pub longest_wait_ms: AtomicU64,
}

impl Caller {
    /// `method path` with `body`, asked until a final answer or `deadline`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        deadline: Instant,
        retries: &Retries,
    ) -> Answer {
        let key = format!(
            "chaos-{}-{}",
            std::process::id(),
            KEYS.fetch_add(1, Ordering::Relaxed)
        );
        let started = Instant::now();
        loop {
            let mut request = self
                .client
                .request(method.clone(), format!("{}{path}", self.base))
                .header("Idempotency-Key", &key);
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            }
            if let Some(from) = &self.forwarded_for {
                request = request.header("X-Forwarded-For", from);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            if let Some(answer) = final_answer(request.send().await).await {
                let waited = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                retries.longest_wait_ms.fetch_max(waited, Ordering::Relaxed);
                return answer;
            }
            assert!(
                Instant::now() < deadline,
                "{method} {path} had no answer before the run's deadline"
            );
            retries.asked_again.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// The answer, or `None` when it says "not now" (ask again).
async fn final_answer(sent: reqwest::Result<reqwest::Response>) -> Option<Answer> {
    let response = sent.ok()?;
    let status = response.status();
    let body: Value = response.json().await.ok()?;
    let not_now = status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::CONFLICT && body["code"] == "conflict");
    (!not_now).then_some(Answer { status, body })
}
