//! The offline demo's processor: the embedded SQLite bank in the app's
//! data directory, its master key beside it, the demo bank and staff
//! seeded on first run, the delivery worker that hands instructions to
//! the local outbox (which the demo's phone window reads), and the
//! processor's own customer pages served on loopback, so the links in the
//! demo's texts open the real pages.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use carddesk_processor::delivery::{Adapters, DeliveryConfig, DeliveryWorker};
use carddesk_processor::{Processor, ProcessorConfig, SystemClock};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The demo bank's database file inside the data directory.
pub const DATABASE_FILE: &str = "demo.db";
/// The master key file beside it.
pub const KEY_FILE: &str = "master.key";

/// The processor of a running offline demo. Dropping it stops its
/// delivery worker and its customer pages.
#[derive(Debug)]
pub struct OfflineProcessor {
    /// The processor.
    pub processor: Processor,
    /// Where the customer pages are served: `http://127.0.0.1:<port>`.
    pub pages_base: String,
    /// A demo caller to try, for the first-run tour (see [`crate::demo_hint`]).
    pub demo_hint: Option<String>,
    stop: watch::Sender<bool>,
}

impl Drop for OfflineProcessor {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
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
/// delivery: what `carddesk seed-demo` and the console share. The links in
/// instructions start with `link_base`.
pub async fn open_processor(
    dir: &Path,
    link_base: String,
    mut progress: impl FnMut(Progress),
) -> anyhow::Result<Processor> {
    std::fs::create_dir_all(dir)?;
    let url = format!("sqlite:{}", database_path(dir).display());
    let (keys, store) = carddesk_processor::keyfile::open_store(&dir.join(KEY_FILE), &url).await?;
    let config = ProcessorConfig {
        link_base,
        // The demo's interview uploads stay in its data directory, sealed.
        media: carddesk_processor::applications::MediaSettings {
            dir: dir.join("media"),
            ..Default::default()
        },
        ..ProcessorConfig::default()
    };
    let processor = Processor::new(store, keys, config, Arc::new(SystemClock)).await?;
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

/// Opens the demo bank in `dir`, starts delivering its outbox locally and
/// serves its customer pages on a free loopback port.
pub async fn open(dir: &Path) -> anyhow::Result<OfflineProcessor> {
    // The port is known before the processor is made, so the links it
    // writes into texts point at the pages served below.
    let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
    let pages_base = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    let processor = open_processor(dir, pages_base.clone(), |step| {
        tracing::info!(?step, "opening the demo bank");
    })
    .await?;
    let worker = DeliveryWorker::new(
        processor.clone(),
        Adapters::local(),
        DeliveryConfig::default(),
    )?;
    let (stop, stopped) = watch::channel(false);
    let mut pages_stopped = stop.subscribe();
    tauri::async_runtime::spawn(async move { worker.run(stopped).await });
    // The whole server app, as `carddesk-server serve` runs it: the pages
    // need nothing more (the idempotency purge only bounds a table the
    // pages do not write).
    let state = carddesk_server::AppState::new(processor.clone());
    let shutdown = async move {
        // A dropped sender ends the wait too.
        let _ = pages_stopped.wait_for(|stop| *stop).await;
    };
    tauri::async_runtime::spawn(async move {
        if let Err(e) = carddesk_server::serve(listener, state, shutdown).await {
            tracing::error!(error = %e, "the demo's customer pages stopped");
        }
    });
    tracing::info!(%pages_base, "serving the demo's customer pages");
    let demo_hint = crate::demo_hint::find(&processor).await;
    Ok(OfflineProcessor {
        processor,
        pages_base,
        demo_hint,
        stop,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::*;

    async fn get(addr: &str, path: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(addr).await?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await?;
        Ok(answer)
    }

    #[test]
    fn the_demo_serves_its_customer_pages_on_loopback_until_dropped() {
        // The app's runtime, as the console opens its desk on it.
        tauri::async_runtime::block_on(async {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let offline = open(dir.path()).await.expect("the demo");
            assert_eq!(offline.processor.config().link_base, offline.pages_base);
            let addr = offline
                .pages_base
                .strip_prefix("http://127.0.0.1:")
                .map(|port| format!("127.0.0.1:{port}"))
                .expect("a loopback base");
            let page = get(&addr, "/u").await.expect("the start page");
            assert!(page.starts_with("HTTP/1.1 200"), "{page}");
            assert!(page.contains("<form"), "the code form");
            drop(offline);
            let mut stopped = false;
            for _ in 0..50 {
                if get(&addr, "/u").await.is_err() {
                    stopped = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert!(stopped, "the pages stop with the demo");
        });
    }
}
