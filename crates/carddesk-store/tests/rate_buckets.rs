//! Rate-limit buckets in the database, on both databases: a bucket starts
//! full, gives `capacity` tokens to racing takers and no more, refills at
//! its rate up to its capacity, says how long until the next token, keeps
//! keys apart, and idle buckets are purged.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod racing;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use carddesk_store::{AuditKey, Store};
use chrono::{DateTime, Duration, Utc};

const CAPACITY: f64 = 10.0;
/// One token a second.
const RATE: f64 = 1.0;

fn key() -> AuditKey {
    AuditKey::new(*b"carddesk rate bucket test key...")
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-03-03T09:30:00.123456Z")
        .expect("valid time")
        .with_timezone(&Utc)
        + Duration::milliseconds(ms)
}

async fn take(store: &dyn Store, key: &str, now: DateTime<Utc>) -> Option<StdDuration> {
    store
        .take_rate_token(key, CAPACITY, RATE, now)
        .await
        .expect("take")
}

async fn buckets(store: Arc<dyn Store>) {
    // Racing takers at one instant get exactly the capacity.
    let racing: Vec<_> = (0..40)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { take(store.as_ref(), "addr:a", at(0)).await })
        })
        .collect();
    let taken = futures::future::join_all(racing)
        .await
        .into_iter()
        .filter(|r| r.as_ref().expect("task").is_none())
        .count();
    assert_eq!(taken, CAPACITY as usize);

    // Empty: the wait is about a second (one token at one a second).
    let wait = take(store.as_ref(), "addr:a", at(0))
        .await
        .expect("refused");
    assert!(
        wait > StdDuration::from_millis(900) && wait <= StdDuration::from_secs(1),
        "{wait:?}"
    );
    // Half a second on: still short, half a second to wait.
    let wait = take(store.as_ref(), "addr:a", at(500))
        .await
        .expect("refused");
    assert!(wait <= StdDuration::from_millis(501), "{wait:?}");
    // A second on: one token, then empty again.
    assert_eq!(take(store.as_ref(), "addr:a", at(1_000)).await, None);
    assert!(take(store.as_ref(), "addr:a", at(1_000)).await.is_some());
    // Keys are apart.
    assert_eq!(take(store.as_ref(), "addr:b", at(1_000)).await, None);
    // A long idle refills to the capacity, never past it.
    let later = at(1_000_000);
    for _ in 0..CAPACITY as usize {
        assert_eq!(take(store.as_ref(), "addr:a", later).await, None);
    }
    assert!(take(store.as_ref(), "addr:a", later).await.is_some());
    // A clock that steps back refills nothing and takes nothing extra.
    assert!(take(store.as_ref(), "addr:a", at(999_000)).await.is_some());

    // Purging forgets buckets idle since the cut-off only.
    let purged = store.purge_rate_buckets(at(2_000)).await.expect("purge");
    assert_eq!(purged, 1, "addr:b was last touched at 1 s");
    assert!(
        take(store.as_ref(), "addr:a", later).await.is_some(),
        "kept"
    );
}

#[test]
fn sqlite_buckets() {
    racing::on_sqlite_file(key(), buckets);
}

#[sqlx::test(migrations = false)]
async fn postgres_buckets(pool: sqlx::PgPool) {
    racing::on_postgres(&pool, key(), buckets);
}
