//! Mark, package and send in one go (`Processor::mark_package_send`, the
//! console's "send unfreeze" with the customer on the line), on both
//! databases: one transaction, so when its last write fails nothing of it
//! stays (no case left marked or packaged for an agent to find), and when
//! it succeeds the case is instructed with the three steps audited and the
//! customer's code queued.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use std::sync::Arc;

use carddesk_domain::{CaseState, FreezeReason};
use carddesk_processor::{Event, ProcessorError};
use carddesk_store::Store;
use common::*;

on_both_databases! {
    nothing_stays_when_the_send_fails =>
        sqlite_nothing_stays_when_the_send_fails, postgres_nothing_stays_when_the_send_fails;
}

/// A trigger that makes every outbox insert fail, as a full disk or a lost
/// connection would at the step's last write.
async fn break_the_outbox(db: &TestDb) {
    let sql = match db.raw {
        RawDb::Sqlite(_) => {
            "CREATE TRIGGER outbox_down BEFORE INSERT ON outbox \
             BEGIN SELECT RAISE(ABORT, 'outbox down'); END;"
        }
        RawDb::Postgres(_) => {
            "CREATE FUNCTION outbox_down() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'outbox down'; END $$; \
             CREATE TRIGGER outbox_down BEFORE INSERT ON outbox \
             FOR EACH ROW EXECUTE FUNCTION outbox_down();"
        }
    };
    db.raw.exec(sql).await.expect("install the failing trigger");
}

async fn mend_the_outbox(db: &TestDb) {
    let sql = match db.raw {
        RawDb::Sqlite(_) => "DROP TRIGGER outbox_down;",
        RawDb::Postgres(_) => "DROP TRIGGER outbox_down ON outbox;",
    };
    db.raw.exec(sql).await.expect("drop the failing trigger");
}

async fn nothing_stays_when_the_send_fails(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let person = desk
        .enrol(41, "en", &[frozen(FreezeReason::WrongPinLimit)])
        .await;
    let card = person.card(0);

    break_the_outbox(&db).await;
    let failed = p.mark_package_send(&alice, card, TEXT, CONSOLE).await;
    assert!(
        matches!(failed, Err(ProcessorError::Store(_))),
        "the outbox's failure fails the whole step: {failed:?}"
    );
    mend_the_outbox(&db).await;
    // No case was left open: the card can be marked again, and the only
    // open case is the new one.
    assert!(p.local_outbox(100).await.expect("outbox").is_empty());
    let mut events = p.events().subscribe();
    let case = p
        .mark_package_send(&alice, card, TEXT, CONSOLE)
        .await
        .expect("the card has no case left over, so it is marked again");
    assert_eq!(case.state, CaseState::Instructed);
    assert_eq!(
        desk.actions(case.id).await,
        ["case.marked", "case.packaged", "case.instructed"],
        "the three steps audited, nothing of the failed attempt"
    );
    let code = desk.code_for(case.id).await;
    let session = p.request_unfreeze(&code, PHONE).await.expect("code works");
    assert_eq!(session.case_id, case.id);
    // The agent who sent it may hear its instruction's event.
    let sent = drain(&mut events).await;
    assert!(
        sent.iter().any(
            |e| matches!(e, Event::InstructionQueued { case_id, .. } if *case_id == case.id)
                && e.audible_to(&alice)
        ),
        "the instruction's event reaches its sender: {sent:?}"
    );
}
