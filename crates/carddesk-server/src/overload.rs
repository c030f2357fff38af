//! What the server does when asked for more than it can give: every
//! request has a time limit, a bounded number run at once (the rest are
//! refused at once rather than queued without end), and the live event
//! streams, which hold a connection each for hours, have a cap of their
//! own. Each refusal is a `503` in the common shape with `Retry-After`, so
//! consoles and apps back off instead of piling on. The health probes are
//! outside these limits (see `app`), so an overloaded server still says
//! it is alive.
//!
//! Hashing has budgets of its own in the processor
//! (`carddesk_processor::hashing`): a flood of staff sign-ins cannot take
//! the threads customers' verifications run on.

use std::time::Duration;

use axum::BoxError;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use carddesk_wire::ErrorCode;

use crate::error::ApiError;

/// The server's limits on work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a request may take to answer (an event stream's answer is
    /// its first byte; the stream itself runs on).
    pub request_timeout: Duration,
    /// Requests answered at once; more are refused.
    pub concurrent_requests: usize,
    /// Live event streams open at once; more are refused.
    pub event_streams: usize,
}

impl Default for Limits {
    /// 30 s a request, 512 at once, 2,000 event streams (a console holds
    /// one; two thousand agents on one server is past what one carries).
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            concurrent_requests: 512,
            event_streams: 2_000,
        }
    }
}

/// `503` with `Retry-After`, in the common shape.
pub(crate) fn unavailable(message: &'static str) -> Response {
    let mut response = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Unavailable,
        message,
    )
    .into_response();
    response
        .headers_mut()
        .insert("retry-after", HeaderValue::from_static("1"));
    response
}

/// Marks the answer to a request cut by the time limit: its work may
/// have been done (committed just before the cut), so its idempotency
/// claim is kept rather than released (see `idempotency`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimedOut;

/// The answer to a request the limits stopped.
pub(crate) async fn refused(error: BoxError) -> Response {
    if error.is::<tower::timeout::error::Elapsed>() {
        tracing::warn!("a request ran past its time limit");
        let mut response = unavailable("the request took too long; please try again");
        response.extensions_mut().insert(TimedOut);
        response
    } else if error.is::<tower::load_shed::error::Overloaded>() {
        tracing::warn!("a request was refused: the server is at its limit");
        unavailable("the server is busy; please try again shortly")
    } else {
        tracing::error!(error = %error, "request failed in the server's limits");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "something went wrong on our side; please try again",
        )
        .into_response()
    }
}
