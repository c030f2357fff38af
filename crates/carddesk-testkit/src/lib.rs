//! What the processor's and the server's integration tests share, written
//! once: the bank's fixture numbers (resident ID, card and phone numbers,
//! the transaction password), customers enrolled through the protected
//! records, the tests' start time, the one-time code read out of a message,
//! and a log capture in memory.
//!
//! Only what is the same on both sides lives here. Each test crate keeps
//! its own `Person` and `enrol` wrapper around [`enrol_customer`] (the
//! processor's credentials are a `CredentialUpload` and it enrols through
//! its own `Desk`; the server's are the customer API's JSON), and re-exports
//! the rest from its `tests/common` module, so test files name these items
//! as `common::…` as before.
//!
//! Dev-only: a `[dev-dependencies]` entry of `carddesk-processor` and
//! `carddesk-server`, never published.

#![deny(missing_docs)]

mod bank;
mod logs;
mod text;

pub use bank::{
    EnrolledCard, Enrolment, PASSWORD, WRONG_PASSWORD, card_number, enrol_customer, frozen, phone,
    resident_id, start,
};
pub use logs::{LogBuffer, capture_logs, capture_logs_with_spans};
pub use text::{contains, parse_code, spelled};
