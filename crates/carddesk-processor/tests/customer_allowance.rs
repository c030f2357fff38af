//! The customer's allowance of failed credential checks (five a day over
//! all their cases) under uploads that race each other across cases
//! (issue 7, finding 4): each case locks only its own row and card, so
//! without a lock on the customer two cases read the same count and both
//! record a failure past the limit. Run on the SQLite file the console
//! opens and on PostgreSQL, each on threads of its own.

mod common;

use std::sync::Arc;

use carddesk_domain::case::CaseState;
use carddesk_domain::{CardStatusKind, FreezeReason};
use carddesk_processor::{ProcessorConfig, ProcessorError};
use carddesk_store::Store;
use chrono::Duration;
use common::*;

/// More cases than the allowance has failures.
const CASES: usize = 8;

async fn failures_counted(desk: &Desk, person: &Person) -> u32 {
    let mut tx = desk.store.begin().await.expect("begin");
    let n = tx
        .lock_customer_failures(person.id, start() - Duration::days(1))
        .await
        .expect("count");
    drop(tx); // Rolled back: it only read.
    n
}

/// Gives the person's cards a password hash with Argon2id's smallest
/// cost: the production cost spaces the uploads' decisions out by the
/// hashing pool's turns, so they would rarely meet where the race is.
async fn cheap_password_hash(db: &TestDb, person: &Person) {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let params = argon2::Params::new(8, 1, 1, None).expect("params");
    let argon2 = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let hash = argon2
        .hash_password(
            person.password.as_bytes(),
            &SaltString::generate(&mut OsRng),
        )
        .expect("hash")
        .to_string();
    let updated = db
        .raw
        .exec(&format!(
            "UPDATE cards SET password_hash = '{hash}' WHERE customer_id = {}",
            person.id.0
        ))
        .await
        .expect("update");
    assert_eq!(updated, CASES as u64);
}

async fn racing_uploads_across_cases(store: Arc<dyn Store>, db: TestDb) {
    let allowance = ProcessorConfig::default().limits.failures_per_customer;
    assert!(
        (CASES as u32) > allowance,
        "the race must overrun the limit"
    );
    let desk = Desk::new(store, &db).await;
    let alice = agent("alice");
    let statuses = vec![frozen(FreezeReason::Dormant); CASES];
    let person = desk.enrol(41, "en", &statuses).await;
    cheap_password_hash(&db, &person).await;
    let mut sessions = Vec::new();
    for i in 0..CASES {
        sessions.push(desk.challenged(&alice, person.card(i)).await);
    }

    // A wrong password on every case at once.
    let wrong: Vec<_> = sessions
        .iter()
        .map(|(_, token)| {
            let p = desk.processor.clone();
            let token = token.clone();
            let upload = person.wrong_password();
            tokio::spawn(async move { p.verify(&token, upload, PHONE).await })
        })
        .collect();
    let mut retries = 0;
    let mut locked = 0;
    for result in futures::future::join_all(wrong).await {
        match result.expect("task ran") {
            Err(ProcessorError::VerificationFailed { .. }) => retries += 1,
            Err(ProcessorError::Locked) => locked += 1,
            other => panic!("a wrong password answered {other:?}"),
        }
    }
    assert_eq!(
        failures_counted(&desk, &person).await,
        allowance,
        "exactly the allowance is counted, however the uploads interleave"
    );
    assert_eq!(
        retries,
        allowance as usize - 1,
        "all but the last may retry"
    );
    assert_eq!(locked, CASES - retries);

    // Then the right credentials on every case at once: the allowance is
    // spent, so none of them unfreezes a card.
    let right: Vec<_> = sessions
        .iter()
        .map(|(_, token)| {
            let p = desk.processor.clone();
            let token = token.clone();
            let upload = person.right();
            tokio::spawn(async move { p.verify(&token, upload, PHONE).await })
        })
        .collect();
    for result in futures::future::join_all(right).await {
        let e = result.expect("task ran").expect_err("allowance spent");
        // Locked now, or refused because the case already is.
        assert!(
            ["locked", "case_closed", "illegal_state"].contains(&e.code()),
            "{e:?}"
        );
    }
    for (i, (case, _)) in sessions.iter().enumerate() {
        let stored = desk.processor.case(*case).await.expect("case");
        assert_eq!(stored.state, CaseState::Locked, "case {i}");
        assert_eq!(
            desk.card_status(person.card(i)).await.kind(),
            CardStatusKind::Frozen,
            "card {i}"
        );
    }
    assert_eq!(failures_counted(&desk, &person).await, allowance);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_racing_uploads_across_cases() {
    let (store, db) = common::sqlite_file().await;
    racing_uploads_across_cases(store, db).await;
}

#[sqlx::test(migrations = false)]
async fn postgres_racing_uploads_across_cases(pool: sqlx::PgPool) {
    common::on_postgres(pool, racing_uploads_across_cases);
}
