//! Transport security (issue 7, finding 11): the customer pages send HSTS
//! when browsers reach them over HTTPS (the server serves TLS, or its
//! public URL is https behind a proxy) and not over plain HTTP; their
//! cookies are `Secure` with an https public URL; gateway URLs must be
//! https unless `allow_plain_http_gateways` says a local test gateway may
//! be plain HTTP.

mod common;

use std::collections::HashMap;
use std::ffi::OsString;
use std::sync::Arc;

use carddesk_domain::{FreezeReason, Role};
use carddesk_processor::{Keyring, Processor, ProcessorConfig, SystemClock};
use carddesk_server::AppState;
use carddesk_server::config::{Overrides, ServerConfig};
use carddesk_store::Store;
use common::TestApp;

const HSTS: &str = "max-age=31536000; includeSubDomains";

/// One scenario on SQLite and on PostgreSQL, given a fresh store.
macro_rules! on_both {
    ($($scenario:ident => $sqlite:ident, $postgres:ident;)*) => {
        $(
            #[sqlx::test(migrations = false)]
            async fn $sqlite(pool: sqlx::SqlitePool) {
                let (store, keys, _) = common::sqlite(pool).await;
                $scenario(store, keys).await;
            }

            #[sqlx::test(migrations = false)]
            async fn $postgres(pool: sqlx::PgPool) {
                let (store, keys, _) = common::postgres(pool).await;
                $scenario(store, keys).await;
            }
        )*
    };
}

on_both_databases! {
    the_pages_gets_write_nothing => gets_sqlite, gets_postgres;
}

on_both! {
    https_public_url_means_hsts_and_secure_cookies => https_url_sqlite, https_url_postgres;
    plain_http_means_neither => plain_sqlite, plain_postgres;
    serving_tls_means_hsts => tls_sqlite, tls_postgres;
}

async fn processor(store: Arc<dyn Store>, keys: Arc<Keyring>, link_base: &str) -> Processor {
    let config = ProcessorConfig {
        link_base: link_base.to_owned(),
        ..ProcessorConfig::default()
    };
    Processor::new(store, keys, config, Arc::new(SystemClock))
        .await
        .expect("processor")
}

/// Serves plain HTTP on a port of its own; the base URL.
async fn serve_plain(processor: Processor) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(carddesk_server::serve(
        listener,
        AppState::new(processor),
        std::future::pending(),
    ));
    format!("http://{addr}")
}

/// The start page's HSTS header and its browser-binding cookie.
async fn start_page(client: &reqwest::Client, base: &str) -> (Option<String>, String) {
    let response = client
        .get(format!("{base}/u"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    let hsts = headers
        .get("strict-transport-security")
        .map(|v| v.to_str().expect("text").to_owned());
    let cookie = headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("text").to_owned())
        .find(|c| c.starts_with("cd_b="))
        .expect("a fresh browser gets its binding cookie");
    (hsts, cookie)
}

async fn https_public_url_means_hsts_and_secure_cookies(store: Arc<dyn Store>, keys: Arc<Keyring>) {
    let base = serve_plain(processor(store, keys, "https://unfreeze.example").await).await;
    let client = reqwest::Client::new();
    let (hsts, cookie) = start_page(&client, &base).await;
    assert_eq!(hsts.as_deref(), Some(HSTS));
    assert!(cookie.contains("; Secure"), "{cookie}");
    // HSTS is the pages' header: the JSON APIs do not need it from here.
    let health = client
        .get(format!("{base}/health/live"))
        .send()
        .await
        .expect("an answer");
    assert!(health.headers().get("strict-transport-security").is_none());
}

async fn plain_http_means_neither(store: Arc<dyn Store>, keys: Arc<Keyring>) {
    let base = serve_plain(processor(store, keys, "http://127.0.0.1:8080").await).await;
    let (hsts, cookie) = start_page(&reqwest::Client::new(), &base).await;
    assert_eq!(hsts, None, "no HSTS over plain HTTP");
    assert!(!cookie.contains("Secure"), "{cookie}");
}

async fn serving_tls_means_hsts(store: Arc<dyn Store>, keys: Arc<Keyring>) {
    // The public URL says http (as by default): the TLS socket decides.
    let processor = processor(store, keys, "http://127.0.0.1:8080").await;
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let dir = tempfile::tempdir().expect("dir");
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).expect("write cert");
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).expect("write key");
    let tls = carddesk_server::tls_config(&cert_path, &key_path)
        .await
        .expect("tls config");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(carddesk_server::serve_tls(
        listener,
        AppState::new(processor),
        tls,
        std::future::pending(),
    ));
    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).expect("pem"),
        )
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .build()
        .expect("client");
    let (hsts, _) = start_page(&client, &format!("https://localhost:{port}")).await;
    assert_eq!(hsts.as_deref(), Some(HSTS));
}

fn load(env: &[(&str, &str)], flags: &Overrides) -> Result<ServerConfig, Vec<String>> {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    ServerConfig::load_from(None, |name| env.get(name).map(OsString::from), flags)
        .map_err(|e| e.problems().to_vec())
}

const PLAIN_SMS: [(&str, &str); 2] = [
    ("CARDDESK_SMS_GATEWAY_URL", "http://127.0.0.1:9000/send"),
    ("CARDDESK_SMS_GATEWAY_SECRET", "s3cret-sms"),
];

