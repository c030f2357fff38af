//! A server over a database and a media directory of its own, and what a
//! test reads of them.

use std::sync::Arc;

use carddesk_domain::CardStatus;
use carddesk_domain::application::ApplicationId;
use carddesk_processor::{Keyring, ManualClock, Processor, ProcessorConfig, Purpose};
use carddesk_server::AppState;
use carddesk_store::{OutboxSubject, Store};
use tokio::sync::oneshot;

use crate::common::{self, PASSWORD, RawDb};

/// A server over a database of its own, with its own media directory.
pub(crate) struct Site {
    pub(crate) base: String,
    pub(crate) processor: Processor,
    store: Arc<dyn Store>,
    keys: Arc<Keyring>,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) raw: RawDb,
    media: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub(crate) async fn site(store: Arc<dyn Store>, keys: Arc<Keyring>, raw: RawDb) -> Site {
    let media = tempfile::tempdir().expect("media directory");
    let mut config = ProcessorConfig::default();
    config.media.dir = media.path().to_owned();
    let clock = Arc::new(ManualClock::new(common::start()));
    let processor = Processor::new(store.clone(), keys.clone(), config, clock.clone())
        .await
        .expect("processor starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(carddesk_server::serve(
        listener,
        AppState::new(processor.clone()),
        async {
            let _ = stopped.await;
        },
    ));
    Site {
        base,
        processor,
        store,
        keys,
        clock,
        raw,
        media,
        stop: Some(stop),
        server: Some(server),
    }
}

impl Site {
    pub(crate) async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("clean shutdown");
        }
    }

    /// Enrols customer `seed` with one active card; returns its number.
    pub(crate) async fn customer(&self, seed: u32) -> common::Person {
        let hash = carddesk_processor::passwords::hash(&secrecy::SecretString::from(PASSWORD));
        common::enrol(
            self.store.as_ref(),
            &self.keys,
            seed,
            &[CardStatus::Active],
            PASSWORD,
            &hash,
        )
        .await
    }

    /// The latest text queued for an application: (recipient, body).
    pub(crate) async fn last_text(&self) -> (String, String) {
        let outbox = self.store.outbox(None, 10_000).await.expect("outbox");
        let m = outbox
            .iter()
            .rfind(|m| {
                matches!(
                    m.message.subject,
                    OutboxSubject::ApplicationCode(_) | OutboxSubject::ApplicationNotice(_)
                )
            })
            .expect("a text to an applicant");
        let body = self
            .keys
            .open(Purpose::Instruction, &m.message.body_sealed)
            .expect("open");
        (
            m.message.recipient.clone(),
            String::from_utf8(body.to_vec()).expect("UTF-8"),
        )
    }

    /// The six digits of the latest code text.
    pub(crate) async fn code(&self) -> String {
        let (_, body) = self.last_text().await;
        body.split(|c: char| !c.is_ascii_digit())
            .find(|run| run.len() == 6)
            .expect("six digits")
            .to_owned()
    }

    /// The newest application's id.
    pub(crate) async fn newest(&self) -> ApplicationId {
        let ids = self
            .raw
            .texts("SELECT CAST(id AS TEXT) FROM applications ORDER BY id DESC")
            .await;
        ApplicationId(ids[0].parse().expect("an id"))
    }

    /// What a request could change: the common snapshot and the
    /// applications' tables.
    pub(crate) async fn snapshot(&self) -> Vec<String> {
        let mut out = self.raw.snapshot().await;
        for table in ["applications", "application_media", "virtual_cards"] {
            let n = self.raw.count(&format!("FROM {table}")).await;
            out.push(format!("{table}: {n} rows"));
        }
        out.extend(
            self.raw
                .texts(
                    "SELECT CAST(id AS TEXT) || ' ' || state || ' ' || two_card_step || ' ' \
                     || interview_step || ' ' || CAST(failed_attempts AS TEXT) || ' ' \
                     || CAST(updated_at AS TEXT) FROM applications ORDER BY id",
                )
                .await,
        );
        out.extend(
            self.raw
                .texts(
                    "SELECT CAST(card_id AS TEXT) || ' ' || COALESCE(CAST(revealed_at AS TEXT), '-') \
                     FROM virtual_cards ORDER BY card_id",
                )
                .await,
        );
        out
    }

    pub(crate) async fn media_rows(&self) -> i64 {
        self.raw.count("FROM application_media").await
    }

    pub(crate) fn media_files(&self) -> usize {
        std::fs::read_dir(self.media.path()).map_or(0, |d| d.count())
    }
}
