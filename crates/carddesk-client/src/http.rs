//! One call to the server: the request with its headers, the tries the
//! retry policy allows, and the answer or the error it maps to.

use std::time::Duration;

use carddesk_wire::{DeskError, DeskResult, Token};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Certificate, Method, Response, StatusCode};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::config::{ClientConfig, RetryPolicy};
use crate::failure;
use crate::retry::{self, Outcome};

/// The header that makes a repeated write safe.
pub(crate) const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header that resumes an event stream.
pub(crate) const LAST_EVENT_ID: &str = "last-event-id";

const JSON: &str = "application/json";
const WAV: &str = "audio/wav";
/// An interview upload: a photo or a video, whichever it is.
const MEDIA: &str = "image/jpeg, image/png, video/webm, video/mp4";
const EVENT_STREAM: &str = "text/event-stream";

/// The HTTP side of the client, cheap to clone (reqwest's client is a
/// handle to one connection pool).
#[derive(Clone)]
pub(crate) struct Transport {
    client: reqwest::Client,
    /// The server's base URL, checked by [`ClientConfig::check_base_url`].
    pub(crate) base: Url,
    timeout: Duration,
    /// How long the event stream may stay silent.
    pub(crate) idle_timeout: Duration,
    /// Retries and reconnects.
    pub(crate) policy: RetryPolicy,
}

/// A write's body: JSON, or nothing (the routes that take none).
pub(crate) type Body = Option<Vec<u8>>;

/// Serialises a write's body.
pub(crate) fn json_body<B: Serialize>(body: &B) -> DeskResult<Body> {
    serde_json::to_vec(body)
        .map(Some)
        .map_err(|_| DeskError::invalid("the request could not be written"))
}

impl Transport {
    /// The transport for `config`.
    pub(crate) fn new(config: &ClientConfig) -> DeskResult<Self> {
        config.check_base_url()?;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("carddesk-client/", env!("CARGO_PKG_VERSION")))
            // An API answer is never a redirect; following one could carry
            // the request (and a POST's body) somewhere else.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = &config.extra_root_certificate_pem {
            let bad = || DeskError::invalid("the extra root certificate is not a PEM certificate");
            let certificates = Certificate::from_pem_bundle(pem).map_err(|_| bad())?;
            if certificates.is_empty() {
                return Err(bad());
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let client = builder.build().map_err(|_| {
            DeskError::invalid("the HTTP client could not be set up (check the root certificate)")
        })?;
        Ok(Self {
            client,
            base: config.base_url.clone(),
            timeout: config.request_timeout,
            idle_timeout: config.event_idle_timeout,
            policy: config.retry,
        })
    }

    /// `GET` a JSON answer.
    pub(crate) async fn get<T: DeserializeOwned>(&self, url: Url, token: &Token) -> DeskResult<T> {
        let bytes = self.call(Method::GET, url, Some(token), None, JSON).await?;
        serde_json::from_slice(&bytes).map_err(|_| failure::unreadable_answer())
    }

    /// `GET` an answer as it comes (the voice prompt's WAV).
    pub(crate) async fn get_audio(&self, url: Url, token: &Token) -> DeskResult<Vec<u8>> {
        self.call(Method::GET, url, Some(token), None, WAV).await
    }

    /// `GET` an interview upload's bytes.
    pub(crate) async fn get_media(&self, url: Url, token: &Token) -> DeskResult<Vec<u8>> {
        self.call(Method::GET, url, Some(token), None, MEDIA).await
    }

    /// `POST` a write, with a fresh `Idempotency-Key` kept over its retries.
    pub(crate) async fn post<T: DeserializeOwned>(
        &self,
        url: Url,
        token: Option<&Token>,
        body: Body,
    ) -> DeskResult<T> {
        let bytes = self.call(Method::POST, url, token, body, JSON).await?;
        serde_json::from_slice(&bytes).map_err(|_| failure::unreadable_answer())
    }