#[test]
fn a_plain_http_gateway_is_refused_naming_the_setting_and_the_way_out() {
    let problems = load(&PLAIN_SMS, &Overrides::default()).expect_err("refused");
    assert_eq!(problems.len(), 1, "{problems:?}");
    let problem = &problems[0];
    assert!(
        problem.starts_with("sms_gateway.url (from CARDDESK_SMS_GATEWAY_URL): use an https:// URL"),
        "{problem}"
    );
    assert!(problem.contains("allow_plain_http_gateways"), "{problem}");
    assert!(
        !problem.contains("127.0.0.1:9000"),
        "the URL is not quoted: {problem}"
    );

    let voice = load(
        &[
            ("CARDDESK_VOICE_GATEWAY_URL", "http://ivr.local/prompt"),
            ("CARDDESK_VOICE_GATEWAY_SECRET", "s3cret-voice"),
        ],
        &Overrides::default(),
    )
    .expect_err("refused");
    assert!(voice[0].starts_with("voice_gateway.url"), "{voice:?}");

    let https = [
        ("CARDDESK_SMS_GATEWAY_URL", "https://sms.internal/send"),
        ("CARDDESK_SMS_GATEWAY_SECRET", "s3cret-sms"),
    ];
    let config = load(&https, &Overrides::default()).expect("https is fine");
    assert!(!config.allow_plain_http_gateways);
}

#[test]
fn the_allow_setting_lets_a_local_test_gateway_be_plain_http() {
    let by_env = [
        PLAIN_SMS[0],
        PLAIN_SMS[1],
        ("CARDDESK_ALLOW_PLAIN_HTTP_GATEWAYS", "true"),
    ];
    let config = load(&by_env, &Overrides::default()).expect("allowed by the environment");
    assert!(config.allow_plain_http_gateways);
    assert_eq!(
        config.sms_gateway.url.as_deref(),
        Some("http://127.0.0.1:9000/send")
    );

    let flags = Overrides {
        allow_plain_http_gateways: Some(true),
        ..Overrides::default()
    };
    load(&PLAIN_SMS, &flags).expect("allowed by the flag");

    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("carddesk.toml");
    std::fs::write(
        &path,
        "allow_plain_http_gateways = true\n[sms_gateway]\nurl = \"http://127.0.0.1:9000/send\"\n",
    )
    .expect("write");
    let env: HashMap<String, String> =
        HashMap::from([(PLAIN_SMS[1].0.to_owned(), PLAIN_SMS[1].1.to_owned())]);
    ServerConfig::load_from(
        Some(&path),
        |name| env.get(name).map(OsString::from),
        &Overrides::default(),
    )
    .expect("allowed by the file");

    // A word that is not a boolean is refused, not read as false.
    let garbled = [
        PLAIN_SMS[0],
        PLAIN_SMS[1],
        ("CARDDESK_ALLOW_PLAIN_HTTP_GATEWAYS", "perhaps"),
    ];
    let problems = load(&garbled, &Overrides::default()).expect_err("refused");
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("allow_plain_http_gateways")),
        "{problems:?}"
    );
}

/// A phone's request with the cookies it holds, redirects not followed.
async fn phone(cookies: &mut Vec<String>, request: reqwest::RequestBuilder) -> (u16, String) {
    let request = if cookies.is_empty() {
        request
    } else {
        request.header("cookie", cookies.join("; "))
    };
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    for set in response.headers().get_all("set-cookie") {
        let pair = set.to_str().expect("text").split(';').next().unwrap_or("");
        let name = pair.split('=').next().unwrap_or("").to_owned();
        cookies.retain(|c| !c.starts_with(&format!("{name}=")));
        cookies.push(pair.to_owned());
    }
    (status, response.text().await.expect("body"))
}

/// Every GET of the pages, from the text message's link to the result,
/// leaves the database as it was: only the POSTs write.
async fn the_pages_gets_write_nothing(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app
        .enrol(71, &[common::frozen(FreezeReason::WrongPinLimit)])
        .await;
    let (_, code) = app.instructed(&agent, person.card(0)).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut cookies = Vec::new();
    let link = format!("/u/{code}");

    let before = app.raw.snapshot().await;
    let (status, page) = phone(&mut cookies, client.get(app.url(&link))).await;
    assert_eq!(status, 200);
    assert_eq!(app.raw.snapshot().await, before, "GET {link} wrote");

    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("a CSRF field") + marker.len();
    let csrf = page[start..].split('"').next().expect("token").to_owned();
    let (status, _) = phone(
        &mut cookies,
        client.post(app.url(&link)).form(&[("csrf", csrf.as_str())]),
    )
    .await;
    assert_eq!(status, 303, "the POST opens the code");
    assert!(
        cookies.iter().any(|c| c.starts_with("cd_s=")),
        "{cookies:?}"
    );

    let opened = app.raw.snapshot().await;
    assert_ne!(opened, before, "the POST wrote");
    for path in ["/u/card", "/u/details", "/u/result", "/u", "/u/not-mine"] {
        let (status, _) = phone(&mut cookies, client.get(app.url(path))).await;
        assert!(status == 200 || status == 303, "GET {path}: {status}");
        assert_eq!(app.raw.snapshot().await, opened, "GET {path} wrote");
    }
}
