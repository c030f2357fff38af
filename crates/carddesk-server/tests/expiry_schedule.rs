//! The server's expiry schedule, on both databases: an instructed case
//! whose code outlived its lifetime is expired by the background task with
//! no request touching it (a live one is left alone), and the task ends
//! when told to stop, as the server tells it on shutdown.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use std::time::Duration as StdDuration;

use carddesk_domain::{CaseState, FreezeReason, Role};
use chrono::Duration;
use common::{TestApp, frozen};

on_both_databases! {
    expires_untouched_cases => sqlite_expires_untouched_cases, postgres_expires_untouched_cases;
}

/// How often the test's schedule runs: far below the server's minute.
const TICK: StdDuration = StdDuration::from_millis(50);

async fn expires_untouched_cases(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app
        .enrol(
            61,
            &[
                frozen(FreezeReason::WrongPinLimit),
                frozen(FreezeReason::Dormant),
            ],
        )
        .await;
    let (old, _) = app.instructed(&agent, person.card(0)).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let schedule = tokio::spawn(carddesk_server::expiry::run(
        app.processor.clone(),
        TICK,
        stopped,
    ));

    // Ten minutes on, the first code is still live: several rounds leave it.
    app.advance(Duration::minutes(10));
    let (young, _) = app.instructed(&agent, person.card(1)).await;
    tokio::time::sleep(TICK * 6).await;
    assert_eq!(app.case(old).await.case.state, CaseState::Instructed);

    // Past the first code's fifteen minutes, not the second's.
    app.advance(Duration::minutes(6));
    let audit_before = app.audit_head().await;
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(10);
    while app.case(old).await.case.state != CaseState::Expired {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the schedule did not expire the case"
        );
        tokio::time::sleep(TICK).await;
    }
    assert_eq!(app.case(young).await.case.state, CaseState::Instructed);
    let expired: Vec<_> = app
        .audit_after(audit_before)
        .await
        .into_iter()
        .filter(|(_, action, _, _)| action == "case.expired")
        .collect();
    assert_eq!(
        expired,
        [(
            "system".to_owned(),
            "case.expired".to_owned(),
            format!("case:{old}"),
            "success".to_owned()
        )]
    );

    stop.send(true).expect("the schedule listens");
    tokio::time::timeout(StdDuration::from_secs(5), schedule)
        .await
        .expect("the schedule stops when told")
        .expect("the schedule's task ends cleanly");
    // Stopped, it expires nothing more.
    app.advance(Duration::minutes(10));
    tokio::time::sleep(TICK * 4).await;
    assert_eq!(app.case(young).await.case.state, CaseState::Instructed);
}
