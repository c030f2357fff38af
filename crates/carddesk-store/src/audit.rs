//! The audit log's hash chain.
//!
//! Each entry's hash is an HMAC-SHA256, under a key kept outside the
//! database, of the previous entry's hash and the entry's fields. Someone
//! who can write to the database but does not hold the key can change,
//! remove or insert an entry, but cannot make the chain verify again.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;

use crate::records::NewAuditEntry;

/// The hash of the entry before the first one.
pub const GENESIS: [u8; 32] = [0; 32];

/// The key of the audit chain.
pub struct AuditKey(SecretBox<[u8; 32]>);

impl AuditKey {
    /// Wraps key bytes.
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(SecretBox::new(Box::new(bytes)))
    }

    /// The hash of `entry` at `seq` following `prev_hash`.
    pub fn link(&self, seq: i64, prev_hash: &[u8], entry: &NewAuditEntry) -> Vec<u8> {
        // `new_from_slice` accepts any key length for HMAC; 32 bytes cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.expose_secret())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(prev_hash);
        mac.update(&seq.to_be_bytes());
        mac.update(&entry.at.timestamp_micros().to_be_bytes());
        // Length prefixes keep field boundaries unambiguous: ("ab","c") and
        // ("a","bc") must not hash alike.
        for field in [
            entry.actor.as_str(),
            entry.action.as_str(),
            entry.object.as_str(),
            entry.origin.as_str(),
            entry.outcome.as_str(),
            entry.detail.as_str(),
        ] {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field.as_bytes());
        }
        mac.finalize().into_bytes().to_vec()
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}
