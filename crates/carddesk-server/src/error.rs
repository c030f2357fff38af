//! Every error leaves the server in one shape, `{code, message}`, with a
//! stable code and an HTTP status that fits it. Internal failures are logged
//! and answered with a generic message: no SQL, no row, no secret.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use carddesk_processor::ProcessorError;
use serde::Serialize;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
}

/// The body of an error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// A malformed request.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_input", message)
    }
}

impl From<ProcessorError> for ApiError {
    fn from(e: ProcessorError) -> Self {
        let code = e.code();
        let status = match code {
            "invalid_input" => StatusCode::BAD_REQUEST,
            "not_found" => StatusCode::NOT_FOUND,
            "unauthenticated" | "verification_failed" => StatusCode::UNAUTHORIZED,
            "forbidden" | "maker_checker" => StatusCode::FORBIDDEN,
            "locked" => StatusCode::LOCKED,
            "expired" => StatusCode::GONE,
            "internal" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::CONFLICT,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            // The detail goes to the log only; the caller learns nothing
            // about the machinery.
            tracing::error!(error = %e, "request failed");
            return Self::new(
                status,
                code,
                "something went wrong on our side; please try again",
            );
        }
        Self::new(status, code, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                code: self.code,
                message: self.message,
            }),
        )
            .into_response()
    }
}

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;