    /// One logical call, tried as often as the retry policy allows.
    async fn call(
        &self,
        method: Method,
        url: Url,
        token: Option<&Token>,
        body: Body,
        accept: &'static str,
    ) -> DeskResult<Vec<u8>> {
        let key = (method == Method::POST).then(retry::idempotency_key);
        let mut retries = 0;
        loop {
            let mut request = self
                .client
                .request(method.clone(), url.clone())
                .timeout(self.timeout)
                .header(ACCEPT, accept);
            if let Some(token) = token {
                request = request.header(AUTHORIZATION, bearer(token)?);
            }
            if let Some(key) = &key {
                request = request.header(IDEMPOTENCY_KEY, key);
            }
            if let Some(body) = &body {
                request = request.header(CONTENT_TYPE, JSON).body(body.clone());
            }
            let (outcome, result) = attempt(request).await;
            match result {
                Ok(bytes) => return Ok(bytes),
                Err(_)
                    if retries < self.policy.retries && retry::should_retry(&method, outcome) =>
                {
                    let wait = retry::backoff(&self.policy, retries, self.policy.base_delay);
                    tokio::time::sleep(wait).await;
                    retries += 1;
                }
                Err(error)
                    if retries < self.policy.retries
                        && retry::waits_for_its_twin(&method, outcome, error.code) =>
                {
                    tokio::time::sleep(retry::TWIN_WAIT).await;
                    retries += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Opens the event stream once: `Ok` with the answer whose body is the
    /// stream, or how it failed. Only the headers are bound by the request
    /// timeout; the body lasts as long as the session.
    pub(crate) async fn open_events(
        &self,
        url: &Url,
        token: &Token,
        last_event_id: Option<&str>,
    ) -> Result<Response, (Outcome, DeskError)> {
        let mut request = self
            .client
            .get(url.clone())
            .header(ACCEPT, EVENT_STREAM)
            .header(
                AUTHORIZATION,
                bearer(token).map_err(|e| (Outcome::Answered(StatusCode::UNAUTHORIZED), e))?,
            );
        if let Some(id) = last_event_id {
            // An id the server sent that is not a valid header value cannot
            // be sent back; the reconnect then starts afresh.
            if let Ok(value) = HeaderValue::from_str(id) {
                request = request.header(LAST_EVENT_ID, value);
            }
        }
        let response = match tokio::time::timeout(self.timeout, request.send()).await {
            Err(_) => return Err((Outcome::TimedOut, failure::timed_out())),
            Ok(Err(error)) => return Err(failure::from_transport(&error)),
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if !status.is_success() {
            let body = tokio::time::timeout(self.timeout, response.bytes()).await;
            let body = body.ok().and_then(Result::ok).unwrap_or_default();
            return Err((
                Outcome::Answered(status),
                failure::from_answer(status, &body),
            ));
        }
        let is_stream = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(EVENT_STREAM));
        if !is_stream {
            return Err((
                Outcome::Answered(StatusCode::INTERNAL_SERVER_ERROR),
                failure::unreadable_answer(),
            ));
        }
        Ok(response)
    }

    /// Opens the event stream with the retries a read gets.
    pub(crate) async fn open_events_retrying(
        &self,
        url: &Url,
        token: &Token,
    ) -> DeskResult<Response> {
        let mut retries = 0;
        loop {
            match self.open_events(url, token, None).await {
                Ok(response) => return Ok(response),
                Err((outcome, _))
                    if retries < self.policy.retries
                        && retry::should_retry(&Method::GET, outcome) =>
                {
                    let wait = retry::backoff(&self.policy, retries, self.policy.base_delay);
                    tokio::time::sleep(wait).await;
                    retries += 1;
                }
                Err((_, error)) => return Err(error),
            }
        }
    }
}

/// The one place the session token is exposed: its header, marked
/// sensitive so that reqwest never prints it.
fn bearer(token: &Token) -> DeskResult<HeaderValue> {
    let mut value =
        HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(|_| {
            DeskError::new(
                carddesk_wire::ErrorCode::Unauthenticated,
                "the session token is not valid",
            )
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// One try: the whole answer, or how it failed. The body is read inside
/// the try, so a connection that breaks halfway through the answer counts
/// as a failed connection (and a keyed write's retry gets the stored
/// answer).
async fn attempt(request: reqwest::RequestBuilder) -> (Outcome, DeskResult<Vec<u8>>) {
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) => {
            let (outcome, error) = failure::from_transport(&error);
            return (outcome, Err(error));
        }
    };
    let status = response.status();
    match response.bytes().await {
        Err(error) => {
            let (outcome, error) = failure::from_transport(&error);
            (outcome, Err(error))
        }
        Ok(bytes) if status.is_success() => (Outcome::Answered(status), Ok(bytes.to_vec())),
        Ok(bytes) => (
            Outcome::Answered(status),
            Err(failure::from_answer(status, &bytes)),
        ),
    }
}
