//! Tampering with the audit log: the triggers refuse it, and the hash
//! chain tells once they are dropped.

use super::*;

use std::sync::Arc;

use crate::common::*;
use carddesk_domain::FreezeReason;
use carddesk_store::{ChainReport, Store};

// ---------------------------------------------------------------------------
// 9. Tampering with the audit log
// ---------------------------------------------------------------------------

pub(crate) async fn audit_tampering_is_detected(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let person = desk
        .enrol(10, "en", &[frozen(FreezeReason::WrongPinLimit)])
        .await;
    let (_, session) = desk.challenged(&agent("alice"), person.card(0)).await;
    desk.processor
        .verify(&session, person.right(), PHONE)
        .await
        .expect("verify");
    assert_chain_intact(&desk).await;
    let entries = desk
        .store
        .audit_entries(None, 0, 1_000)
        .await
        .expect("audit");
    let target = entries
        .iter()
        .find(|r| r.entry.action == "case.verified")
        .expect("verified entry")
        .seq;
    assert!(target < entries.len() as i64, "not the last entry");
    let tamper = format!("UPDATE audit_log SET detail = 'nothing happened' WHERE seq = {target}");

    // The triggers keep the log append-only...
    assert!(db.raw.exec(&tamper).await.is_err());
    assert_chain_intact(&desk).await;
    // ...and once someone with database access drops them, the chain still
    // tells.
    db.raw.drop_audit_triggers().await;
    assert_eq!(db.raw.exec(&tamper).await.expect("tamper"), 1);
    assert_eq!(
        desk.processor.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: target }
    );
}
