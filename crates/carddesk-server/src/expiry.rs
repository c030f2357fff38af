//! The schedule that expires cases whose one-time code ran out, and
//! virtual-card applications that outlived their day. Without it a case
//! nobody touches again stays open, holding its card (a card has one open
//! case at a time), and an abandoned application keeps its applicant from
//! applying again.

use std::time::Duration;

use carddesk_processor::Processor;
use tokio::sync::watch;

/// How often the server looks for cases to expire: codes live 15 minutes,
/// so a minute late is close enough.
pub const EVERY: Duration = Duration::from_secs(60);

/// Runs [`Processor::expire_due`] every `every` until `stop` says `true`
/// (or its sender is gone).
pub async fn run(processor: Processor, every: Duration, stop: watch::Receiver<bool>) {
    crate::schedule::repeat(every, stop, || async {
        match processor.expire_due().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "expired cases whose code ran out"),
            Err(e) => tracing::warn!(error = %e, "could not expire cases"),
        }
        match processor.expire_due_applications(500).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "expired applications past their day"),
            Err(e) => tracing::warn!(error = %e, "could not expire applications"),
        }
    })
    .await;
}
