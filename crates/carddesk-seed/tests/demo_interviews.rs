//! The offline demo's waiting interviews: two first-card applicants whose
//! four uploads pass the content checks, so the console's queue has work.

use std::sync::Arc;

use carddesk_processor::{Keyring, ManualClock, Processor, ProcessorConfig};
use carddesk_store::SqliteStore;

#[sqlx::test(migrations = false)]
async fn two_interviews_wait_with_all_their_uploads(pool: sqlx::SqlitePool) {
    let keys = Arc::new(Keyring::generate());
    let store = Arc::new(
        SqliteStore::from_pool(pool, keys.audit_key())
            .await
            .expect("store"),
    );
    let media = tempfile::tempdir().expect("media directory");
    let mut config = ProcessorConfig::default();
    config.media.dir = media.path().to_owned();
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let processor = Processor::new(store, keys, config, clock)
        .await
        .expect("processor");
    let queued = carddesk_seed::interviews::queue_demo_interviews(&processor)
        .await
        .expect("queued");
    assert_eq!(queued, 2);
    let agent = carddesk_seed::demo_agent();
    let queue = processor
        .interview_queue(&agent, 10, "test")
        .await
        .expect("queue");
    let names: Vec<&str> = queue.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["Liu Yang", "Emma Clark"]);
    assert!(
        queue
            .iter()
            .all(|i| i.step == "queued" && i.media.len() == 4)
    );
}
