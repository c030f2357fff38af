//! The staff sign-in counters on both databases: `record_signin_failure`
//! counts in the database (fresh after a lock has run out, locking at the
//! limit, never shortening a running lock) and `clear_signin_failures`
//! refuses to clear a running lock.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

use std::sync::Arc;

use carddesk_domain::{Role, StaffMember};
use carddesk_store::{AuditKey, PgStore, SigninFailures, SqliteStore, StaffRecord, Store};
use chrono::{DateTime, Duration, Utc};

const MAX: u32 = 10;

fn lockout() -> Duration {
    Duration::minutes(30)
}

fn key() -> AuditKey {
    AuditKey::new(*b"carddesk staff sign-in test key.")
}

/// A fixed instant with microseconds, plus `s` seconds.
fn at(s: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-03-03T09:30:00.123456Z")
        .expect("valid time")
        .with_timezone(&Utc)
        + Duration::seconds(s)
}

async fn add_user(store: &dyn Store, username: &str) {
    let mut tx = store.begin().await.expect("begin");
    tx.insert_staff_user(
        &StaffRecord {
            member: StaffMember {
                username: username.to_owned(),
                role: Role::Agent,
            },
            display_name: "Li".to_owned(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
            failed_signins: 0,
            locked_until: None,
        },
        at(0),
    )
    .await
    .expect("insert staff user");
    tx.commit().await.expect("commit");
}

async fn fail(store: &dyn Store, username: &str, now: DateTime<Utc>) -> Option<SigninFailures> {
    let mut tx = store.begin().await.expect("begin");
    let counted = tx
        .record_signin_failure(username, now, MAX, now + lockout())
        .await
        .expect("record failure");
    tx.commit().await.expect("commit");
    counted
}

async fn clear(store: &dyn Store, username: &str, now: DateTime<Utc>) -> bool {
    let mut tx = store.begin().await.expect("begin");
    let cleared = tx
        .clear_signin_failures(username, now)
        .await
        .expect("clear failures");
    tx.commit().await.expect("commit");
    cleared
}

async fn stored(store: &dyn Store, username: &str) -> (u32, Option<DateTime<Utc>>) {
    let user = store
        .staff_user(username)
        .await
        .expect("read")
        .expect("exists");
    (user.failed_signins, user.locked_until)
}

fn state(failed_signins: u32, locked_until: Option<DateTime<Utc>>) -> Option<SigninFailures> {
    Some(SigninFailures {
        failed_signins,
        locked_until,
    })
}

async fn counters(store: Arc<dyn Store>) {
    let store = store.as_ref();
    add_user(store, "li").await;
    add_user(store, "wang").await;

    // Nine failures count up without a lock; the tenth locks from its own
    // `now` for 30 minutes.
    for n in 1..MAX {
        assert_eq!(fail(store, "li", at(i64::from(n))).await, state(n, None));
    }
    let locked_until = at(10) + lockout();
    assert_eq!(
        fail(store, "li", at(10)).await,
        state(10, Some(locked_until))
    );
    assert_eq!(stored(store, "li").await, (10, Some(locked_until)));
    // Another user's count is their own.
    assert_eq!(stored(store, "wang").await, (0, None));

    // A late failure is counted but neither clears nor moves the lock.
    assert_eq!(
        fail(store, "li", at(600)).await,
        state(11, Some(locked_until))
    );
    // A right password cannot clear a running lock, up to its last instant.
    assert!(!clear(store, "li", locked_until - Duration::microseconds(1)).await);
    assert_eq!(stored(store, "li").await, (11, Some(locked_until)));

    // Once run out, a failure starts a fresh count and drops the old lock.
    assert_eq!(fail(store, "li", locked_until).await, state(1, None));
    assert_eq!(stored(store, "li").await, (1, None));

    // A right password clears an unlocked count.
    assert!(clear(store, "li", locked_until).await);
    assert_eq!(stored(store, "li").await, (0, None));
    // And a run-out lock.
    for n in 1..=MAX {
        fail(store, "wang", at(i64::from(n))).await;
    }
    assert!(clear(store, "wang", at(10) + lockout()).await);
    assert_eq!(stored(store, "wang").await, (0, None));

    // Unknown users: nothing to count or clear.
    assert_eq!(fail(store, "mallory", at(1)).await, None);
    assert!(!clear(store, "mallory", at(1)).await);
}

#[sqlx::test(migrations = false)]
async fn sqlite_signin_counters(pool: sqlx::SqlitePool) {
    let store = SqliteStore::from_pool(pool, key())
        .await
        .expect("SQLite migrations apply");
    counters(Arc::new(store)).await;
}

#[sqlx::test(migrations = false)]
async fn postgres_signin_counters(pool: sqlx::PgPool) {
    let store = PgStore::from_pool(pool, key())
        .await
        .expect("PostgreSQL migrations apply");
    counters(Arc::new(store)).await;
}
