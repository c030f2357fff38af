//! The rate limits' buckets in Redis (issue 7, finding 5: limits shared
//! across server processes "in PostgreSQL, or Redis when configured"),
//! against the Redis on 127.0.0.1:6379 (`CARDDESK_TEST_REDIS` names
//! another). Many takers at once, through two connections as two servers
//! would, get exactly the bucket's tokens; two servers over one database
//! share one customer bucket through Redis, not the database's table.

mod common;

use std::sync::Arc;

use carddesk_processor::Keyring;
use carddesk_server::customer::CustomerLimits;
use carddesk_server::limits::{Buckets, RateLimiter, RedisBuckets};
use sqlx::PgPool;

fn redis_url() -> String {
    std::env::var("CARDDESK_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".to_owned())
}

async fn redis() -> RedisBuckets {
    RedisBuckets::connect(&redis_url())
        .await
        .expect("a Redis at CARDDESK_TEST_REDIS or 127.0.0.1:6379")
}

/// A name no earlier run used (Redis keeps its keys between runs).
fn fresh(what: &str) -> String {
    format!("{what}-{:016x}", rand::random::<u64>())
}

#[tokio::test]
async fn many_takers_at_once_over_two_connections_get_exactly_the_burst() {
    let name: &'static str = Box::leak(fresh("test").into_boxed_str());
    // Two limiters over two connections: two servers' views of one bucket.
    let first = Arc::new(RateLimiter::new(
        name,
        10,
        1,
        &Buckets::Redis(redis().await),
    ));
    let second = Arc::new(RateLimiter::new(
        name,
        10,
        1,
        &Buckets::Redis(redis().await),
    ));
    let takers = (0..40).map(|i| {
        let limiter = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        tokio::spawn(async move { limiter.take("addr:203.0.113.1").await })
    });
    let answers: Vec<_> = futures::future::join_all(takers)
        .await
        .into_iter()
        .map(|a| a.expect("taker"))
        .collect();
    let taken = answers.iter().filter(|a| a.is_ok()).count();
    assert_eq!(taken, 10, "{answers:?}");
    for wait in answers.iter().filter_map(|a| a.err()) {
        assert!(
            wait > std::time::Duration::ZERO && wait <= std::time::Duration::from_secs(60),
            "one token a minute: {wait:?}"
        );
    }
    // Another key has a bucket of its own.
    assert!(first.take("addr:203.0.113.2").await.is_ok());
}

#[tokio::test]
async fn a_bucket_refills_on_redis_clock() {
    let name: &'static str = Box::leak(fresh("refill").into_boxed_str());
    // 600 a minute: one back every 100 ms.
    let limiter = RateLimiter::new(name, 1, 600, &Buckets::Redis(redis().await));
    assert!(limiter.take("k").await.is_ok());
    let wait = limiter.take("k").await.expect_err("empty");
    assert!(wait <= std::time::Duration::from_millis(100), "{wait:?}");
    tokio::time::sleep(wait + std::time::Duration::from_millis(20)).await;
    assert!(limiter.take("k").await.is_ok(), "refilled");
}

/// Two servers over one PostgreSQL database, their limits in Redis: a
/// customer's requests spread over both share one bucket, and it is
/// Redis's (the database's bucket table stays empty).
#[sqlx::test(migrations = false)]
async fn two_servers_share_one_bucket_in_redis(pool: PgPool) {
    const BURST: u32 = 6;
    let keys = Arc::new(Keyring::generate());
    let redis = redis().await;
    let configure = |redis: RedisBuckets| {
        move |state: carddesk_server::AppState| {
            state
                .with_customer_limits(CustomerLimits {
                    address_burst: BURST,
                    address_per_minute: 1,
                    ..CustomerLimits::default()
                })
                .trusting(
                    carddesk_server::forwarded::TrustedProxies::parse("127.0.0.1")
                        .expect("proxies"),
                )
                .with_buckets(Buckets::Redis(redis))
        }
    };
    let (a, _, _a) = common::server_over(&pool, &keys, configure(redis.clone())).await;
    let (b, _, _b) = common::server_over(&pool, &keys, configure(redis)).await;
    let client = reqwest::Client::new();
    // An address no earlier run used.
    let bytes: [u8; 3] = rand::random();
    let customer = format!("10.{}.{}.{}", bytes[0], bytes[1], bytes[2]);
    let tries = (0..BURST * 3).map(|i| {
        let url = if i % 2 == 0 { a.clone() } else { b.clone() };
        let (client, customer) = (client.clone(), customer.clone());
        async move { common::open_forwarded(&client, &url, &customer).await }
    });
    let statuses = futures::future::join_all(tries).await;
    let through = statuses.iter().filter(|s| **s == 404).count();
    assert_eq!(through, BURST as usize, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 404 || *s == 429),
        "{statuses:?}"
    );
    let in_database: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_buckets")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(
        in_database, 0,
        "the buckets are Redis's, not the database's"
    );
}
