//! Fixtures for the processor's integration tests: a store on either
//! database (with the raw pool beneath it, for what the interface does not
//! offer), a processor over it on a manual clock, customers and cards
//! enrolled through the protected records, and the customer's side of the
//! flow (reading the one-time code out of the outbox).

#![allow(dead_code)] // Each test binary uses its own part of the fixtures.

mod checks;
mod desk;
mod messages;
mod people;
mod stores;

// Re-exported at `common::<name>`, as before the split; each binary uses its
// own part of them.
#[allow(unused_imports)]
pub use checks::{LogBuffer, capture_logs, contains, err};
#[allow(unused_imports)]
pub use desk::{CONSOLE, Desk, PHONE, TEXT, TEXT_AND_VOICE, start};
#[allow(unused_imports)]
pub use messages::{drain, parse_code, spelled};
#[allow(unused_imports)]
pub use people::{
    EnrolledCard, PASSWORD, Person, WRONG_PASSWORD, agent, card_number, enrol, frozen, phone,
    resident_id, supervisor, upload,
};
#[allow(unused_imports)]
pub use stores::{RawDb, TestDb, on_postgres, postgres, sqlite, sqlite_file};
