//! Which failed tries are tried again, and how long to wait first.
//!
//! A read (`GET`) changes nothing, so it is repeated when the connection
//! fails or the server answers 5xx. A write (`POST`) is repeated only when
//! the connection failed, always with the same `Idempotency-Key`: if the
//! first try did reach the server, the server answers the repeat with the
//! stored first answer instead of acting twice. A 5xx to a write is not
//! repeated (the server does not keep 5xx answers for their key, so a
//! repeat would act again), nor is any 4xx (asking again will not change
//! the answer), nor a timeout (the call has used its time). The one 4xx
//! that is repeated is `409 conflict` to a keyed write: the server says a
//! call with the same key is still running, so the repeat, a second later,
//! gets that call's answer.

use std::time::Duration;

use rand::Rng;
use reqwest::{Method, StatusCode};

use carddesk_wire::ErrorCode;

use crate::config::RetryPolicy;

/// How one try ended, as far as retrying cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The server answered with this status.
    Answered(StatusCode),
    /// The connection could not be made, or broke before the answer was
    /// whole.
    ConnectionFailed,
    /// The call ran out of time.
    TimedOut,
}

/// Whether a try of `method` that ended with `outcome` is tried again.
pub(crate) fn should_retry(method: &Method, outcome: Outcome) -> bool {
    let read = *method == Method::GET;
    // Every POST this client sends carries an Idempotency-Key.
    let keyed_write = *method == Method::POST;
    match outcome {
        Outcome::Answered(status) => read && status.is_server_error(),
        Outcome::ConnectionFailed => read || keyed_write,
        Outcome::TimedOut => false,
    }
}

/// Whether a keyed write's answer says its twin (the same key, sent
/// before) is still running: then it is asked again after the server's
/// `Retry-After` (a second), for the first call's answer.
pub(crate) fn waits_for_its_twin(method: &Method, outcome: Outcome, code: ErrorCode) -> bool {
    *method == Method::POST
        && outcome == Outcome::Answered(StatusCode::CONFLICT)
        && code == ErrorCode::Conflict
}

/// How long the server asks a twin to wait before asking again.
pub(crate) const TWIN_WAIT: Duration = Duration::from_secs(1);

/// The wait before retry number `retry` (0 for the first): the base delay
/// doubled each time, at most the policy's maximum, then scaled by a random
/// factor between ½ and 1 so that many consoles cut off together (a server
/// restart) do not all come back at the same instant.
pub(crate) fn backoff(policy: &RetryPolicy, retry: u32, base: Duration) -> Duration {
    let doubled = base.saturating_mul(2u32.saturating_pow(retry.min(16)));
    let capped = doubled.min(policy.max_delay);
    capped.mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
}

/// A fresh key for one logical write, kept across its retries.
pub(crate) fn idempotency_key() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyed_write_waits_only_for_a_twin_still_running() {
        let conflict = Outcome::Answered(StatusCode::CONFLICT);
        assert!(waits_for_its_twin(
            &Method::POST,
            conflict,
            ErrorCode::Conflict
        ));
        assert!(!waits_for_its_twin(
            &Method::POST,
            conflict,
            ErrorCode::CaseOpen
        ));
        assert!(!waits_for_its_twin(
            &Method::GET,
            conflict,
            ErrorCode::Conflict
        ));
        assert!(!waits_for_its_twin(
            &Method::POST,
            Outcome::Answered(StatusCode::UNPROCESSABLE_ENTITY),
            ErrorCode::Conflict
        ));
    }

    #[test]
    fn only_what_is_safe_to_repeat_is_repeated() {
        use Outcome::*;
        let cases = [
            (Method::GET, ConnectionFailed, true),
            (
                Method::GET,
                Answered(StatusCode::INTERNAL_SERVER_ERROR),
                true,
            ),
            (Method::GET, Answered(StatusCode::BAD_GATEWAY), true),
            (Method::GET, Answered(StatusCode::SERVICE_UNAVAILABLE), true),
            (Method::GET, Answered(StatusCode::OK), false),
            (Method::GET, Answered(StatusCode::NOT_FOUND), false),
            (Method::GET, Answered(StatusCode::UNAUTHORIZED), false),
            (Method::GET, Answered(StatusCode::TOO_MANY_REQUESTS), false),
            (Method::GET, TimedOut, false),
            (Method::POST, ConnectionFailed, true),
            (
                Method::POST,
                Answered(StatusCode::INTERNAL_SERVER_ERROR),
                false,
            ),
            (
                Method::POST,
                Answered(StatusCode::SERVICE_UNAVAILABLE),
                false,
            ),
            (Method::POST, Answered(StatusCode::CONFLICT), false),
            (
                Method::POST,
                Answered(StatusCode::UNPROCESSABLE_ENTITY),
                false,
            ),
            (Method::POST, Answered(StatusCode::CREATED), false),
            (Method::POST, TimedOut, false),
            (Method::DELETE, ConnectionFailed, false),
            (Method::PUT, Answered(StatusCode::BAD_GATEWAY), false),
        ];
        for (method, outcome, expected) in cases {
            assert_eq!(
                should_retry(&method, outcome),
                expected,
                "{method} {outcome:?}"
            );
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let policy = RetryPolicy {
            retries: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        };
        for (retry, full) in [
            (0, 100),
            (1, 200),
            (2, 400),
            (3, 800),
            (4, 1000),
            (40, 1000),
        ] {
            for _ in 0..50 {
                let wait = backoff(&policy, retry, policy.base_delay);
                let full = Duration::from_millis(full);
                assert!(wait <= full && wait >= full / 2, "retry {retry}: {wait:?}");
            }
        }
    }

    #[test]
    fn keys_are_fresh_and_fit_the_servers_rules() {
        let (a, b) = (idempotency_key(), idempotency_key());
        assert_ne!(a, b);
        for key in [a, b] {
            assert_eq!(key.len(), 36);
            assert!(key.bytes().all(|b| b.is_ascii_graphic()));
        }
    }
}
