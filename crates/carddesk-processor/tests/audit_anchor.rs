//! The audit chain's head anchored outside the database (issue 7, finding
//! 9), on both databases: a tail cut from the log still links up, so the
//! chain alone calls it intact; the latest signed checkpoint says it is
//! not. A checkpoint older than the head is no alarm, and a line nobody
//! holding the key signed is refused.

mod common;

use std::sync::Arc;

use carddesk_domain::{Actor, Role, StaffMember};
use carddesk_processor::{Processor, ProcessorConfig};
use carddesk_store::{ChainReport, Store};
use common::*;
use secrecy::SecretString;

async fn audited_step(p: &Processor, n: u32) {
    p.add_staff(
        &Actor::System,
        StaffMember {
            username: format!("agent{n}"),
            role: Role::Agent,
        },
        "Agent",
        &SecretString::from("a long enough password".to_owned()),
        "test",
    )
    .await
    .expect("add staff");
}

async fn head(store: &dyn Store) -> i64 {
    store
        .audit_entry(None)
        .await
        .expect("head")
        .expect("entries")
        .seq
}

async fn tail_cut_is_found(store: Arc<dyn Store>, db: TestDb) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let anchor = dir.path().join("audit-anchor.log");
    let desk = Desk::new(store.clone(), &db).await;
    let p = Processor::new(
        store.clone(),
        db.keys.clone(),
        ProcessorConfig {
            audit_anchor: Some(anchor.clone()),
            ..ProcessorConfig::default()
        },
        desk.clock.clone(),
    )
    .await
    .expect("processor");

    for n in 0..4 {
        audited_step(&p, n).await;
    }
    let first = head(store.as_ref()).await;
    assert_eq!(p.anchor_audit(&anchor).await.expect("anchor"), Some(first));
    // More entries after the checkpoint: still intact.
    audited_step(&p, 10).await;
    audited_step(&p, 11).await;
    let intact = p.verify_audit_chain().await.expect("verify");
    assert_eq!(
        intact,
        ChainReport::Intact {
            entries: u64::try_from(head(store.as_ref()).await).expect("positive")
        }
    );
    let second = head(store.as_ref()).await;
    assert_eq!(p.anchor_audit(&anchor).await.expect("anchor"), Some(second));
    let checkpoint = p.latest_checkpoint(&anchor).expect("read").expect("one");
    assert_eq!(checkpoint.seq, second);

    // Someone with the database's keys to the kingdom cuts the tail.
    db.raw.drop_audit_triggers().await;
    db.raw
        .exec(&format!("DELETE FROM audit_log WHERE seq > {first}"))
        .await
        .expect("cut the tail");
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact {
            entries: u64::try_from(first).expect("positive")
        },
        "the chain alone cannot see a cut tail"
    );
    assert_eq!(
        p.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: second },
        "the checkpoint can"
    );

    // A line written without the key is refused, not believed.
    let mut text = std::fs::read_to_string(&anchor).expect("read");
    text.push_str(&format!(
        "{first} 00 2025-03-03T09:30:00.000000Z {}\n",
        "ab".repeat(32)
    ));
    std::fs::write(&anchor, text).expect("forge");
    let refused = p
        .verify_audit_chain()
        .await
        .expect_err("a forged checkpoint");
    assert!(
        refused.to_string().contains("not a checkpoint"),
        "{refused}"
    );
}

on_both_databases! {
    tail_cut_is_found => sqlite_tail_cut_is_found, postgres_tail_cut_is_found;
}
