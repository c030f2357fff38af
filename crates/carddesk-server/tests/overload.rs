//! Overload (issue 7, finding 6), over HTTP on PostgreSQL: a flood of
//! staff sign-ins cannot take the hashing threads customers verify on (the
//! customers' p99 under the flood is held within a small multiple of their
//! p99 without it, measured in the same run), a sign-in queue past its
//! bound is refused at once; and the server's limits on work (request
//! time, requests at once, event streams) refuse with `503` in the common
//! shape and `Retry-After`, while the health probes stay outside them; a
//! keyed call cut by the time limit keeps its key claimed.

mod common;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use carddesk_domain::{FreezeReason, Role};
use carddesk_server::overload::Limits;
use common::{Person, TestApp, frozen};
use serde_json::json;

/// Customers, each verifying once before the flood and once during it.
const CUSTOMERS: u32 = 24;
/// Sign-ins kept in flight by the flood: the staff line's length, so the
/// staff thread never rests and none of the flood is refused.
const FLOOD: usize = carddesk_processor::hashing::STAFF_QUEUE;

/// Runs `scenario` over a fresh pool to the test's database on a
/// multi-thread runtime of its own (`#[sqlx::test]`'s is current-thread).
fn on_postgres<F, Fut>(pool: sqlx::PgPool, limits: Limits, scenario: F)
where
    F: FnOnce(Arc<TestApp>) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    let options = (*pool.connect_options()).clone();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async move {
                let pool = carddesk_store::PgStore::pool_options()
                    .max_connections(16)
                    .connect_with(options)
                    .await
                    .expect("connect");
                let (store, keys, raw) = common::postgres(pool.clone()).await;
                let app = Arc::new(common::spawn_app_with(store, keys, raw, limits).await);
                scenario(app.clone()).await;
                app.stop().await;
                pool.close().await;
            });
    })
    .join()
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

fn p99(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let rank = (samples.len() * 99).div_ceil(100).max(1);
    samples[rank - 1]
}

/// Each customer's wrong upload, two at a time, timed.
async fn verify_all(app: &TestApp, customers: &[(Person, String)]) -> Vec<Duration> {
    let mut samples = Vec::new();
    for pair in customers.chunks(2) {
        let timed = pair.iter().map(|(person, session)| async move {
            let started = Instant::now();
            app.post(
                "/api/customer/verification",
                Some(session),
                &person.wrong_password(),
            )
            .await
            .error(401, "verification_failed");
            started.elapsed()
        });
        samples.extend(futures::future::join_all(timed).await);
    }
    samples
}

async fn sign_in_flood(app: Arc<TestApp>) {
    let agent = app.staff("alice", Role::Agent).await;
    let mut customers = Vec::new();
    for seed in 0..CUSTOMERS {
        let person = app
            .enrol(500 + seed, &[frozen(FreezeReason::WrongPinLimit)])
            .await;
        let (_, session) = app.challenged(&agent, person.card(0)).await;
        customers.push((person, session));
    }
    let quiet = p99(verify_all(&app, &customers).await);

    let flooding = Arc::new(AtomicBool::new(true));
    let flood: Vec<_> = (0..FLOOD)
        .map(|i| {
            let app = app.clone();
            let flooding = flooding.clone();
            tokio::spawn(async move {
                let mut refused = 0;
                while flooding.load(Ordering::SeqCst) {
                    let answer = app
                        .post(
                            "/api/agent/sign-in",
                            None,
                            &json!({ "username": format!("nobody{i}"), "password": "wrong password!" }),
                        )
                        .await;
                    match answer.status {
                        401 => {}
                        503 => refused += 1,
                        other => panic!("a sign-in in the flood answered {other}"),
                    }
                }
                refused
            })
        })
        .collect();
    // Let the flood fill the staff line first.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let flooded = p99(verify_all(&app, &customers).await);
    flooding.store(false, Ordering::SeqCst);
    let mut refused = 0;
    for task in flood {
        refused += task.await.expect("flood task");
    }
    eprintln!("customers' p99: {quiet:?} quiet, {flooded:?} under {FLOOD} sign-ins in flight");
    assert_eq!(
        refused, 0,
        "a flood as long as the line is queued, not refused"
    );
    // One staff thread beside the customers' ones: on two cores a
    // customer's check runs at about two thirds of its speed, not behind
    // the whole queue of sign-ins (which took over 10x before the budgets
    // were split).
    assert!(
        flooded <= quiet * 4,
        "customers' p99 went from {quiet:?} to {flooded:?} under the flood"
    );

    // A burst past the line's length: the overflow is refused at once.
    let burst = (0..FLOOD * 3).map(|i| {
        let app = app.clone();
        async move {
            app.post(
                "/api/agent/sign-in",
                None,
                &json!({ "username": format!("burst{i}"), "password": "wrong password!" }),
            )
            .await
        }
    });
    let answers = futures::future::join_all(burst).await;
    let busy: Vec<_> = answers.iter().filter(|a| a.status == 503).collect();
    assert!(!busy.is_empty(), "some of the burst is refused");
    for answer in &busy {
        answer.error(503, "unavailable");
    }
    assert!(
        answers.iter().all(|a| a.status == 401 || a.status == 503),
        "every other one is an ordinary failure"
    );
}

