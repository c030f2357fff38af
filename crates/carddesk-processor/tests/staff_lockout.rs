//! Staff lockout under parallel guessing (PCI DSS 8.3.4: ten failures lock
//! the user ID for 30 minutes), through the processor, on both databases.
//!
//! Every scenario is a race, so each runs on a multi-threaded runtime: on
//! SQLite over the WAL file and pool the console opens, on PostgreSQL over
//! a new pool to the database `#[sqlx::test]` made (its own runtime is
//! current-thread).
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use std::future::Future;
use std::sync::Arc;

use carddesk_domain::Actor;
use carddesk_processor::ProcessorError;
use carddesk_processor::staff::{LOCKOUT, MAX_FAILED_SIGNINS};
use carddesk_store::{AuditRecord, Outcome, Store};
use chrono::Duration;
use common::*;
use secrecy::SecretString;

const RIGHT: &str = "correct horse battery";
const WRONG: &str = "not the password!";

async fn add(desk: &Desk, username: &str) {
    desk.processor
        .add_staff(
            &Actor::System,
            agent(username),
            "Alice",
            &SecretString::from(RIGHT.to_owned()),
            CONSOLE,
        )
        .await
        .expect("add staff");
}

/// Signs in; `true` when a session was given. Every refusal must be the
/// same `Unauthenticated`, whatever the reason.
async fn sign_in(desk: &Desk, username: &str, password: &str) -> bool {
    let answer = desk
        .processor
        .sign_in(username, &SecretString::from(password.to_owned()), CONSOLE)
        .await;
    match answer {
        Ok(_) => true,
        Err(ProcessorError::Unauthenticated) => false,
        Err(other) => panic!("a sign-in refusal is always Unauthenticated: {other:?}"),
    }
}

/// Many sign-ins at once; their answers in the order given.
async fn at_once(desk: &Desk, username: &str, passwords: &[&str]) -> Vec<bool> {
    let tasks: Vec<_> = passwords
        .iter()
        .map(|password| {
            let (desk, username, password) =
                (desk.clone(), username.to_owned(), (*password).to_owned());
            tokio::spawn(async move { sign_in(&desk, &username, &password).await })
        })
        .collect();
    futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.expect("task ran"))
        .collect()
}

async fn stored(desk: &Desk, username: &str) -> (u32, Option<chrono::DateTime<chrono::Utc>>) {
    let user = desk
        .store
        .staff_user(username)
        .await
        .expect("read")
        .expect("exists");
    (user.failed_signins, user.locked_until)
}

async fn sign_ins(desk: &Desk, username: &str) -> Vec<AuditRecord> {
    let entries = desk
        .store
        .audit_entries(Some(&format!("staff:{username}")), 0, 10_000)
        .await
        .expect("audit");
    entries
        .into_iter()
        .filter(|e| e.entry.action == "staff.sign_in")
        .collect()
}

fn outcomes(entries: &[AuditRecord], outcome: Outcome) -> usize {
    entries
        .iter()
        .filter(|e| e.entry.outcome == outcome)
        .count()
}

