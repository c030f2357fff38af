//! Staff session expiry through the processor, on both databases and the
//! processor's (manual) clock: 15 minutes unused ends a session (PCI DSS
//! 8.2.8), each use moves that on, the 12-hour lifetime holds however busy
//! the session; a sign-out ends the session's open event streams at once,
//! in this process and in another sharing the database, and watching
//! events is not a use. Parallel uses are all counted.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use carddesk_domain::{Actor, FreezeReason};
use carddesk_processor::desk::LocalDesk;
use carddesk_processor::staff::{IDLE_TIMEOUT, SESSION_LIFETIME};
use carddesk_processor::{Processor, ProcessorConfig, ProcessorError, Purpose};
use carddesk_store::{PgStore, Store};
use carddesk_wire::{Desk as _, DeskEvent, EventFilter, EventStream};
use chrono::Duration;
use common::*;
use futures::StreamExt;
use secrecy::{ExposeSecret, SecretString};

on_both_databases! {
    idle_sessions_stop_working => sqlite_idle_sessions_stop_working, postgres_idle_sessions_stop_working;
    the_lifetime_holds_however_busy => sqlite_the_lifetime_holds_however_busy, postgres_the_lifetime_holds_however_busy;
    sign_out_ends_open_streams_at_once => sqlite_sign_out_ends_open_streams_at_once, postgres_sign_out_ends_open_streams_at_once;
    watching_is_not_a_use => sqlite_watching_is_not_a_use, postgres_watching_is_not_a_use;
}

const PASSWORD_OF_STAFF: &str = "correct horse battery";

async fn add(desk: &Desk, username: &str) {
    desk.processor
        .add_staff(
            &Actor::System,
            agent(username),
            "Alice",
            &SecretString::from(PASSWORD_OF_STAFF.to_owned()),
            CONSOLE,
        )
        .await
        .expect("add staff");
}

async fn sign_in(desk: &Desk, username: &str) -> SecretString {
    desk.processor
        .sign_in(
            username,
            &SecretString::from(PASSWORD_OF_STAFF.to_owned()),
            CONSOLE,
        )
        .await
        .expect("sign in")
        .token
}

/// Whether the session works now (a use, when it does).
async fn works(desk: &Desk, token: &SecretString) -> bool {
    match desk.processor.authenticate(token).await {
        Ok(member) => {
            assert_eq!(member.username, "alice");
            true
        }
        Err(ProcessorError::Unauthenticated) => false,
        Err(other) => panic!("an ended session is Unauthenticated: {other:?}"),
    }
}

async fn idle_sessions_stop_working(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    add(&desk, "alice").await;
    let idle = sign_in(&desk, "alice").await;
    let busy = sign_in(&desk, "alice").await;

    desk.advance(Duration::minutes(14));
    assert!(works(&desk, &busy).await, "used at 14 min");
    desk.advance(Duration::minutes(1));
    assert!(!works(&desk, &idle).await, "unused for 15 min");
    // Refused for good: later calls do not bring it back.
    assert!(!works(&desk, &idle).await);
    // 14 minutes after its last use the busy one still works, and each use
    // moves its idle time on again.
    desk.advance(Duration::minutes(13));
    assert!(works(&desk, &busy).await, "14 min after its last use");
    desk.advance(IDLE_TIMEOUT - Duration::seconds(1));
    assert!(works(&desk, &busy).await, "a second short of idle");
    desk.advance(IDLE_TIMEOUT);
    assert!(!works(&desk, &busy).await, "unused for 15 min");
    // Sign-out of an idle session is refused as well.
    assert!(matches!(
        desk.processor.sign_out(&busy, CONSOLE).await,
        Err(ProcessorError::Unauthenticated)
    ));
}

async fn the_lifetime_holds_however_busy(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    add(&desk, "alice").await;
    let token = sign_in(&desk, "alice").await;
    let step = Duration::minutes(10);
    let mut since = Duration::zero();
    while since + step < SESSION_LIFETIME {
        desk.advance(step);
        since += step;
        assert!(works(&desk, &token).await, "used every 10 min, at {since}");
    }
    desk.advance(SESSION_LIFETIME - since);
    assert!(!works(&desk, &token).await, "12 hours after sign-in");
}

/// The next event, or `None` once the stream ended, within `wait`.
async fn next_within(stream: &mut EventStream, wait: StdDuration) -> Option<Option<DeskEvent>> {
    tokio::time::timeout(wait, stream.next()).await.ok()
}

async fn sign_out_ends_open_streams_at_once(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    add(&desk, "alice").await;
    let local = LocalDesk::new(desk.processor.clone());
    let leaving = sign_in(&desk, "alice").await;
    let staying = sign_in(&desk, "alice").await;
    let mut ending = local
        .events(&leaving, EventFilter::default())
        .await
        .expect("watch");
    let mut going_on = local
        .events(&staying, EventFilter::default())
        .await
        .expect("watch");

    local.sign_out(&leaving).await.expect("sign out");
    assert_eq!(
        next_within(&mut ending, StdDuration::from_secs(1)).await,
        Some(None),
        "the signed-out session's stream ends within a second"
    );
    assert!(!works(&desk, &leaving).await);

    // The same person's other session goes on hearing events.
    let person = desk.enrol(1, "en", &[frozen(FreezeReason::Dormant)]).await;
    let case = desk
        .processor
        .mark(&agent("alice"), person.card(0), CONSOLE)
        .await
        .expect("mark")
        .id;
    let heard = next_within(&mut going_on, StdDuration::from_secs(5))
        .await
        .expect("an event within 5 s")
        .expect("the other stream is open");
    assert_eq!(heard.case_id(), Some(case.0), "{heard:?}");
    assert!(works(&desk, &staying).await);
}

