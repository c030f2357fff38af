//! Reading text: the one-time code in a message, the code as spoken, and
//! a byte search, all `carddesk-testkit`'s (shared with the processor's
//! tests).

#[allow(unused_imports)] // Each test binary uses its own part.
pub use carddesk_testkit::{contains, parse_code, spelled};
