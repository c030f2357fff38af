//! What the server forgets on a schedule: idempotency answers past their
//! retention, rate-limit buckets no one has used for an hour, interview
//! uploads and daily application counters past theirs.

use carddesk_processor::Processor;

/// Forgets idempotency keys older than their 24-hour retention, rate
/// buckets idle for an hour, and what the processor's retention rules no
/// longer keep, hourly.
pub async fn forget_expired(processor: Processor) {
    let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        let before = chrono::Utc::now() - crate::idempotency::RETENTION;
        let purged = async {
            let mut tx = processor.store().begin().await?;
            let n = tx.purge_idempotency(before).await?;
            tx.commit().await?;
            // Buckets untouched for an hour are full again: the same as none.
            let idle = chrono::Utc::now() - chrono::Duration::hours(1);
            let buckets = processor.store().purge_rate_buckets(idle).await?;
            Ok::<_, carddesk_store::StoreError>(n + buckets)
        };
        match purged.await {
            Ok(n) => tracing::debug!(purged = n, "forgot expired idempotency keys"),
            Err(e) => tracing::warn!(error = %e, "could not forget expired idempotency keys"),
        }
        match processor.forget_past_retention().await {
            Ok(report) => tracing::info!(
                applications = report.applications,
                uploads = report.uploads,
                files = report.files,
                counters = report.counters,
                "forgot interview uploads past their retention"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "could not forget interview uploads past their retention")
            }
        }
    }
}
