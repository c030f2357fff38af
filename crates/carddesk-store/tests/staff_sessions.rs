//! `use_staff_session` on both databases: one statement that refuses a
//! session signed out, past its lifetime or idle since the cutoff, and
//! otherwise moves its last use on (never back) and returns it; reading a
//! session with `staff_session` is not a use.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

use std::sync::Arc;

use carddesk_domain::{Role, StaffMember};
use carddesk_store::{AuditKey, PgStore, SqliteStore, StaffRecord, StaffSessionRecord, Store};
use chrono::{DateTime, Duration, Utc};

const IDLE_MIN: i64 = 15;

fn key() -> AuditKey {
    AuditKey::new(*b"carddesk staff session test key.")
}

/// A fixed instant with microseconds, plus `m` minutes.
fn at(m: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-03-03T09:30:00.123456Z")
        .expect("valid time")
        .with_timezone(&Utc)
        + Duration::minutes(m)
}

async fn setup(store: &dyn Store, digests: &[&[u8]]) {
    let mut tx = store.begin().await.expect("begin");
    tx.insert_staff_user(
        &StaffRecord {
            member: StaffMember {
                username: "li".to_owned(),
                role: Role::Supervisor,
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
    for digest in digests {
        tx.insert_staff_session(digest, "li", at(0), at(12 * 60))
            .await
            .expect("insert session");
    }
    tx.commit().await.expect("commit");
}

/// A use at `now` minute, with the 15-minute idle cutoff.
async fn use_at(store: &dyn Store, digest: &[u8], now: i64) -> Option<StaffSessionRecord> {
    store
        .use_staff_session(digest, at(now), at(now - IDLE_MIN))
        .await
        .expect("use session")
}

async fn last_used(store: &dyn Store, digest: &[u8]) -> DateTime<Utc> {
    store
        .staff_session(digest)
        .await
        .expect("read")
        .expect("exists")
        .last_used_at
}

async fn sessions(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let (idle, busy, late, revoked) = (&b"idle"[..], &b"busy"[..], &b"late"[..], &b"gone"[..]);
    setup(store, &[idle, busy, late, revoked]).await;
    assert_eq!(last_used(store, idle).await, at(0), "new: used at sign-in");

    // Idle for exactly 15 minutes: refused, and left as it was.
    assert_eq!(use_at(store, idle, IDLE_MIN).await, None);
    assert_eq!(last_used(store, idle).await, at(0));

    // Used at 14 minutes: returned as left, with the member's role.
    let used = use_at(store, busy, 14).await.expect("live at 14 min");
    assert_eq!(used.member.username, "li");
    assert_eq!(used.member.role, Role::Supervisor);
    assert_eq!(used.expires_at, at(12 * 60));
    assert_eq!(used.revoked_at, None);
    assert_eq!(used.last_used_at, at(14));
    // Reading is not a use.
    assert_eq!(last_used(store, busy).await, at(14));
    // Still live 14 minutes after that use, not 15.
    assert!(use_at(store, busy, 28).await.is_some());
    // A use stamped earlier (a clock a little behind) does not rewind it.
    let behind = use_at(store, busy, 27).await.expect("live");
    assert_eq!(behind.last_used_at, at(28));
    assert_eq!(use_at(store, busy, 43).await, None, "idle 15 min");

    // Used every 10 minutes, it still ends with its lifetime.
    for m in (10..12 * 60).step_by(10) {
        assert!(use_at(store, late, m).await.is_some(), "live at {m} min");
    }
    assert_eq!(
        use_at(store, late, 12 * 60).await,
        None,
        "past its lifetime"
    );

    // Signed out: refused at once.
    let mut tx = store.begin().await.expect("begin");
    tx.revoke_staff_session(revoked, at(1))
        .await
        .expect("revoke");
    tx.commit().await.expect("commit");
    assert_eq!(use_at(store, revoked, 2).await, None);

    // Unknown token.
    assert_eq!(use_at(store, b"nobody", 1).await, None);
}

#[sqlx::test(migrations = false)]
async fn sqlite_session_use(pool: sqlx::SqlitePool) {
    let store = SqliteStore::from_pool(pool, key())
        .await
        .expect("SQLite migrations apply");
    sessions(Arc::new(store)).await;
}

#[sqlx::test(migrations = false)]
async fn postgres_session_use(pool: sqlx::PgPool) {
    let store = PgStore::from_pool(pool, key())
        .await
        .expect("PostgreSQL migrations apply");
    sessions(Arc::new(store)).await;
}
