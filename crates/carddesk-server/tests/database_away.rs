//! The database going away under a running server (issue 7, reliability),
//! on PostgreSQL: the server reaches the database through a TCP relay the
//! test can cut. While it is cut, calls answer `503 unavailable` in the
//! common shape, quickly, and the readiness probe says the database is
//! failing; once restored, calls work again, the event relay listens
//! again, and a console's live stream is told to re-read (`resync`) what
//! it may have missed, then hears new changes as before. Twice: through
//! the relay, cut and restored; and with PostgreSQL itself stopped and
//! started again (a cluster of the test's own, see `private_cluster`),
//! with a console asking all along, which only ever hears `200` or `503`.

mod common;
mod pages_support;
mod private_cluster;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use carddesk_domain::{Actor, FreezeReason, Role, StaffMember};
use carddesk_processor::{Keyring, Processor, ProcessorConfig, SystemClock};
use carddesk_server::AppState;
use carddesk_store::{PgStore, Store};
use carddesk_wire::{Desk, DeskEvent, EventFilter, SignInRequest};
use futures::StreamExt;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sqlx::PgPool;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const PASSWORD: &str = "correct horse battery";

/// A TCP relay to PostgreSQL that can be cut (every connection dropped,
/// none accepted) and restored on the same port.
struct Relay {
    port: u16,
    accepting: Mutex<Option<JoinHandle<()>>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start() -> Arc<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let relay = Arc::new(Self {
            port,
            accepting: Mutex::new(None),
            connections: Arc::default(),
        });
        relay.accept(listener);
        relay
    }

    fn accept(&self, listener: TcpListener) {
        let connections = self.connections.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let Ok(mut outbound) = TcpStream::connect("127.0.0.1:5432").await else {
                    continue;
                };
                let copy = tokio::spawn(async move {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
                connections.lock().expect("lock").push(copy);
            }
        });
        *self.accepting.lock().expect("lock") = Some(task);
    }

    fn cut(&self) {
        if let Some(task) = self.accepting.lock().expect("lock").take() {
            task.abort();
        }
        for copy in self.connections.lock().expect("lock").drain(..) {
            copy.abort();
        }
    }

    async fn restore(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("rebind the relay's port");
        self.accept(listener);
    }
}

async fn status(client: &reqwest::Client, url: &str) -> (u16, serde_json::Value) {
    signed_in_status(client, url, None).await
}

async fn signed_in_status(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let answer = request.send().await.expect("the server answers");
    let status = answer.status().as_u16();
    (
        status,
        answer.json().await.unwrap_or(serde_json::Value::Null),
    )
}

/// How the database goes away and comes back.
enum Outage<'a> {
    /// The network to it is cut.
    Relay(&'a Relay),
    /// PostgreSQL itself is stopped.
    Restart(&'a private_cluster::Cluster),
}

impl Outage<'_> {
    async fn begin(&self) {
        match self {
            Outage::Relay(relay) => relay.cut(),
            Outage::Restart(cluster) => tokio::task::block_in_place(|| cluster.down()),
        }
    }

    async fn end(&self) {
        match self {
            Outage::Relay(relay) => relay.restore().await,
            Outage::Restart(cluster) => tokio::task::block_in_place(|| cluster.up()),
        }
    }
}

#[sqlx::test(migrations = false)]
async fn the_server_rides_out_the_database_going_away(pool: PgPool) {
    let relay = Relay::start().await;
    let options = (*pool.connect_options()).clone().port(relay.port);
    let through_relay = PgStore::pool_options()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(2))
        .connect_with(options)
        .await
        .expect("connect through the relay");
    rides_out(through_relay, Outage::Relay(&relay)).await;
    relay.cut();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_rides_out_a_postgresql_restart() {
    let cluster = tokio::task::block_in_place(private_cluster::Cluster::start);
    let pool = PgStore::pool_options()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(2))
        .connect(&cluster.url("postgres"))
        .await
        .expect("connect to the test's own PostgreSQL");
    rides_out(pool, Outage::Restart(&cluster)).await;
}

