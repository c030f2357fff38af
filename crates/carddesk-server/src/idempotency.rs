//! `Idempotency-Key` on mutating calls: a retry with the same key gets the
//! first answer back, the same key with a different request is an error,
//! and keys are kept for 24 hours.
//!
//! The key is claimed in the database before the call runs
//! (`Store::claim_idempotency_key`, one statement), so of two requests
//! with one key at once exactly one runs; the other gets `409 conflict`
//! with `Retry-After` while the first runs, and its answer after. A stored
//! answer is replayed only after the caller's session is checked again: a
//! signed-out token gets `401`, not yesterday's answer.
//!
//! Keys are scoped to the caller (the hash of their bearer token: a staff
//! session, or a customer's case session; their address when they have
//! none), so one caller can never replay another's answer. Stored answers
//! are sealed: a customer's answer can hold their session token; what a
//! retry is matched by is a keyed hash of the request, since a body can
//! carry an ID number and a password.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use carddesk_processor::Purpose;
use carddesk_store::{ClaimTimes, IdempotencyClaim, IdempotentResponse};
use chrono::{Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

/// How long a key is remembered.
pub const RETENTION: Duration = Duration::hours(24);
/// How long past the request time limit a claim is kept before it counts
/// as abandoned. No call runs longer than the limit (the time-limit layer
/// drops it), so a claim older than both was left by a process that died
/// mid-call (a crash, `kill -9`), and the next request with its key takes
/// it over: a retry after a crash waits this long, not minutes.
const ABANDONED_MARGIN: Duration = Duration::seconds(15);
/// The largest body an idempotent call may have (and the largest answer
/// kept).
const MAX_BODY: usize = 64 * 1024;

/// Whether a POST only reads: the caller search is a POST so the numbers
/// it carries stay out of URLs, yet replaying it changes nothing, and
/// keeping every keystroke's answer for a day would grow the table by
/// tens of megabytes per agent.
fn is_read(path: &str) -> bool {
    path.strip_prefix(carddesk_wire::routes::PREFIX) == Some(carddesk_wire::routes::SEARCH)
        // An upload is larger than a remembered answer may be, and needs no
        // key: sending it again replaces the same kind's file.
        || path.starts_with("/api/applicant/media/")
        // The card's full number and security code are shown once and kept
        // nowhere: never as a remembered answer either.
        || path == "/api/applicant/card/reveal"
}

/// When a claim made under `request_timeout` counts as abandoned.
fn abandoned_after(request_timeout: std::time::Duration) -> Duration {
    Duration::from_std(request_timeout).unwrap_or(Duration::minutes(2)) + ABANDONED_MARGIN
}

/// The middleware.
pub async fn layer(State(s): State<AppState>, req: Request, next: Next) -> Response {
    match handle(&s, req, next).await {
        Ok(response) | Err(response) => response,
    }
}

async fn handle(s: &AppState, req: Request, next: Next) -> Result<Response, Response> {
    if req.method() != Method::POST || is_read(req.uri().path()) {
        return Ok(next.run(req).await);
    }
    let Some(key) = req.headers().get("idempotency-key") else {
        return Ok(next.run(req).await);
    };
    let key = key
        .to_str()
        .ok()
        .filter(|k| (1..=128).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::invalid("an Idempotency-Key is 1 to 128 visible ASCII characters")
                .into_response()
        })?
        .to_owned();
    let token = crate::extract::bearer(req.headers());
    let scope = match &token {
        Some(token) => format!(
            "token:{}",
            hex::encode(Sha256::digest(token.expose_secret().as_bytes()))
        ),
        None => format!("addr:{}", crate::extract::client_addr(req.extensions())),
    };
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_BODY).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            carddesk_wire::ErrorCode::TooLarge,
            "the request body is too large",
        )
        .into_response()
    })?;
    // Keyed, not a plain hash: a body can carry an ID number and a
    // password, and a plain hash of a few guessable fields could be
    // searched for by whoever reads the table.
    let request = [
        parts.method.as_str().as_bytes(),
        b"\0",
        parts.uri.path().as_bytes(),
        b"\0",
        &bytes,
    ]
    .concat();
    let digest = s
        .processor
        .keys()
        .digest(Purpose::IdempotentRequest, &request);

    let internal = |e: carddesk_store::StoreError| {
        ApiError::from(carddesk_processor::ProcessorError::from(e)).into_response()
    };
    let reused = || {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            carddesk_wire::ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was used with a different request",
        )
        .into_response()
    };
    let store = s.processor.store();
    let now = Utc::now();
    let times = ClaimTimes {
        now,
        abandoned_before: now - abandoned_after(s.limits.request_timeout),
        expired_before: now - RETENTION,
    };
    match store
        .claim_idempotency_key(&scope, &key, &digest, times)
        .await
        .map_err(internal)?
    {
        IdempotencyClaim::Claimed => {}
        IdempotencyClaim::Running { request_digest } if request_digest != digest => {
            return Err(reused());
        }
        IdempotencyClaim::Running { .. } => {
            let mut response = ApiError::new(
                StatusCode::CONFLICT,
                carddesk_wire::ErrorCode::Conflict,
                "a request with this Idempotency-Key is still running: try again shortly",
            )
            .into_response();
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from_static("1"));
            return Err(response);
        }
        IdempotencyClaim::Done(first) if first.request_digest != digest => return Err(reused()),
        IdempotencyClaim::Done(first) => {
            if let Some(token) = &token {
                still_signed_in(s, parts.uri.path(), token).await?;
            }
            return Ok(replay(s, &first));
        }
    }

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    // A call cut by the time limit may have committed just before: its
    // claim stays until abandoned, so a retry meanwhile is told to wait
    // (409) rather than run the call a second time.
    if response
        .extensions()
        .get::<crate::overload::TimedOut>()
        .is_some()
    {
        return Ok(response);
    }
    // Server errors and rate limits are not remembered: they say "not
    // now", and the retry should try again.
    if response.status().is_server_error() || response.status() == StatusCode::TOO_MANY_REQUESTS {
        store
            .release_idempotency_key(&scope, &key, &digest)
            .await
            .map_err(internal)?;
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        store
            .release_idempotency_key(&scope, &key, &digest)
            .await
            .map_err(internal)?;
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            carddesk_wire::ErrorCode::Internal,
            "the answer was too large to keep",
        )
        .into_response());
    };
    let first = IdempotentResponse {
        request_digest: digest,
        status: parts.status.as_u16(),
        response_sealed: s.processor.keys().seal(Purpose::IdempotentResponse, &bytes),
        created_at: now,
    };
    // False only when this call outlived its claim and another took the
    // key over: that one's answer stands for the key, ours for this call.
    store
        .finish_idempotency_key(&scope, &key, &first)
        .await
        .map_err(internal)?;
    Ok(Response::from_parts(parts, Body::from(bytes)))
}

