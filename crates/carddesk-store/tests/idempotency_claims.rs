//! Idempotency keys claimed before the call runs, on both databases: of
//! many claims of one key at once exactly one wins; the rest see the claim
//! running, then the stored answer; an abandoned claim or an expired
//! answer is taken over; a released claim can be claimed again; and an
//! answer is stored only by the request that holds the claim.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod racing;

use std::sync::Arc;

use carddesk_store::{AuditKey, ClaimTimes, IdempotencyClaim, IdempotentResponse, Store};
use chrono::{DateTime, Duration, Utc};

const RACERS: usize = 24;

fn key() -> AuditKey {
    AuditKey::new(*b"carddesk idempotency claims key.")
}

/// A fixed instant with microseconds, plus `s` seconds.
fn at(s: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-03-03T09:30:00.123456Z")
        .expect("valid time")
        .with_timezone(&Utc)
        + Duration::seconds(s)
}

/// Claims at `now`: claims older than 2 minutes are abandoned, answers
/// older than a day expired.
fn times(now: DateTime<Utc>) -> ClaimTimes {
    ClaimTimes {
        now,
        abandoned_before: now - Duration::minutes(2),
        expired_before: now - Duration::hours(24),
    }
}

fn answer(digest: &[u8], status: u16, now: DateTime<Utc>) -> IdempotentResponse {
    IdempotentResponse {
        request_digest: digest.to_vec(),
        status,
        response_sealed: vec![0, 0xff, status as u8],
        created_at: now,
    }
}

async fn claims(store: Arc<dyn Store>) {
    let digest = b"digest \0 \xff one".to_vec();
    let racing: Vec<_> = (0..RACERS)
        .map(|_| {
            let store = store.clone();
            let digest = digest.clone();
            tokio::spawn(async move {
                store
                    .claim_idempotency_key("token:a", "k1", &digest, times(at(0)))
                    .await
                    .expect("claim")
            })
        })
        .collect();
    let mut won = 0;
    for claim in futures::future::join_all(racing).await {
        match claim.expect("task ran") {
            IdempotencyClaim::Claimed => won += 1,
            IdempotencyClaim::Running { request_digest } => assert_eq!(request_digest, digest),
            IdempotencyClaim::Done(done) => panic!("nothing finished yet: {done:?}"),
        }
    }
    assert_eq!(won, 1, "exactly one claim wins");

    // Another caller's key of the same name is theirs.
    assert_eq!(
        store
            .claim_idempotency_key("token:b", "k1", &digest, times(at(1)))
            .await
            .expect("claim"),
        IdempotencyClaim::Claimed
    );

    // Only the claim's own request stores the answer.
    let finished = store
        .finish_idempotency_key("token:a", "k1", &answer(b"another request", 200, at(2)))
        .await
        .expect("finish");
    assert!(!finished, "another request's answer is not stored");
    let stored = answer(&digest, 201, at(2));
    assert!(
        store
            .finish_idempotency_key("token:a", "k1", &stored)
            .await
            .expect("finish")
    );
    assert_eq!(
        store
            .claim_idempotency_key("token:a", "k1", &digest, times(at(3)))
            .await
            .expect("claim"),
        IdempotencyClaim::Done(stored.clone())
    );
    // A finished key is not released by a late release.
    store
        .release_idempotency_key("token:a", "k1", &digest)
        .await
        .expect("release");
    assert_eq!(
        store
            .claim_idempotency_key("token:a", "k1", &digest, times(at(4)))
            .await
            .expect("claim"),
        IdempotencyClaim::Done(stored)
    );
    // A day on, the answer has expired and the key is new again.
    assert_eq!(
        store
            .claim_idempotency_key("token:a", "k1", &digest, times(at(2) + Duration::hours(25)))
            .await
            .expect("claim"),
        IdempotencyClaim::Claimed
    );

    // A released claim is claimable again; an abandoned one is taken over.
    assert_eq!(
        store
            .claim_idempotency_key("token:a", "k2", &digest, times(at(10)))
            .await
            .expect("claim"),
        IdempotencyClaim::Claimed
    );
    store
        .release_idempotency_key("token:a", "k2", &digest)
        .await
        .expect("release");
    assert_eq!(
        store
            .claim_idempotency_key("token:a", "k2", &digest, times(at(11)))
            .await
            .expect("claim"),
        IdempotencyClaim::Claimed
    );
    assert!(matches!(
        store
            .claim_idempotency_key("token:a", "k2", &digest, times(at(11 + 119)))
            .await
            .expect("claim"),
        IdempotencyClaim::Running { .. }
    ));
    assert_eq!(
        store
            .claim_idempotency_key("token:a", "k2", &digest, times(at(11 + 121)))
            .await
            .expect("claim"),
        IdempotencyClaim::Claimed,
        "a claim two minutes old was abandoned"
    );
}

#[test]
fn sqlite_claims() {
    racing::on_sqlite_file(key(), claims);
}

#[sqlx::test(migrations = false)]
async fn postgres_claims(pool: sqlx::PgPool) {
    racing::on_postgres(&pool, key(), claims);
}
