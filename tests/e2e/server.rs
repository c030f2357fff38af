//! The connected walk's server: a real `carddesk-server` (`serve`) on
//! 127.0.0.1:0 in the test process, over a PostgreSQL database made for
//! this run (on the server `DATABASE_URL` names) and dropped after it,
//! seeded with the demo bank and the demo staff. The test reads the
//! processor's outbox to play the customer, as their phone would.

use std::sync::Arc;

use carddesk_domain::case::CaseId;
use carddesk_processor::{Keyring, Processor, ProcessorConfig, SystemClock};
use carddesk_store::OutboxChannel;
use tokio::sync::oneshot;

use carddesk_console::phone::inbox::extract_code;

/// A running server and the database under it.
#[derive(Debug)]
pub struct Server {
    /// `http://127.0.0.1:PORT`, as the console's settings name it.
    pub url: String,
    /// The processor the server runs.
    pub processor: Processor,
    /// Held for its drop, which drops the database.
    _database: Database,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    /// Makes a fresh database, seeds it and serves it on a port of its own.
    pub async fn start() -> Self {
        let database = Database::create().await;
        let keys = Arc::new(Keyring::generate());
        let store = carddesk_store::open(&database.url, keys.audit_key())
            .await
            .expect("the fresh PostgreSQL database opens and migrates");
        let processor = Processor::new(
            store,
            keys,
            ProcessorConfig::default(),
            Arc::new(SystemClock),
        )
        .await
        .expect("the processor starts");
        carddesk_seed::add_demo_staff(&processor)
            .await
            .expect("the demo staff are added");
        carddesk_seed::seed_demo(&processor, chrono::Utc::now())
            .await
            .expect("the demo bank is seeded");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a local port");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(carddesk_server::serve(
            listener,
            carddesk_server::AppState::new(processor.clone()),
            async move {
                let _ = stopped.await;
            },
        ));
        Self {
            url,
            processor,
            _database: database,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }
}

/// The one-time code the text message of case `case_id` carries, from the
/// outbox of `processor` (which gateways would carry to the phone).
pub async fn code_sent(processor: &Processor, case_id: i64) -> String {
    {
        let outbox = processor
            .local_outbox(1_000)
            .await
            .expect("the outbox can be read");
        let text = outbox
            .iter()
            .find(|m| m.case_id == CaseId(case_id) && m.channel == OutboxChannel::Text)
            .unwrap_or_else(|| panic!("case {case_id} sent a text message"));
        assert!(
            outbox
                .iter()
                .any(|m| m.case_id == CaseId(case_id) && m.channel == OutboxChannel::Voice),
            "case {case_id} sent a voice prompt too"
        );
        extract_code(&text.body).unwrap_or_else(|| panic!("the text carries a code: {}", text.body))
    }
}

impl Server {
    /// Stops serving (the console's event stream ends with it) and drops
    /// the database.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            match tokio::time::timeout(std::time::Duration::from_secs(15), task).await {
                Ok(Ok(Ok(()))) => {}
                other => eprintln!("the server did not stop cleanly: {other:?}"),
            }
        }
    }
}

/// A database of this run's own, dropped (with whatever is still
/// connected to it) when it goes, even after a failure.
#[derive(Debug)]
struct Database {
    server: String,
    name: String,
    url: String,
}

impl Database {
    async fn create() -> Self {
        let server = std::env::var("DATABASE_URL").unwrap_or_else(|_| {
            panic!(
                "the connected walk needs a PostgreSQL server: set \
                 DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres"
            )
        });
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or_default();
        let name = format!("carddesk_e2e_{}_{stamp}", std::process::id());
        let pool = sqlx::PgPool::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("no PostgreSQL at DATABASE_URL: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .expect("a database can be made");
        pool.close().await;
        let base = server
            .rsplit_once('/')
            .map_or(server.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        Self { server, name, url }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot block on its own
        // futures: a thread with a runtime of its own does it.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let pool = sqlx::PgPool::connect(&server).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&pool)
                    .await?;
                pool.close().await;
                Ok::<_, anyhow::Error>(())
            })?;
            Ok::<_, anyhow::Error>(())
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!(
                "the test database {} could not be dropped: {dropped:?}",
                self.name
            );
        }
    }
}
