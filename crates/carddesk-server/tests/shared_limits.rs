//! Behind a reverse proxy, across server processes (issue 7, finding 5):
//! two servers over one PostgreSQL database, both trusting the proxy on
//! 127.0.0.1. A customer's requests, spread over both servers, share one
//! per-address bucket (the limit is the limit, not twice it); their own
//! address, from `X-Forwarded-For`, is what is limited and audited; staff
//! sign-ins are limited per address the same way (issue 7, finding 1);
//! and a server that trusts no proxy believes no header.

mod common;

use std::sync::Arc;

use carddesk_domain::{Actor, Role, StaffMember};
use carddesk_processor::{Keyring, Processor};
use carddesk_server::customer::CustomerLimits;
use carddesk_server::forwarded::TrustedProxies;
use carddesk_server::limits::SignInLimits;
use secrecy::SecretString;
use serde_json::json;
use sqlx::PgPool;

const BURST: u32 = 8;

async fn server(
    pool: &PgPool,
    keys: &Arc<Keyring>,
    proxies: &str,
) -> (String, Processor, common::Running) {
    let proxies = TrustedProxies::parse(proxies).expect("proxies");
    common::server_over(pool, keys, |state| {
        state
            .with_customer_limits(CustomerLimits {
                address_burst: BURST,
                address_per_minute: 1,
                ..CustomerLimits::default()
            })
            .with_sign_in_limits(SignInLimits {
                address_burst: BURST,
                address_per_minute: 1,
            })
            .trusting(proxies)
    })
    .await
}

#[sqlx::test(migrations = false)]
async fn one_limit_over_two_servers_behind_a_proxy(pool: PgPool) {
    let keys = Arc::new(Keyring::generate());
    let (a, processor, _a) = server(&pool, &keys, "127.0.0.1").await;
    let (b, _, _b) = server(&pool, &keys, "127.0.0.1").await;
    let client = reqwest::Client::new();

    // The burst, spread over both servers, then refused on either.
    let customer = "198.51.100.7";
    for i in 0..BURST {
        let url = if i % 2 == 0 { &a } else { &b };
        assert_eq!(
            common::open_forwarded(&client, url, customer).await,
            404,
            "request {i}"
        );
    }
    assert_eq!(common::open_forwarded(&client, &a, customer).await, 429);
    assert_eq!(common::open_forwarded(&client, &b, customer).await, 429);
    // Racing requests from one address past the burst: still one bucket.
    let racing = "198.51.100.8";
    let tries = (0..BURST * 3).map(|i| {
        let url = if i % 2 == 0 { a.clone() } else { b.clone() };
        let client = client.clone();
        async move { common::open_forwarded(&client, &url, racing).await }
    });
    let statuses = futures::future::join_all(tries).await;
    let through = statuses.iter().filter(|s| **s == 404).count();
    assert_eq!(through, BURST as usize, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 404 || *s == 429));

    // Another customer behind the same proxy has a bucket of their own,
    // and a header's forged left part does not buy one.
    assert_eq!(
        common::open_forwarded(&client, &b, "203.0.113.5").await,
        404
    );
    assert_eq!(
        common::open_forwarded(&client, &a, &format!("192.0.2.1, {customer}")).await,
        429,
        "the nearest hop the proxy saw is the client"
    );
    // The audit names the client's address, not the proxy's.
    processor
        .add_staff(
            &Actor::System,
            StaffMember {
                username: "alice".to_owned(),
                role: Role::Agent,
            },
            "Alice",
            &SecretString::from("correct horse battery".to_owned()),
            "test",
        )
        .await
        .expect("add staff");
    let signed_in = client
        .post(format!("{b}/api/agent/sign-in"))
        .header("x-forwarded-for", "198.51.100.9")
        .json(&json!({ "username": "alice", "password": "correct horse battery" }))
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed_in.status(), 200);
    let origins: Vec<String> =
        sqlx::query_scalar("SELECT origin FROM audit_log WHERE action = 'staff.sign_in'")
            .fetch_all(&pool)
            .await
            .expect("origins");
    assert_eq!(origins, ["198.51.100.9"]);
}

#[sqlx::test(migrations = false)]
async fn without_a_trusted_proxy_the_header_is_ignored(pool: PgPool) {
    let keys = Arc::new(Keyring::generate());
    let (a, _, _a) = server(&pool, &keys, "").await;
    let client = reqwest::Client::new();
    // Each request claims another address; all count against the peer's.
    for i in 0..BURST {
        assert_eq!(
            common::open_forwarded(&client, &a, &format!("198.51.100.{i}")).await,
            404
        );
    }
    assert_eq!(
        common::open_forwarded(&client, &a, "198.51.100.200").await,
        429
    );
}

/// Guesses sprayed over many user IDs from one address, spread over both
/// servers: the address's burst, then `429` with `Retry-After`, while
/// another address still signs in.
#[sqlx::test(migrations = false)]
async fn sign_ins_are_limited_per_address_over_two_servers(pool: PgPool) {
    let keys = Arc::new(Keyring::generate());
    let (a, _, _a) = server(&pool, &keys, "127.0.0.1").await;
    let (b, _, _b) = server(&pool, &keys, "127.0.0.1").await;
    let client = reqwest::Client::new();
    let guess = |url: String, from: &'static str, i: u32| {
        let client = client.clone();
        async move {
            client
                .post(format!("{url}/api/agent/sign-in"))
                .header("x-forwarded-for", from)
                .json(&json!({ "username": format!("user{i}"), "password": "a guess, wrong" }))
                .send()
                .await
                .expect("send")
        }
    };
    let sprayed = (0..BURST * 3).map(|i| {
        guess(
            if i % 2 == 0 { a.clone() } else { b.clone() },
            "198.51.100.66",
            i,
        )
    });
    let answers = futures::future::join_all(sprayed).await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        BURST as usize,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    let refused = answers
        .iter()
        .find(|r| r.status() == 429)
        .expect("a refusal");
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(guess(a.clone(), "203.0.113.77", 0).await.status(), 401);
}

/// `/metrics` on the main address is for loopback clients: one a trusted
/// proxy on this host forwards is not one.
#[sqlx::test(migrations = false)]
async fn metrics_are_not_for_forwarded_clients(pool: PgPool) {
    let keys = Arc::new(Keyring::generate());
    let (a, _, _a) = server(&pool, &keys, "127.0.0.1").await;
    let client = reqwest::Client::new();
    let scrape = |forwarded: Option<&'static str>| {
        let mut request = client.get(format!("{a}/metrics"));
        if let Some(from) = forwarded {
            request = request.header("x-forwarded-for", from);
        }
        async move { request.send().await.expect("send").status().as_u16() }
    };
    assert_eq!(scrape(None).await, 200);
    assert_eq!(scrape(Some("198.51.100.1")).await, 404);
}
