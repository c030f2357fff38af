//! Every error leaves the server in one shape, the wire's `{code,
//! message}` ([`ErrorBody`]), with a stable code and an HTTP status that
//! fits it. Internal failures are logged and answered with a generic
//! message: no SQL, no row, no secret.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use carddesk_processor::ProcessorError;
pub use carddesk_wire::ErrorBody;
use carddesk_wire::{DeskError, ErrorCode};

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// Human-readable message.
    pub message: String,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// A malformed request.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, message)
    }

    /// A request without a staff session.
    pub fn sign_in_first() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "sign in first",
        )
    }
}

/// The HTTP status that fits a code.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        InvalidInput => StatusCode::BAD_REQUEST,
        InvalidUpload => StatusCode::UNPROCESSABLE_ENTITY,
        // Refusals of the transit service: the request is well formed but
        // the rules refuse this person or address now.
        OpenApplication | AlreadyShown | NotCompleted => StatusCode::CONFLICT,
        CourtOrderFreeze => StatusCode::FORBIDDEN,
        TooManyApplications | TooManyFromAddress => StatusCode::TOO_MANY_REQUESTS,
        NotFound | NotAvailable => StatusCode::NOT_FOUND,
        Unauthenticated | VerificationFailed => StatusCode::UNAUTHORIZED,
        Forbidden | MakerChecker => StatusCode::FORBIDDEN,
        Locked => StatusCode::LOCKED,
        Expired => StatusCode::GONE,
        RateLimited => StatusCode::TOO_MANY_REQUESTS,
        TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
        MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Internal => StatusCode::INTERNAL_SERVER_ERROR,
        // The request was fine but the thing is not in a state to take it.
        NotRemote | CardNotFrozen | IllegalState | IllegalCardState | CaseOpen | CodeUsed
        | CaseClosed | Conflict => StatusCode::CONFLICT,
    }
}

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> Self {
        // The desk already replaced an internal failure's message with a
        // generic one (and logged the detail).
        Self::new(status_of(e.code), e.code, e.message)
    }
}

impl From<ProcessorError> for ApiError {
    /// For the customer side, which calls the processor directly: the
    /// desk's conversion, so both sides word and log errors alike.
    fn from(e: ProcessorError) -> Self {
        carddesk_processor::desk::convert::desk_error(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unavailable = self.status == StatusCode::SERVICE_UNAVAILABLE;
        let mut response = (
            self.status,
            Json(ErrorBody {
                code: self.code,
                message: self.message,
            }),
        )
            .into_response();
        // "Not now" says when to come back.
        if unavailable {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        response
    }
}

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_their_statuses() {
        for (code, status) in [
            (ErrorCode::InvalidInput, 400),
            (ErrorCode::NotFound, 404),
            (ErrorCode::NotAvailable, 404),
            (ErrorCode::Unauthenticated, 401),
            (ErrorCode::VerificationFailed, 401),
            (ErrorCode::Forbidden, 403),
            (ErrorCode::MakerChecker, 403),
            (ErrorCode::Locked, 423),
            (ErrorCode::Expired, 410),
            (ErrorCode::RateLimited, 429),
            (ErrorCode::TooLarge, 413),
            (ErrorCode::IdempotencyKeyReused, 422),
            (ErrorCode::MethodNotAllowed, 405),
            (ErrorCode::Internal, 500),
            (ErrorCode::IllegalState, 409),
            (ErrorCode::CaseOpen, 409),
            (ErrorCode::CodeUsed, 409),
            (ErrorCode::CaseClosed, 409),
            (ErrorCode::NotRemote, 409),
            (ErrorCode::NotCompleted, 409),
        ] {
            assert_eq!(status_of(code).as_u16(), status, "{code:?}");
        }
    }
}
