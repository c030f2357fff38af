//! What the HTTP adapters share: the gateway's address and secret, the
//! signature over each request, and the reading of the gateway's answer.
//!
//! A request is signed with HMAC-SHA256 under the secret shared with the
//! gateway, over `"{timestamp}.{body}"`: the timestamp (Unix seconds, its
//! own header) is covered so a gateway can refuse an old request replayed,
//! and the body exactly as sent. The signature header reads
//! `sha256=<64 hex digits>`.

use std::time::Duration;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use super::DeliveryError;
use crate::ProcessorError;

/// The header carrying the signature, `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "X-CardDesk-Signature";
/// The header carrying the signed timestamp, Unix seconds.
pub const TIMESTAMP_HEADER: &str = "X-CardDesk-Timestamp";

/// Where a gateway is and how to talk to it.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The endpoint requests are posted to.
    pub url: String,
    /// The secret shared with the gateway, for the signature.
    pub secret: SecretString,
    /// The longest a whole request may take, answer included.
    pub timeout: Duration,
    /// The longest connecting may take.
    pub connect_timeout: Duration,
}

impl GatewayConfig {
    /// A gateway at `url` with the default timeouts (10 s, 3 s to connect).
    pub fn new(url: impl Into<String>, secret: SecretString) -> Self {
        Self {
            url: url.into(),
            secret,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
        }
    }
}

/// The signature header's value for a request: `sha256=` and the hex of
/// HMAC-SHA256(secret, `"{timestamp}.{body}"`).
pub fn signature(secret: &SecretString, timestamp: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A client for one gateway: its timeouts, and no redirects (a gateway
/// that redirects a signed message elsewhere is misconfigured or worse).
pub(super) fn client(gateway: &GatewayConfig) -> Result<reqwest::Client, ProcessorError> {
    if gateway.secret.expose_secret().is_empty() {
        return Err(ProcessorError::Config(
            "a gateway needs a signing secret".to_owned(),
        ));
    }
    reqwest::Url::parse(&gateway.url)
        .map_err(|_| ProcessorError::Config("a gateway URL is not a valid URL".to_owned()))?;
    reqwest::Client::builder()
        .timeout(gateway.timeout)
        .connect_timeout(gateway.connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("carddesk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ProcessorError::Config(format!("HTTP client: {e}")))
}

/// Posts a signed JSON body. A 2xx is delivered; 408, 425, 429 and 5xx,
/// timeouts and connection failures are worth retrying; any other answer
/// is a refusal. The gateway's answer is never read into a log or error:
/// it could echo the message.
pub(super) async fn post_signed(
    client: &reqwest::Client,
    gateway: &GatewayConfig,
    idempotency_key: &str,
    body: Vec<u8>,
) -> Result<(), DeliveryError> {
    // Wall-clock time, whatever clock the processor runs on: the gateway
    // compares it with its own.
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature = signature(&gateway.secret, &timestamp, &body);
    let response = client
        .post(&gateway.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", idempotency_key)
        .header(TIMESTAMP_HEADER, timestamp)
        .header(SIGNATURE_HEADER, signature)
        .body(body)
        .send()
        .await
        .map_err(|e| DeliveryError::retryable(transport_code(&e)))?;
    let status = response.status();
    // Drain the answer so the connection can be reused; its content is not
    // looked at.
    let drained = response.bytes().await;
    if status.is_success() {
        // A gateway that accepted the request but whose answer broke off
        // still accepted it; the idempotency key covers a repeat.
        drop(drained);
        return Ok(());
    }
    let code = format!("http_{}", status.as_u16());
    match status.as_u16() {
        408 | 425 | 429 | 500..=599 => Err(DeliveryError::retryable(code)),
        _ => Err(DeliveryError::rejected(code)),
    }
}

/// A short code for a failure before any answer came.
fn transport_code(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else {
        "transport"
    }
}
