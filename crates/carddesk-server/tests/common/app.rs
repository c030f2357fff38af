//! A running server on 127.0.0.1:0 over a store, and its plain HTTP calls.

use std::sync::{Arc, Mutex};

use carddesk_processor::{Keyring, ManualClock, Processor, ProcessorConfig};
use carddesk_server::AppState;
use carddesk_store::Store;
use chrono::Duration;
use reqwest::Method;
use serde_json::Value;
use tokio::sync::oneshot;

use super::{RawDb, Resp, start};

/// A running server and what stands behind it.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The HTTP client.
    pub client: reqwest::Client,
    /// The processor the server runs (for setting up and reading outboxes).
    pub processor: Processor,
    /// The store.
    pub store: Arc<dyn Store>,
    /// The keyring.
    pub keys: Arc<Keyring>,
    /// The clock the processor reads.
    pub clock: Arc<ManualClock>,
    /// The raw pool.
    pub raw: RawDb,
    shutdown: Mutex<Option<oneshot::Sender<()>>>,
    server: Mutex<Option<tokio::task::JoinHandle<std::io::Result<()>>>>,
}

/// Builds the processor on a manual clock, binds 127.0.0.1:0 and runs
/// `carddesk_server::serve` in a task.
pub async fn spawn_app(store: Arc<dyn Store>, keys: Arc<Keyring>, raw: RawDb) -> TestApp {
    spawn_app_with(
        store,
        keys,
        raw,
        carddesk_server::overload::Limits::default(),
    )
    .await
}

/// [`spawn_app`] under `limits` on work.
pub async fn spawn_app_with(
    store: Arc<dyn Store>,
    keys: Arc<Keyring>,
    raw: RawDb,
    limits: carddesk_server::overload::Limits,
) -> TestApp {
    let clock = Arc::new(ManualClock::new(start()));
    let processor = Processor::new(
        store.clone(),
        keys.clone(),
        ProcessorConfig::default(),
        clock.clone(),
    )
    .await
    .expect("processor starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a port");
    let addr = listener.local_addr().expect("local address");
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(carddesk_server::serve(
        listener,
        // Every test customer calls from 127.0.0.1: exempt it from the
        // per-address limit, as a load generator would be (the limits
        // themselves are tested in customer_limits.rs).
        AppState::new(processor.clone())
            .with_limits(limits)
            .with_customer_limits(carddesk_server::customer::CustomerLimits {
                exempt_loopback: true,
                ..Default::default()
            })
            .with_sign_in_limits(carddesk_server::limits::SignInLimits {
                address_burst: 100_000,
                address_per_minute: 100_000,
            }),
        async move {
            let _ = rx.await;
        },
    ));
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("HTTP client");
    TestApp {
        base: format!("http://{addr}"),
        client,
        processor,
        store,
        keys,
        clock,
        raw,
        shutdown: Mutex::new(Some(tx)),
        server: Mutex::new(Some(server)),
    }
}

impl TestApp {
    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request and reads the answer.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Resp {
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("read the body").to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    /// A request with an optional bearer token.
    pub fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// GET.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(self.request(Method::GET, path, token)).await
    }

    /// POST with a JSON body.
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.send(self.request(Method::POST, path, token).json(body))
            .await
    }

    /// POST with a JSON body and an `Idempotency-Key`.
    pub async fn post_keyed(
        &self,
        path: &str,
        token: Option<&str>,
        key: &str,
        body: &Value,
    ) -> Resp {
        self.send(
            self.request(Method::POST, path, token)
                .header("Idempotency-Key", key)
                .json(body),
        )
        .await
    }

    /// POST without a body.
    pub async fn post_empty(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(self.request(Method::POST, path, token)).await
    }

    /// Moves the processor's clock on.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(&self) {
        let tx = self.shutdown.lock().expect("lock").take();
        if let Some(tx) = tx {
            let _ = tx.send(());
        }
        let server = self.server.lock().expect("lock").take();
        if let Some(server) = server {
            server
                .await
                .expect("the server task ends")
                .expect("the server shuts down cleanly");
        }
    }
}
