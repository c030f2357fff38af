//! Turning what went wrong on the way into the desk's `{code, message}`.
//!
//! The server's own error bodies pass through with their code and message.
//! Anything else gets a fixed message: a transport error's text names the
//! URL, and a foreign body (a proxy's page) says nothing a console should
//! show.

use carddesk_wire::{DeskError, ErrorCode};
use reqwest::StatusCode;
use serde::Deserialize;

use crate::retry::Outcome;

/// The server could not be reached, or the connection broke.
pub(crate) fn unreachable() -> DeskError {
    DeskError::new(
        ErrorCode::Unavailable,
        "the desk server could not be reached",
    )
}

/// The server did not answer in time.
pub(crate) fn timed_out() -> DeskError {
    DeskError::new(
        ErrorCode::Unavailable,
        "the desk server could not be reached in time",
    )
}

/// A successful answer whose body is not what the call expects.
pub(crate) fn unreadable_answer() -> DeskError {
    DeskError::new(
        ErrorCode::Internal,
        "the desk server's answer could not be read",
    )
}

/// The outcome and error of a transport failure. Only the kind of failure
/// is kept: reqwest's error text carries the URL.
pub(crate) fn from_transport(error: &reqwest::Error) -> (Outcome, DeskError) {
    if error.is_timeout() {
        (Outcome::TimedOut, timed_out())
    } else {
        (Outcome::ConnectionFailed, unreachable())
    }
}

/// The error of a non-2xx answer: the server's `{code, message}` when the
/// body has that shape (a code this client does not know, from a newer
/// server, becomes `internal` with the server's message); otherwise a
/// gateway's 502/503/504 means the desk server is out of reach, and
/// anything else is `internal`.
pub(crate) fn from_answer(status: StatusCode, body: &[u8]) -> DeskError {
    // Parsed as text rather than as the wire's `ErrorBody` so that an
    // unknown code keeps its message.
    #[derive(Deserialize)]
    struct Body {
        code: String,
        message: String,
    }
    match serde_json::from_slice::<Body>(body) {
        Ok(Body { code, message }) if !code.is_empty() => {
            DeskError::new(ErrorCode::parse(&code), message)
        }
        _ if matches!(
            status,
            StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
        ) =>
        {
            unreachable()
        }
        _ => DeskError::new(
            ErrorCode::Internal,
            format!(
                "the desk server gave an answer this console does not understand (HTTP {})",
                status.as_u16()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_errors_keep_their_code_and_message() {
        let cases = [
            (
                StatusCode::CONFLICT,
                r#"{"code":"case_open","message":"the card already has an open case"}"#,
                ErrorCode::CaseOpen,
                "the card already has an open case",
            ),
            (
                StatusCode::UNAUTHORIZED,
                r#"{"code":"unauthenticated","message":"sign in first","extra":1}"#,
                ErrorCode::Unauthenticated,
                "sign in first",
            ),
            (
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"code":"rate_limited","message":"slow down"}"#,
                ErrorCode::RateLimited,
                "slow down",
            ),
            (
                StatusCode::BAD_REQUEST,
                r#"{"code":"some_future_code","message":"a newer rule said no"}"#,
                ErrorCode::Internal,
                "a newer rule said no",
            ),
        ];
        for (status, body, code, message) in cases {
            let error = from_answer(status, body.as_bytes());
            assert_eq!(
                (error.code, error.message.as_str()),
                (code, message),
                "{body}"
            );
        }
    }

    #[test]
    fn foreign_bodies_get_a_fixed_message() {
        let cases = [
            (
                StatusCode::NOT_FOUND,
                "<html>nginx at 10.1.2.3</html>",
                ErrorCode::Internal,
            ),
            (
                StatusCode::BAD_REQUEST,
                r#"{"code":"","message":"leaked"}"#,
                ErrorCode::Internal,
            ),
            (
                StatusCode::BAD_REQUEST,
                r#"{"code":400,"message":"leaked"}"#,
                ErrorCode::Internal,
            ),
            (
                StatusCode::FORBIDDEN,
                r#"{"message":"leaked"}"#,
                ErrorCode::Internal,
            ),
            (StatusCode::INTERNAL_SERVER_ERROR, "", ErrorCode::Internal),
            (
                StatusCode::BAD_GATEWAY,
                "<html>upstream down</html>",
                ErrorCode::Unavailable,
            ),
            (StatusCode::GATEWAY_TIMEOUT, "", ErrorCode::Unavailable),
        ];
        for (status, body, code) in cases {
            let error = from_answer(status, body.as_bytes());
            assert_eq!(error.code, code, "{status} {body}");
            assert!(!error.message.contains("10.1.2.3") && !error.message.contains("leaked"));
        }
        assert!(
            from_answer(StatusCode::NOT_FOUND, b"")
                .message
                .contains("HTTP 404")
        );
    }
}
