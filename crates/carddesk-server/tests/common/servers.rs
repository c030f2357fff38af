//! Server processes of their own over a shared PostgreSQL database, and
//! requests forwarded to them as a trusted proxy would.

use std::sync::Arc;

use carddesk_processor::{Keyring, Processor, ProcessorConfig};
use carddesk_server::AppState;
use carddesk_store::{PgStore, Store};
use sqlx::PgPool;

/// A server process of its own over the PostgreSQL database `pool` names
/// (a processor on the system clock, sharing `keys`), its state shaped by
/// `configure`; stopped when the returned guard is dropped, so the test
/// database can be dropped. Several make several servers over one database.
pub async fn server_over(
    pool: &PgPool,
    keys: &Arc<Keyring>,
    configure: impl FnOnce(AppState) -> AppState,
) -> (String, Processor, Running) {
    let store: Arc<dyn Store> = Arc::new(
        PgStore::from_pool(pool.clone(), keys.audit_key())
            .await
            .expect("store"),
    );
    let processor = Processor::new(
        store,
        keys.clone(),
        ProcessorConfig::default(),
        Arc::new(carddesk_processor::SystemClock),
    )
    .await
    .expect("processor");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(carddesk_server::serve(
        listener,
        configure(AppState::new(processor.clone())),
        std::future::pending(),
    ));
    (url, processor, Running(task))
}

/// A running server of [`server_over`], stopped when dropped.
pub struct Running(tokio::task::JoinHandle<std::io::Result<()>>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Opens an unknown code through `url` as a trusted proxy would forward it
/// for `customer`; the status (404 when the limits let it through).
pub async fn open_forwarded(client: &reqwest::Client, url: &str, customer: &str) -> u16 {
    client
        .post(format!("{url}/api/customer/unfreeze-requests"))
        .header("x-forwarded-for", customer)
        .json(&serde_json::json!({ "code": "ZZZZZ-ZZZZZ" }))
        .send()
        .await
        .expect("send")
        .status()
        .as_u16()
}