/// Fifty wrong passwords at once are fifty failures; the ID locks for 30
/// minutes by the processor's clock, a late failure neither clears nor
/// shortens the lock, and the right password works only once it runs out.
async fn parallel_guesses_all_count(store: Arc<dyn Store>, db: TestDb) {
    const GUESSES: usize = 50;
    let desk = Desk::new(store, &db).await;
    add(&desk, "alice").await;

    let answers = at_once(&desk, "alice", &[WRONG; GUESSES]).await;
    assert!(answers.iter().all(|signed_in| !signed_in));
    let locked_until = start() + LOCKOUT;
    assert_eq!(
        stored(&desk, "alice").await,
        (50, Some(locked_until)),
        "every parallel failure is counted and the ID is locked"
    );
    let entries = sign_ins(&desk, "alice").await;
    assert_eq!(entries.len(), GUESSES, "one audit entry per attempt");
    assert_eq!(outcomes(&entries, Outcome::Failure), GUESSES);
    let locking: Vec<_> = entries
        .iter()
        .filter(|e| e.entry.detail.contains("locked for 30 min"))
        .collect();
    assert_eq!(locking.len(), 1, "exactly one failure set the lock");
    assert_eq!(
        locking[0].entry.detail,
        "wrong password; 10 failures, user ID locked for 30 min"
    );

    // A late failure, ten minutes in: counted, the lock unchanged.
    desk.advance(Duration::minutes(10));
    assert!(!sign_in(&desk, "alice", WRONG).await);
    assert_eq!(stored(&desk, "alice").await, (51, Some(locked_until)));

    // The right password, to the lock's last second: refused.
    desk.advance(LOCKOUT - Duration::minutes(10) - Duration::seconds(1));
    assert!(!sign_in(&desk, "alice", RIGHT).await);
    assert_eq!(stored(&desk, "alice").await, (51, Some(locked_until)));

    // Thirty minutes after the lock was set: signed in, count cleared.
    desk.advance(Duration::seconds(1));
    assert!(sign_in(&desk, "alice", RIGHT).await);
    assert_eq!(stored(&desk, "alice").await, (0, None));

    let entries = sign_ins(&desk, "alice").await;
    assert_eq!(entries.len(), GUESSES + 3, "one audit entry per attempt");
    assert_eq!(outcomes(&entries, Outcome::Failure), GUESSES + 1);
    assert_eq!(outcomes(&entries, Outcome::Refused), 1);
    assert_eq!(outcomes(&entries, Outcome::Success), 1);
    assert_eq!(
        entries.last().expect("entries").entry.outcome,
        Outcome::Success
    );
}

/// The right password sent among wrong ones, with the ID one failure short
/// of the lock: whatever order they land in, it never signs in after a
/// failure has locked the ID. The audit log, in chain order, is replayed to
/// check that, and it must agree with the stored count.
async fn right_password_racing_wrong_ones(store: Arc<dyn Store>, db: TestDb) {
    const ROUNDS: usize = 3;
    const WRONGS: usize = 20;
    let desk = Desk::new(store, &db).await;
    for round in 0..ROUNDS {
        let username = format!("agent{round}");
        add(&desk, &username).await;
        for _ in 1..MAX_FAILED_SIGNINS {
            assert!(!sign_in(&desk, &username, WRONG).await);
        }
        let mut passwords = vec![WRONG; WRONGS];
        // Behind some wrong ones in the queue for the hashing permits.
        passwords.insert(WRONGS / 2, RIGHT);
        let answers = at_once(&desk, &username, &passwords).await;
        let signed_in = answers.iter().filter(|s| **s).count();
        assert!(signed_in <= 1);

        let entries = sign_ins(&desk, &username).await;
        assert_eq!(entries.len(), 9 + WRONGS + 1, "one audit entry per attempt");
        let (mut failed, mut locked) = (0, false);
        for e in &entries {
            match e.entry.outcome {
                Outcome::Failure => {
                    failed += 1;
                    locked |= failed >= MAX_FAILED_SIGNINS;
                }
                Outcome::Success => {
                    assert!(!locked, "signed in after seq {} locked the ID", e.seq);
                    failed = 0;
                }
                Outcome::Refused => assert!(locked, "refused while not locked: {e:?}"),
            }
        }
        assert_eq!(outcomes(&entries, Outcome::Success), signed_in);
        let (count, lock) = stored(&desk, &username).await;
        assert_eq!(count, failed, "stored count agrees with the audit log");
        assert_eq!(lock.is_some(), locked);
    }
}

/// Runs a scenario on the console's SQLite file, on a multi-threaded
/// runtime.
async fn on_sqlite_file<F, Fut>(scenario: F)
where
    F: FnOnce(Arc<dyn Store>, TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    let (store, db) = common::sqlite_file().await;
    scenario(store, db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_parallel_guesses_all_count() {
    on_sqlite_file(parallel_guesses_all_count).await;
}

#[sqlx::test(migrations = false)]
async fn postgres_parallel_guesses_all_count(pool: sqlx::PgPool) {
    common::on_postgres(pool, parallel_guesses_all_count);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_right_password_racing_wrong_ones() {
    on_sqlite_file(right_password_racing_wrong_ones).await;
}

#[sqlx::test(migrations = false)]
async fn postgres_right_password_racing_wrong_ones(pool: sqlx::PgPool) {
    common::on_postgres(pool, right_password_racing_wrong_ones);
}
