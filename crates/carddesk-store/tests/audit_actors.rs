//! `AuditTx::audit_actors` on both databases: who did what to one object, with
//! one outcome, once per pair, including what the same transaction wrote.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

use std::sync::Arc;

use carddesk_store::{AuditKey, NewAuditEntry, Outcome, PgStore, SqliteStore, Store};
use chrono::{DateTime, Utc};

fn key() -> AuditKey {
    AuditKey::new(*b"carddesk audit actors tests key.")
}

#[sqlx::test(migrations = false)]
async fn sqlite_audit_actors(pool: sqlx::SqlitePool) {
    let store = SqliteStore::from_pool(pool, key()).await.expect("migrate");
    audit_actors(Arc::new(store)).await;
}

#[sqlx::test(migrations = false)]
async fn postgres_audit_actors(pool: sqlx::PgPool) {
    let store = PgStore::from_pool(pool, key()).await.expect("migrate");
    audit_actors(Arc::new(store)).await;
}

fn at(n: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(1_750_000_000_000_000 + n).expect("in range")
}

fn entry(n: i64, object: &str, action: &str, actor: &str, outcome: Outcome) -> NewAuditEntry {
    NewAuditEntry {
        at: at(n),
        actor: actor.to_owned(),
        action: action.to_owned(),
        object: object.to_owned(),
        origin: "console".to_owned(),
        outcome,
        detail: format!("step {n}"),
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(action, actor)| ((*action).to_owned(), (*actor).to_owned()))
        .collect()
}

async fn audit_actors(store: Arc<dyn Store>) {
    let committed = [
        entry(1, "case:1", "case.packaged", "agent:li", Outcome::Success),
        entry(
            2,
            "case:1",
            "case.instructed",
            "supervisor:sam",
            Outcome::Success,
        ),
        entry(
            3,
            "case:1",
            "case.instructed",
            "supervisor:sam",
            Outcome::Success,
        ),
        entry(
            4,
            "case:1",
            "case.approve",
            "supervisor:sam",
            Outcome::Refused,
        ),
        entry(5, "case:10", "case.packaged", "agent:wu", Outcome::Success),
        entry(6, "case:2", "case.packaged", "agent:wu", Outcome::Success),
    ];
    let mut tx = store.begin().await.expect("begin");
    for e in &committed {
        tx.append_audit(e).await.expect("append");
    }
    tx.commit().await.expect("commit");

    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.audit_actors("case:1", Outcome::Success)
            .await
            .expect("read"),
        pairs(&[
            ("case.instructed", "supervisor:sam"),
            ("case.packaged", "agent:li"),
        ]),
        "distinct, ordered, only this object (not case:10) and outcome"
    );
    assert_eq!(
        tx.audit_actors("case:1", Outcome::Refused)
            .await
            .expect("read"),
        pairs(&[("case.approve", "supervisor:sam")])
    );
    assert!(
        tx.audit_actors("case:3", Outcome::Success)
            .await
            .expect("read")
            .is_empty()
    );
    // What this transaction wrote counts too.
    tx.append_audit(&entry(
        7,
        "case:1",
        "case.reinstructed",
        "agent:li",
        Outcome::Success,
    ))
    .await
    .expect("append");
    assert_eq!(
        tx.audit_actors("case:1", Outcome::Success)
            .await
            .expect("read"),
        pairs(&[
            ("case.instructed", "supervisor:sam"),
            ("case.packaged", "agent:li"),
            ("case.reinstructed", "agent:li"),
        ])
    );
}
