//! Fixtures for the customer-page tests: a server on 127.0.0.1:0 over a
//! fresh SQLite file, customers and frozen cards enrolled through the
//! protected records, cases taken through the processor up to the text
//! message, and a small browser (a cookie jar, no redirects followed) for
//! driving the pages over HTTP.

#![allow(dead_code)] // Each test binary uses its own part of the fixtures.

mod bank;
mod browser;

// Re-exported as `pages_support::…`; each test binary uses its own part.
#[allow(unused_imports)]
pub use bank::{Bank, Person, agent, resident_id};
#[allow(unused_imports)]
pub use browser::{Page, Phone};

/// Every fixture card's transaction password.
pub const PASSWORD: &str = "864213";
/// A wrong one.
pub const WRONG_PASSWORD: &str = "864231";
