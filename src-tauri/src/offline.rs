//! The offline demo's processor: the embedded SQLite bank in the app's
//! data directory, its master key beside it, the demo bank and staff
//! seeded on first run, and the delivery worker that hands instructions to
//! the local outbox (which the demo's phone window reads).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use carddesk_processor::delivery::{Adapters, DeliveryConfig, DeliveryWorker};
use carddesk_processor::{Keyring, Processor, ProcessorConfig, SystemClock};
use tokio::sync::watch;

/// The demo bank's database file inside the data directory.
pub const DATABASE_FILE: &str = "demo.db";
/// The master key file beside it.
pub const KEY_FILE: &str = "master.key";

/// The processor of a running offline demo. Dropping it stops its
/// delivery worker.
#[derive(Debug)]
pub struct OfflineProcessor {
    /// The processor.
    pub processor: Processor,
    stop_delivery: watch::Sender<bool>,
}

impl Drop for OfflineProcessor {
    fn drop(&mut self) {
        let _ = self.stop_delivery.send(true);
    }
}

/// What opening the demo bank did, for whoever watches it start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Progress {
    /// The bank is empty: seeding starts (a few seconds: every card's
    /// transaction password is hashed with Argon2id).
    Seeding,
    /// The demo bank was written.
    Seeded {
        /// Customers written.
        customers: u64,
        /// Cards written.
        cards: u64,
        /// Seconds it took.
        seconds: f64,
    },
    /// Demo staff were added.
    StaffAdded(usize),
}

/// The database file of the demo bank in `dir`.
pub fn database_path(dir: &Path) -> PathBuf {
    dir.join(DATABASE_FILE)
}

/// Deletes the demo bank in `dir` (its key stays: it protects nothing
/// once the bank is gone, and a new bank can use it).
pub fn delete_bank(dir: &Path) -> std::io::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        match std::fs::remove_file(dir.join(format!("{DATABASE_FILE}{suffix}"))) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// Opens (and on first run seeds) the demo bank in `dir`, without starting
/// delivery: what `carddesk seed-demo` and the console share.
pub async fn open_processor(
    dir: &Path,
    mut progress: impl FnMut(Progress),
) -> anyhow::Result<Processor> {
    std::fs::create_dir_all(dir)?;
    let keys = Arc::new(Keyring::load_or_create(&dir.join(KEY_FILE))?);
    let url = format!("sqlite:{}", database_path(dir).display());
    let store = carddesk_store::open(&url, keys.audit_key()).await?;
    let processor = Processor::new(
        store,
        keys,
        ProcessorConfig::default(),
        Arc::new(SystemClock),
    )
    .await?;
    // The seeded cases are opened by a demo agent, so staff come first.
    let added = carddesk_seed::add_demo_staff(&processor).await?;
    if added > 0 {
        progress(Progress::StaffAdded(added));
    }
    if processor.store().counts().await?.1 == 0 {
        progress(Progress::Seeding);
        let report = carddesk_seed::seed_demo(&processor, processor.now()).await?;
        progress(Progress::Seeded {
            customers: report.customers,
            cards: report.cards,
            seconds: report.elapsed.as_secs_f64(),
        });
    }
    Ok(processor)
}

/// Opens the demo bank in `dir` and starts delivering its outbox locally.
pub async fn open(dir: &Path) -> anyhow::Result<OfflineProcessor> {
    let processor =
        open_processor(dir, |step| tracing::info!(?step, "opening the demo bank")).await?;
    let worker = DeliveryWorker::new(
        processor.clone(),
        Adapters::local(),
        DeliveryConfig::default(),
    )?;
    let (stop_delivery, stopped) = watch::channel(false);
    tauri::async_runtime::spawn(async move { worker.run(stopped).await });
    Ok(OfflineProcessor {
        processor,
        stop_delivery,
    })
}
