//! The load generator over HTTP: a `carddesk-server` in this process on
//! 127.0.0.1:0 over PostgreSQL, driven by simulated agents and customers
//! through a reqwest client, only ever to that loopback address. Every loop
//! is bounded by a count and by `--phase-seconds`.
//!
//! 1. [`flows()`]: completed remote-unfreeze flows per second (agent: mark,
//!    package, instructions; customer: open the code, challenge,
//!    verification) over HTTP, and the same flows through the processor in
//!    process, each against raw Argon2id verifications per second on the
//!    same cores measured right before, in alternating rounds;
//! 2. [`lookups()`]: card lookup at 100 agents at once on the million-card
//!    bank, over HTTP and in process through the processor, against the
//!    same lookups straight through sqlx (the lookup section's `RAW_QUERY`)
//!    on the same pool at the same concurrency; and one agent alone, for
//!    scale.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use carddesk_domain::{Actor, Role, StaffMember};
use carddesk_processor::{Keyring, Processor, ProcessorConfig, SystemClock};
use carddesk_server::AppState;
use carddesk_store::Store;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::task::JoinSet;

mod flows;
mod lookups;

pub(crate) use flows::flows;
pub(crate) use lookups::lookups;

/// The password every bench agent signs in with (staff passwords have at
/// least 12 characters).
const AGENT_PASSWORD: &str = "bench-agent-password";
/// Every bench customer's transaction password.
const TRANSACTION_PASSWORD: &str = "482915";

/// A `carddesk-server` serving on 127.0.0.1:0 in a task of this process.
pub(crate) struct Server {
    pub(crate) base: String,
    pub(crate) processor: Processor,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    pub(crate) async fn start(store: Arc<dyn Store>, keys: Arc<Keyring>) -> anyhow::Result<Self> {
        let processor = Processor::new(
            store,
            keys,
            ProcessorConfig::default(),
            Arc::new(SystemClock),
        )
        .await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(carddesk_server::serve(
            listener,
            // The load generator's customers all call from 127.0.0.1.
            AppState::new(processor.clone())
                .with_customer_limits(carddesk_server::customer::CustomerLimits {
                    exempt_loopback: true,
                    ..Default::default()
                })
                // The bench's hundred agents sign in from one address.
                .with_sign_in_limits(carddesk_server::limits::SignInLimits {
                    address_burst: 10_000,
                    address_per_minute: 10_000,
                }),
            async move {
                let _ = stopped.await;
            },
        ));
        Ok(Self {
            base: format!("http://{addr}"),
            processor,
            stop,
            task,
        })
    }

    /// Stops the server, letting requests in flight finish (the client's
    /// idle connections are closed by the server's graceful shutdown).
    pub(crate) async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(15), self.task)
            .await
            .context("the server did not stop within 15 s")???;
        Ok(())
    }
}

/// The HTTP client: no proxy whatever the environment says, so requests go
/// straight to the loopback server, and a timeout on every request.
fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// Sends a request and returns the answer's JSON; anything but 200 is an
/// error naming the call and the server's `{code, message}`.
async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> anyhow::Result<Value> {
    let mut request = client.request(method.clone(), url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await?;
    let status = response.status();
    let bytes = response.bytes().await?;
    anyhow::ensure!(
        status == reqwest::StatusCode::OK,
        "{method} {} answered {status}: {}",
        url.split_once("/api/").map_or(url, |(_, path)| path),
        String::from_utf8_lossy(&bytes)
    );
    Ok(serde_json::from_slice(&bytes)?)
}

/// Makes the agents `{prefix}000`… that do not exist yet, then signs each
/// in over HTTP, eight at a time each way, returning their session tokens.
async fn signed_in_agents(
    server: &Server,
    client: &reqwest::Client,
    prefix: &str,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let password = SecretString::from(AGENT_PASSWORD.to_owned());
    // Staff passwords are hashed on one thread, and more waiting than its
    // line are refused (`hashing::STAFF_QUEUE`): a few at a time.
    let line = Arc::new(tokio::sync::Semaphore::new(8));
    let mut adding = JoinSet::new();
    for i in 0..count {
        let username = format!("{prefix}{i:03}");
        if server
            .processor
            .store()
            .staff_user(&username)
            .await?
            .is_some()
        {
            continue;
        }
        let (processor, password) = (server.processor.clone(), password.clone());
        let line = line.clone();
        adding.spawn(async move {
            let _turn = line.acquire_owned().await.expect("the line stays open");
            processor
                .add_staff(
                    &Actor::System,
                    StaffMember {
                        username,
                        role: Role::Agent,
                    },
                    "Bench agent",
                    &password,
                    "bench",
                )
                .await
        });
    }
    while let Some(added) = adding.join_next().await {
        added??;
    }
    let mut signing = JoinSet::new();
    for i in 0..count {
        let (client, url) = (client.clone(), format!("{}/api/agent/sign-in", server.base));
        let body = json!({ "username": format!("{prefix}{i:03}"), "password": AGENT_PASSWORD });
        let line = line.clone();
        signing.spawn(async move {
            let _turn = line.acquire_owned().await?;
            let answer = call(&client, reqwest::Method::POST, &url, None, Some(&body)).await?;
            answer["token"]
                .as_str()
                .map(str::to_owned)
                .context("sign-in gives a token")
        });
    }
    let mut tokens = Vec::with_capacity(count);
    while let Some(token) = signing.join_next().await {
        tokens.push(token??);
    }
    Ok(tokens)
}

/// Signs every token out, so repeated runs leave no live sessions behind.
async fn sign_out(server: &Server, client: &reqwest::Client, tokens: &[String]) {
    let url = format!("{}/api/agent/sign-out", server.base);
    for token in tokens {
        // A failed sign-out leaves a session that expires by itself.
        let _ = call(client, reqwest::Method::POST, &url, Some(token), None).await;
    }
}