/// Refuses a replay to a token whose session has ended: the stored answer
/// was for a session that may no longer act.
async fn still_signed_in(s: &AppState, path: &str, token: &SecretString) -> Result<(), Response> {
    let live = if path.starts_with("/api/customer/") {
        s.processor.customer_session_exists(token).await
    } else if path.starts_with(crate::applicant::PREFIX) {
        s.processor.applicant_session_exists(token).await
    } else {
        s.processor.authenticate(token).await.map(|_| true)
    };
    match live {
        Ok(true) => Ok(()),
        Ok(false) | Err(carddesk_processor::ProcessorError::Unauthenticated) => {
            Err(ApiError::from(carddesk_processor::ProcessorError::Unauthenticated).into_response())
        }
        Err(e) => Err(ApiError::from(e).into_response()),
    }
}

/// The stored first answer, as a response.
fn replay(s: &AppState, first: &IdempotentResponse) -> Response {
    let body = match s
        .processor
        .keys()
        .open(Purpose::IdempotentResponse, &first.response_sealed)
    {
        Ok(body) => body,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut response = Response::new(Body::from(body.to_vec()));
    *response.status_mut() = StatusCode::from_u16(first.status).unwrap_or(StatusCode::OK);
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    response
        .headers_mut()
        .insert("idempotency-replayed", HeaderValue::from_static("true"));
    response
}