/// Asks `GET /me` every 20 ms until told to stop; every status seen, as
/// it is seen.
fn keep_asking(
    client: reqwest::Client,
    url: String,
    token: String,
) -> (
    tokio::sync::watch::Sender<bool>,
    Arc<Mutex<Vec<u16>>>,
    JoinHandle<()>,
) {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let task = tokio::spawn(async move {
        while !*stopped.borrow() {
            let status = signed_in_status(&client, &url, Some(&token)).await.0;
            record.lock().expect("seen").push(status);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    (stop, seen, task)
}

/// The server over `pool` rides out `outage`.
/// The customer's and the applicant's pages, while the database is away:
/// a page saying so (`503`, `Retry-After`), in the visitor's language, not
/// an internal error.
async fn pages_say_briefly_unavailable(base: &str) {
    let mut phone = pages_support::Phone::at(base, Some("zh-CN"));
    let link = phone.get("/u/Z8HQZ-3T834").await;
    let page = phone
        .post("/u/Z8HQZ-3T834", &[("csrf", &link.csrf())])
        .await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert_eq!(page.outcome().as_deref(), Some("unavailable"));
    assert_eq!(page.header("retry-after"), "5");
    assert!(page.body.contains("服务暂时不可用"), "{}", page.body);

    let mut browser = pages_support::Phone::at(base, Some("en"));
    let form = browser.get("/apply").await;
    let id_number = common::resident_id(77);
    let page = browser
        .post(
            "/apply",
            &[
                ("csrf", &form.csrf()),
                ("name", "Wang Fang"),
                ("document_kind", "resident_id"),
                ("id_number", &id_number),
                ("passport_country", ""),
                ("phone", "13800138077"),
                ("product", "virtual_debit"),
                ("language", "en"),
                ("consent_terms", "yes"),
                ("consent_recording", "yes"),
            ],
        )
        .await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert_eq!(page.outcome().as_deref(), Some("unavailable"));
    assert_eq!(page.header("retry-after"), "5");
    assert!(
        page.body.contains("may not have gone through"),
        "{}",
        page.body
    );
}

async fn rides_out(pool: PgPool, outage: Outage<'_>) {
    let keys = Arc::new(Keyring::generate());
    let store: Arc<dyn Store> = Arc::new(
        PgStore::from_pool(pool.clone(), keys.audit_key())
            .await
            .expect("store"),
    );
    let processor = Processor::new(
        store.clone(),
        keys.clone(),
        ProcessorConfig::default(),
        Arc::new(SystemClock),
    )
    .await
    .expect("processor");
    processor
        .add_staff(
            &Actor::System,
            StaffMember {
                username: "alice".to_owned(),
                role: Role::Agent,
            },
            "Alice",
            &SecretString::from(PASSWORD.to_owned()),
            "test",
        )
        .await
        .expect("add staff");
    let person = common::enrol(
        store.as_ref(),
        &keys,
        61,
        &[common::frozen(FreezeReason::WrongPinLimit)],
        common::PASSWORD,
        &carddesk_processor::passwords::hash(&SecretString::from(common::PASSWORD.to_owned())),
    )
    .await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(carddesk_server::serve(
        listener,
        AppState::new(processor.clone()),
        std::future::pending(),
    ));
    let client = reqwest::Client::new();
    let desk = carddesk_client::HttpDesk::new(carddesk_client::ClientConfig::new(
        base.parse().expect("url"),
    ))
    .expect("client");
    let token = desk
        .sign_in(&SignInRequest {
            username: "alice".to_owned(),
            password: SecretString::from(PASSWORD.to_owned()),
        })
        .await
        .expect("sign in")
        .token;
    let mut events = desk
        .events(&token, EventFilter::default())
        .await
        .expect("events");
    let ready = format!("{base}/health/ready");
    assert_eq!(status(&client, &ready).await.0, 200);

    let (stop_asking, seen, asking) = keep_asking(
        client.clone(),
        format!("{base}/api/agent/me"),
        token.expose_secret().to_owned(),
    );
    tokio::time::sleep(Duration::from_millis(100)).await;

    // The database goes away.
    outage.begin().await;
    let started = Instant::now();
    let (code, body) = loop {
        let answer = signed_in_status(
            &client,
            &format!("{base}/api/agent/me"),
            Some(token.expose_secret()),
        )
        .await;
        // The first call may still find a pooled connection's break.
        if answer.0 != 200 {
            break answer;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "never noticed");
    };
    assert_eq!(code, 503, "{body}");
    assert_eq!(body["code"], "unavailable", "{body}");
    assert!(body["message"].is_string(), "the common shape: {body}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "refused within the pool's wait, not the request's time limit"
    );
    let (code, body) = status(&client, &ready).await;
    assert_eq!((code, body["failing"].as_str()), (503, Some("database")));
    pages_say_briefly_unavailable(&base).await;

    // It comes back: calls work, the relay listens again, and the console
    // is told to re-read.
    outage.end().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while status(&client, &ready).await.0 != 200 {
        assert!(Instant::now() < deadline, "never ready again");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let resync = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match events.next().await {
                Some(DeskEvent::Resync) => return,
                Some(_) => {}
                None => panic!("the stream ended"),
            }
        }
    })
    .await;
    assert!(resync.is_ok(), "the console is told to re-read");
    let marked = client
        .post(format!("{base}/api/agent/cards/{}/cases", person.card(0).0))
        .bearer_auth(token.expose_secret())
        .json(&json!(null))
        .send()
        .await
        .expect("mark");
    assert_eq!(marked.status(), 200);
    let heard = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(DeskEvent::Case { .. }) = events.next().await {
                return;
            }
        }
    })
    .await;
    assert!(heard.is_ok(), "changes are heard again");
    // The console asking all along answers again too (its request in
    // flight when the database came back may still have waited out the
    // pool's timeout).
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.lock().expect("seen").last() != Some(&200) {
        assert!(
            Instant::now() < deadline,
            "the asking console never heard 200 again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop_asking.send(true);
    asking.await.expect("the asking console");
    let seen = seen.lock().expect("seen").clone();
    assert!(
        seen.iter().all(|s| *s == 200 || *s == 503),
        "only 200 or 503 all along: {seen:?}"
    );
    assert!(seen.contains(&503) && seen.last() == Some(&200), "{seen:?}");
    server.abort();
}
