//! TLS against a server whose certificate the bank's own authority
//! signed: trusted when that root is configured, refused otherwise.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use carddesk_client::{ClientConfig, HttpDesk, Url};
use carddesk_wire::{Desk, ErrorCode};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};

use crate::support::token;

/// The bank's root (PEM) and a server certificate chain and key it signed
/// for 127.0.0.1.
fn bank_pki() -> (String, String, String) {
    let mut root = CertificateParams::new(Vec::<String>::new()).unwrap();
    root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root.distinguished_name
        .push(DnType::CommonName, "Test Bank Root CA");
    root.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let root_key = KeyPair::generate().unwrap();
    let root_cert = root.self_signed(&root_key).unwrap();
    let issuer = Issuer::new(root, root_key);

    let server = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server_cert = server.signed_by(&server_key, &issuer).unwrap();
    (
        root_cert.pem(),
        format!("{}{}", server_cert.pem(), root_cert.pem()),
        server_key.serialize_pem(),
    )
}

async fn serve_tls(chain: String, key: String) -> Url {
    // Two rustls providers are compiled into the tests; name one.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem(chain.into_bytes(), key.into_bytes())
        .await
        .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = Router::new().route(
        "/api/agent/me",
        get(|| async {
            axum::Json(serde_json::json!({
                "username": "alice", "display_name": "Alice", "role": "agent",
                "expires_at": "2030-01-01T00:00:00Z"
            }))
        }),
    );
    let server = axum_server::from_tcp_rustls(listener, tls).unwrap();
    tokio::spawn(server.serve(router.into_make_service()));
    Url::parse(&format!("https://127.0.0.1:{port}")).unwrap()
}

fn config(base_url: Url, root: Option<&str>) -> ClientConfig {
    let mut config = ClientConfig::new(base_url);
    config.request_timeout = Duration::from_secs(2);
    config.extra_root_certificate_pem = root.map(|pem| pem.as_bytes().to_vec());
    config.retry.retries = 0;
    config
}

#[tokio::test]
async fn the_banks_own_root_is_trusted_only_when_configured() {
    let (root, chain, key) = bank_pki();
    let url = serve_tls(chain, key).await;

    let trusting = HttpDesk::new(config(url.clone(), Some(&root))).unwrap();
    assert_eq!(trusting.me(&token()).await.unwrap().username, "alice");

    let sceptical = HttpDesk::new(config(url, None)).unwrap();
    let error = sceptical.me(&token()).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::Unavailable);
}

#[tokio::test]
async fn a_root_that_is_not_a_pem_certificate_is_refused() {
    let url = Url::parse("https://desk.bank.example").unwrap();
    for bad in [
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ] {
        let error = HttpDesk::new(config(url.clone(), Some(bad))).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidInput, "{bad}");
    }
}
