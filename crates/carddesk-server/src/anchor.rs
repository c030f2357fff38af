//! The schedule that anchors the audit chain's head outside the database
//! (`carddesk_processor::audit_anchor`): a signed checkpoint appended to
//! the configured file every minute, so a tail cut from the log is found
//! by the next verification, at the cost of at most a minute's entries.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use carddesk_processor::Processor;
use tokio::sync::watch;

/// How often a checkpoint is written.
pub const EVERY: Duration = Duration::from_secs(60);

/// Appends a checkpoint to `path` every `every` until `stop` says `true`
/// (or its sender is gone); skipped while the head has not moved.
pub async fn run(
    processor: Processor,
    path: PathBuf,
    every: Duration,
    stop: watch::Receiver<bool>,
) {
    // The head last anchored (0: none yet; the chain starts at 1).
    let anchored = AtomicI64::new(0);
    crate::schedule::repeat(every, stop, || async {
        let head = match processor.store().audit_entry(None).await {
            Ok(Some(head)) => head.seq,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the audit head to anchor it");
                return;
            }
        };
        if head == anchored.load(Ordering::SeqCst) {
            return;
        }
        match processor.anchor_audit(&path).await {
            Ok(seq) => anchored.store(seq.unwrap_or(0), Ordering::SeqCst),
            Err(e) => tracing::error!(error = %e, "could not anchor the audit head"),
        }
    })
    .await;
}