async fn watching_is_not_a_use(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    add(&desk, "alice").await;
    let local = LocalDesk::new(desk.processor.clone());
    let token = sign_in(&desk, "alice").await;
    let mut events = local
        .events(&token, EventFilter::default())
        .await
        .expect("watch");
    // Ten minutes unused, then one periodic check of the stream (every
    // 30 s), which must not count as a use...
    desk.advance(Duration::minutes(10));
    assert_eq!(
        next_within(&mut events, StdDuration::from_secs(31)).await,
        None,
        "the stream is open while the session holds"
    );
    // ...so 15 minutes after the watch began the session has idled out,
    desk.advance(Duration::minutes(5));
    assert!(!works(&desk, &token).await, "watching kept it alive");
    // and the next check ends the stream.
    assert_eq!(
        next_within(&mut events, StdDuration::from_secs(31)).await,
        Some(None),
        "an idle session's stream ends at the next check"
    );
}

/// Twenty uses at once, from four processors whose clocks are a second
/// apart, over one store: all succeed and the last use kept is the latest
/// (a read-then-write would let an earlier one overwrite it).
async fn parallel_uses_all_count(store: Arc<dyn Store>, db: TestDb) {
    let first = Desk::new(store.clone(), &db).await;
    add(&first, "alice").await;
    let token = sign_in(&first, "alice").await;
    let mut desks = vec![first];
    for _ in 1..4 {
        desks.push(Desk::new(store.clone(), &db).await);
    }
    for (i, desk) in desks.iter().enumerate() {
        desk.advance(Duration::minutes(10) + Duration::seconds(i64::try_from(i).expect("few")));
    }
    let tasks: Vec<_> = (0..20)
        .map(|n| {
            let (desk, token) = (desks[n % desks.len()].clone(), token.clone());
            tokio::spawn(async move { works(&desk, &token).await })
        })
        .collect();
    for answer in futures::future::join_all(tasks).await {
        assert!(answer.expect("task ran"), "every parallel use succeeds");
    }
    let digest = db
        .keys
        .digest(Purpose::StaffSession, token.expose_secret().as_bytes());
    let stored = store
        .staff_session(&digest)
        .await
        .expect("read")
        .expect("exists");
    let latest = start() + Duration::minutes(10) + Duration::seconds(3);
    assert_eq!(
        stored.last_used_at, latest,
        "the latest use is the one kept"
    );
    // Idle 15 minutes from that latest use, by the earliest clock too.
    desks[0].advance(IDLE_TIMEOUT + Duration::seconds(2));
    assert!(works(&desks[0], &token).await, "a second short of idle");
    desks[0].advance(Duration::seconds(1) + IDLE_TIMEOUT);
    assert!(!works(&desks[0], &token).await);
}

/// Runs a race on the console's SQLite file, on a multi-threaded runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_parallel_uses_all_count() {
    let (store, db) = common::sqlite_file().await;
    parallel_uses_all_count(store, db).await;
}

/// Runs the race on a multi-threaded runtime of its own, over a new pool
/// to the database `#[sqlx::test]` made (its own runtime is
/// current-thread).
#[sqlx::test(migrations = false)]
async fn postgres_parallel_uses_all_count(pool: sqlx::PgPool) {
    common::on_postgres(pool, parallel_uses_all_count);
}

/// A sign-out through one server is heard at once by another over the same
/// PostgreSQL database: the session it had confirmed a moment ago stops
/// working there and its stream there ends. Both clocks stand still, so
/// neither the memo's recheck nor the stream's periodic check can be what
/// ended them.
#[sqlx::test(migrations = false)]
async fn postgres_a_sign_out_elsewhere_is_heard_at_once(pool: sqlx::PgPool) {
    let options = (*pool.connect_options()).clone();
    let (store, db) = common::postgres(pool).await;
    let here = Desk::new(store, &db).await;
    let other_pool = PgStore::pool_options()
        .max_connections(4)
        .connect_with(options)
        .await
        .expect("connect");
    let other_store = PgStore::from_pool(other_pool, db.keys.audit_key())
        .await
        .expect("the other server's store");
    let there = Processor::new(
        Arc::new(other_store),
        db.keys.clone(),
        ProcessorConfig::default(),
        here.clock.clone(),
    )
    .await
    .expect("the other server's processor");
    add(&here, "alice").await;
    let token = sign_in(&here, "alice").await;
    let mut watching_there = LocalDesk::new(there.clone())
        .events(&token, EventFilter::default())
        .await
        .expect("watch there");
    assert_eq!(
        there
            .authenticate(&token)
            .await
            .expect("works there")
            .username,
        "alice"
    );

    here.processor
        .sign_out(&token, CONSOLE)
        .await
        .expect("sign out here");
    assert_eq!(
        next_within(&mut watching_there, StdDuration::from_secs(5)).await,
        Some(None),
        "the stream on the other server ends at once"
    );
    // The memo there was told before the stream.
    assert!(
        matches!(
            there.authenticate(&token).await,
            Err(ProcessorError::Unauthenticated)
        ),
        "the other server still believed the session"
    );
    assert!(!works(&here, &token).await);
}
