//! `Idempotency-Key` on mutating calls: a retry with the same key gets the
//! first answer back, the same key with a different request is an error,
//! and keys are kept for 24 hours.
//!
//! Keys are scoped to the caller (the hash of their bearer token, or their
//! address when they have none), so one caller can never replay another's
//! answer. Stored answers are sealed: a customer's answer can hold their
//! session token.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use carddesk_processor::Purpose;
use carddesk_store::IdempotentResponse;
use chrono::{Duration, Utc};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

/// How long a key is remembered.
pub const RETENTION: Duration = Duration::hours(24);
/// The largest body an idempotent call may have (and the largest answer
/// kept).
const MAX_BODY: usize = 64 * 1024;

/// Whether a POST only reads: the caller search is a POST so the numbers
/// it carries stay out of URLs, yet replaying it changes nothing, and
/// keeping every keystroke's answer for a day would grow the table by
/// tens of megabytes per agent.
fn is_read(path: &str) -> bool {
    path.strip_prefix(carddesk_wire::routes::PREFIX) == Some(carddesk_wire::routes::SEARCH)
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
    let scope = match crate::extract::bearer(req.headers()) {
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
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update([0]);
    hasher.update(parts.uri.path().as_bytes());
    hasher.update([0]);
    hasher.update(&bytes);
    let digest = hasher.finalize().to_vec();

    let internal = |e: carddesk_store::StoreError| {
        ApiError::from(carddesk_processor::ProcessorError::from(e)).into_response()
    };
    let now = Utc::now();
    if let Some(first) = s
        .processor
        .store()
        .idempotent_response(&scope, &key)
        .await
        .map_err(internal)?
        && first.created_at > now - RETENTION
    {
        if first.request_digest != digest {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                carddesk_wire::ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was used with a different request",
            )
            .into_response());
        }
        let body = s
            .processor
            .keys()
            .open(Purpose::IdempotentResponse, &first.response_sealed)
            .map_err(|e| ApiError::from(e).into_response())?;
        let mut response = Response::new(Body::from(body.to_vec()));
        *response.status_mut() = StatusCode::from_u16(first.status).unwrap_or(StatusCode::OK);
        response
            .headers_mut()
            .insert("content-type", HeaderValue::from_static("application/json"));
        response
            .headers_mut()
            .insert("idempotency-replayed", HeaderValue::from_static("true"));
        return Ok(response);
    }

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    // Server errors and rate limits are not remembered: they say "not
    // now", and the retry should try again.
    if response.status().is_server_error() || response.status() == StatusCode::TOO_MANY_REQUESTS {
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, MAX_BODY).await.map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            carddesk_wire::ErrorCode::Internal,
            "the answer was too large to keep",
        )
        .into_response()
    })?;
    let first = IdempotentResponse {
        request_digest: digest,
        status: parts.status.as_u16(),
        response_sealed: s.processor.keys().seal(Purpose::IdempotentResponse, &bytes),
        created_at: now,
    };
    let mut tx = s.processor.store().begin().await.map_err(internal)?;
    match tx.save_idempotent_response(&scope, &key, &first).await {
        // A racing twin stored its answer first; ours stands for this call.
        Ok(()) | Err(carddesk_store::StoreError::Conflict(_)) => {}
        Err(e) => return Err(internal(e)),
    }
    tx.commit().await.map_err(internal)?;
    Ok(Response::from_parts(parts, Body::from(bytes)))
}