#[sqlx::test(migrations = false)]
async fn postgres_sign_in_flood_leaves_customers_their_threads(pool: sqlx::PgPool) {
    on_postgres(pool, Limits::default(), sign_in_flood);
}

/// A request past its time: `503` with `Retry-After`; the health probes
/// answer under the same limits.
async fn slow_requests_time_out(app: Arc<TestApp>) {
    app.add_staff("alice", Role::Agent).await;
    let answer = app
        .post(
            "/api/agent/sign-in",
            None,
            &json!({ "username": "alice", "password": common::STAFF_PASSWORD }),
        )
        .await;
    answer.error(503, "unavailable");
    assert_eq!(
        answer.headers.get("retry-after").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    assert_eq!(app.get("/health/ready", None).await.status, 200);
    assert_eq!(app.get("/health/live", None).await.status, 200);
}

#[sqlx::test(migrations = false)]
async fn postgres_slow_requests_time_out(pool: sqlx::PgPool) {
    let limits = Limits {
        request_timeout: Duration::from_millis(1),
        ..Limits::default()
    };
    on_postgres(pool, limits, slow_requests_time_out);
}

/// A keyed call cut by the time limit keeps its idempotency claim: its
/// work may have committed just before the cut, so the retry with the same
/// key is told to wait (`409 conflict`), not run a second time.
async fn a_timed_out_call_keeps_its_key(app: Arc<TestApp>) {
    app.add_staff("alice", Role::Agent).await;
    let body = json!({ "username": "alice", "password": common::STAFF_PASSWORD });
    let key = "sign-in-cut-by-the-time-limit";
    app.post_keyed("/api/agent/sign-in", None, key, &body)
        .await
        .error(503, "unavailable");
    app.post_keyed("/api/agent/sign-in", None, key, &body)
        .await
        .error(409, "conflict");
}

#[sqlx::test(migrations = false)]
async fn postgres_a_timed_out_call_keeps_its_key(pool: sqlx::PgPool) {
    let limits = Limits {
        request_timeout: Duration::from_millis(1),
        ..Limits::default()
    };
    on_postgres(pool, limits, a_timed_out_call_keeps_its_key);
}

/// More requests at once than the limit: the rest are refused at once.
async fn requests_past_the_limit_are_refused(app: Arc<TestApp>) {
    app.add_staff("alice", Role::Agent).await;
    let many = (0..12).map(|_| {
        let app = app.clone();
        async move {
            app.post(
                "/api/agent/sign-in",
                None,
                &json!({ "username": "alice", "password": "not the password" }),
            )
            .await
        }
    });
    let answers = futures::future::join_all(many).await;
    let refused = answers.iter().filter(|a| a.status == 503).count();
    assert!(refused > 0, "the limit refused some");
    assert!(answers.iter().any(|a| a.status == 401), "and let some run");
    for answer in answers.iter().filter(|a| a.status == 503) {
        answer.error(503, "unavailable");
    }
}

#[sqlx::test(migrations = false)]
async fn postgres_requests_past_the_limit_are_refused(pool: sqlx::PgPool) {
    let limits = Limits {
        concurrent_requests: 2,
        ..Limits::default()
    };
    on_postgres(pool, limits, requests_past_the_limit_are_refused);
}

/// Event streams past the cap are refused; one ending makes room.
async fn event_streams_are_capped(app: Arc<TestApp>) {
    let alice = app.staff("alice", Role::Agent).await;
    let bob = app.staff("bob", Role::Agent).await;
    let open = |token: String| {
        let app = app.clone();
        async move {
            app.client
                .get(app.url("/api/agent/events"))
                .bearer_auth(token)
                .send()
                .await
                .expect("connect")
        }
    };
    let first = open(alice.clone()).await;
    assert_eq!(first.status(), 200);
    let second = open(bob.clone()).await;
    assert_eq!(second.status(), 503);
    assert_eq!(
        second.json::<serde_json::Value>().await.expect("json")["code"],
        "unavailable"
    );
    // Alice signs out: her stream ends, and its place is free.
    app.post_empty("/api/agent/sign-out", Some(&alice))
        .await
        .ok();
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let again = open(bob.clone()).await;
        if again.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the place is never freed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test(migrations = false)]
async fn postgres_event_streams_are_capped(pool: sqlx::PgPool) {
    let limits = Limits {
        event_streams: 1,
        ..Limits::default()
    };
    on_postgres(pool, limits, event_streams_are_capped);
}
