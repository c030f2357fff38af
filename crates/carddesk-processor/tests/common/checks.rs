//! What the tests check outcomes with: the error of a call that must fail,
//! and the logs captured in memory with a search for bytes in them (those
//! two `carddesk-testkit`'s, shared with the server's tests).

use carddesk_processor::ProcessorError;

#[allow(unused_imports)] // Each test binary uses its own part.
pub use carddesk_testkit::{LogBuffer, capture_logs, contains};

/// The error of a result that must have failed.
#[track_caller]
pub fn err<T: std::fmt::Debug>(result: Result<T, ProcessorError>) -> ProcessorError {
    match result {
        Ok(v) => panic!("expected an error, got Ok({v:?})"),
        Err(e) => e,
    }
}
