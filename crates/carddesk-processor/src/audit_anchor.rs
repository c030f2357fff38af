//! The audit chain's head, anchored outside the database. The chain shows
//! any entry changed or removed from its middle, but not a cut tail: drop
//! the last entries and what is left still links up. So the server writes
//! signed checkpoints of the head (its sequence number and hash, under a
//! key derived from the master key) to a file outside the database, which
//! it only appends to: give it a file the database's administrators cannot
//! rewrite (another host's log, an append-only file). Verifying the chain
//! then also checks the latest checkpoint: its entry must still be there,
//! with the same hash.
//!
//! A checkpoint line: `<seq> <hash hex> <time RFC 3339> <mac hex>`.

use std::io::{BufRead, Write};
use std::path::Path;

use carddesk_store::ChainReport;
use chrono::{DateTime, Utc};

use crate::keyring::Purpose;
use crate::{Processor, ProcessorError, Result};

/// A checkpoint read back from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The head's sequence number when it was written.
    pub seq: i64,
    /// The head's hash.
    pub hash: Vec<u8>,
    /// When.
    pub at: DateTime<Utc>,
}

impl Processor {
    /// Appends a checkpoint of the chain's head to `path`; the head's
    /// sequence number, or `None` while the log is empty.
    pub async fn anchor_audit(&self, path: &Path) -> Result<Option<i64>> {
        let Some(head) = self.store().audit_entry(None).await? else {
            return Ok(None);
        };
        let at = self.now();
        let signed = signed_text(head.seq, &head.hash, at);
        let mac = hex::encode(self.keys().digest(Purpose::AuditAnchor, signed.as_bytes()));
        let io = |e: std::io::Error| {
            ProcessorError::Config(format!("audit anchor {}: {e}", path.display()))
        };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        writeln!(file, "{signed} {mac}").map_err(io)?;
        file.sync_data().map_err(io)?;
        Ok(Some(head.seq))
    }

    /// The latest checkpoint in `path`, if any. A line whose signature does
    /// not hold is an error, not skipped: someone wrote it who does not
    /// hold the key.
    pub fn latest_checkpoint(&self, path: &Path) -> Result<Option<Checkpoint>> {
        let io = |e: std::io::Error| {
            ProcessorError::Config(format!("audit anchor {}: {e}", path.display()))
        };
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(e)),
        };
        let mut latest = None;
        for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(io)?;
            if line.trim().is_empty() {
                continue;
            }
            let forged = || {
                ProcessorError::Config(format!(
                    "audit anchor {} line {}: not a checkpoint this key signed",
                    path.display(),
                    n + 1
                ))
            };
            let (signed, mac) = line.rsplit_once(' ').ok_or_else(forged)?;
            let expected = hex::encode(self.keys().digest(Purpose::AuditAnchor, signed.as_bytes()));
            if !bool::from(subtle::ConstantTimeEq::ct_eq(
                expected.as_bytes(),
                mac.as_bytes(),
            )) {
                return Err(forged());
            }
            let mut parts = signed.split(' ');
            let checkpoint = (|| {
                Some(Checkpoint {
                    seq: parts.next()?.parse().ok()?,
                    hash: hex::decode(parts.next()?).ok()?,
                    at: DateTime::parse_from_rfc3339(parts.next()?)
                        .ok()?
                        .with_timezone(&Utc),
                })
            })()
            .ok_or_else(forged)?;
            latest = Some(checkpoint);
        }
        Ok(latest)
    }

    /// Walks the chain and checks it against the latest checkpoint in
    /// `path`: an anchored entry missing (the tail was cut) or changed is
    /// `Broken` at its sequence number.
    pub async fn verify_audit_anchored(&self, path: &Path) -> Result<ChainReport> {
        let report = self.store().verify_audit_chain().await?;
        let Some(checkpoint) = self.latest_checkpoint(path)? else {
            return Ok(report);
        };
        if let ChainReport::Broken { seq } = report
            && seq <= checkpoint.seq
        {
            return Ok(report);
        }
        match self.store().audit_entry(Some(checkpoint.seq)).await? {
            Some(entry) if entry.hash == checkpoint.hash => Ok(report),
            _ => Ok(ChainReport::Broken {
                seq: checkpoint.seq,
            }),
        }
    }
}

fn signed_text(seq: i64, hash: &[u8], at: DateTime<Utc>) -> String {
    format!(
        "{seq} {} {}",
        hex::encode(hash),
        at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    )
}
