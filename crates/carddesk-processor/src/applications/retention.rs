//! What is forgotten once it need not be kept: the uploads of an
//! application that ended without a card (its rows, then its sealed files),
//! and the daily submission counters of past days.
//!
//! The uploads behind an issued card are its customer-identification
//! record, which the anti-money-laundering rules keep for five years after
//! the relationship ends, not after issuing: they are never forgotten here
//! (closing a card is not part of this product yet). Files no row names are
//! not swept either: the media directory may be shared with another
//! installation, whose files this database cannot tell from strays.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, SystemTime};

use carddesk_domain::Actor;
use carddesk_store::Outcome;

use super::{application_object, day_of, media};
use crate::{Processor, Result, append_audit};

/// How many applications' uploads one transaction forgets.
const BATCH: u32 = 100;

/// A sealed file written this recently is kept even when no row names it
/// any more: an upload of the same content may have written it and not
/// yet committed its row (files are named by their content and shared).
pub const RECENT: Duration = Duration::from_secs(3600);

/// What one pass forgot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Applications whose uploads were forgotten (each audited).
    pub applications: usize,
    /// Upload rows deleted.
    pub uploads: usize,
    /// Sealed files removed (of those rows, or named by no row).
    pub files: usize,
    /// Daily submission counters forgotten.
    pub counters: u64,
}

impl Processor {
    /// Forgets what the retention rules no longer keep: the uploads of
    /// applications ended without a card more than `keep_closed_for` ago
    /// (rows deleted and audited per application in one transaction per
    /// batch; each file removed after it commits, once no row names its
    /// content and unless written in the last hour), and the submission
    /// counters of days before yesterday (a day's limit reads its own day).
    pub async fn forget_past_retention(&self) -> Result<RetentionReport> {
        let started = SystemTime::now();
        let now = self.now();
        let settings = &self.inner.config.media;
        let mut report = RetentionReport::default();
        loop {
            let mut tx = self.inner.store.begin().await?;
            let purged = tx
                .purge_media_of_closed(now - settings.keep_closed_for, BATCH)
                .await?;
            let mut per_application: BTreeMap<_, usize> = BTreeMap::new();
            for row in &purged {
                *per_application.entry(row.application).or_default() += 1;
            }
            for (&application, &uploads) in &per_application {
                append_audit(
                    tx.as_mut(),
                    &Actor::System,
                    now,
                    "application.media_forgotten",
                    &application_object(application),
                    "system",
                    Outcome::Success,
                    format!("{uploads} uploads past their retention"),
                )
                .await?;
            }
            let mut unnamed = Vec::new();
            for sha256 in purged.iter().map(|row| &row.sha256).collect::<HashSet<_>>() {
                if !tx.media_in_use(sha256).await? {
                    unnamed.push(sha256.clone());
                }
            }
            tx.commit().await?;
            let written_before = started
                .checked_sub(RECENT)
                .unwrap_or(SystemTime::UNIX_EPOCH);
            for sha256 in &unnamed {
                let path = media::path_of(&settings.dir, &self.inner.keys, sha256);
                report.files +=
                    usize::from(media::remove_unless_newer(&path, written_before).await);
            }
            report.applications += per_application.len();
            report.uploads += purged.len();
            if per_application.len() < BATCH as usize {
                break;
            }
        }
        let mut tx = self.inner.store.begin().await?;
        report.counters = tx.purge_quota_before(day_of(now) - 1).await?;
        tx.commit().await?;
        Ok(report)
    }
}
