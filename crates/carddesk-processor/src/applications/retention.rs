//! What is forgotten once it need not be kept: an ended application's
//! uploads (its rows, then its sealed files), sealed files no row names
//! (a crash between the two, an upload whose row never committed), and the
//! daily submission counters of past days.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, SystemTime};

use carddesk_domain::Actor;
use carddesk_store::Outcome;

use super::{application_object, day_of, media};
use crate::{Processor, Result, append_audit};

/// How many applications' uploads one transaction forgets.
const BATCH: u32 = 100;

/// A sealed file no row names is left alone this long after it was
/// written: its upload's row may not have committed yet.
pub const ORPHAN_GRACE: Duration = Duration::from_secs(3600);

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
    /// and of issued ones more than `keep_issued_for` ago (rows deleted and
    /// audited per application in one transaction per batch, files removed
    /// after it commits), files no row names, and the submission counters
    /// of days before yesterday (a day's limit only reads its own day).
    pub async fn forget_past_retention(&self) -> Result<RetentionReport> {
        let started = SystemTime::now();
        let now = self.now();
        let settings = &self.config.media;
        let mut report = RetentionReport::default();
        loop {
            let mut tx = self.store.begin().await?;
            let purged = tx
                .purge_media_of_closed(
                    now - settings.keep_closed_for,
                    now - settings.keep_issued_for,
                    BATCH,
                )
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
            for sha256 in &unnamed {
                let path = media::path_of(&settings.dir, &self.keys, sha256);
                report.files += usize::from(media::remove_unless_newer(&path, started).await);
            }
            report.applications += per_application.len();
            report.uploads += purged.len();
            if per_application.len() < BATCH as usize {
                break;
            }
        }
        report.files += self.remove_unnamed_files(started).await?;
        let mut tx = self.store.begin().await?;
        report.counters = tx.purge_quota_before(day_of(now) - 1).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Removes sealed files (and unfinished writes) that no upload row
    /// names and that were written more than [`ORPHAN_GRACE`] before
    /// `started`.
    async fn remove_unnamed_files(&self, started: SystemTime) -> Result<usize> {
        let dir = &self.config.media.dir;
        let files = media::listing(dir).await?;
        if files.is_empty() {
            return Ok(0);
        }
        let mut tx = self.store.begin().await?;
        let named: HashSet<_> = tx
            .all_media_hashes()
            .await?
            .iter()
            .map(|sha256| media::path_of(dir, &self.keys, sha256))
            .collect();
        tx.commit().await?;
        let old_enough = started
            .checked_sub(ORPHAN_GRACE)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let mut removed = 0;
        for (path, _) in files
            .iter()
            .filter(|(path, written)| *written < old_enough && !named.contains(path))
        {
            removed += usize::from(media::remove_unless_newer(path, old_enough).await);
        }
        Ok(removed)
    }
}
