//! HTTPS with rustls when a certificate is configured.

use std::sync::Arc;

use carddesk_processor::{Keyring, Processor, ProcessorConfig, SystemClock};
use carddesk_server::AppState;
use carddesk_store::{SqliteStore, Store};
use sqlx::SqlitePool;

#[sqlx::test(migrations = false)]
async fn the_server_speaks_tls_with_the_configured_certificate(pool: SqlitePool) {
    let keys = Arc::new(Keyring::generate());
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::from_pool(pool, keys.audit_key())
            .await
            .expect("store"),
    );
    let processor = Processor::new(
        store,
        keys,
        ProcessorConfig::default(),
        Arc::new(SystemClock),
    )
    .await
    .expect("processor");

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

    let trusting = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).expect("pem"),
        )
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .build()
        .expect("client");
    let response = trusting
        .get(format!("https://localhost:{port}/openapi.json"))
        .send()
        .await
        .expect("an HTTPS answer");
    assert_eq!(response.status(), 200);

    // A client that does not trust the certificate is refused: it really is
    // TLS with that certificate, not plain HTTP.
    let sceptical = reqwest::Client::builder()
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .build()
        .expect("client");
    assert!(
        sceptical
            .get(format!("https://localhost:{port}/openapi.json"))
            .send()
            .await
            .is_err()
    );
    // And plain HTTP gets no answer in the API's shape.
    let plain = reqwest::get(format!("http://127.0.0.1:{port}/openapi.json")).await;
    assert!(plain.map(|r| r.status() != 200).unwrap_or(true));
}
