//! Units of work, and SQLite as the console opens it (a WAL file) and
//! opening by URL.

use super::*;

pub(crate) async fn dropped_tx_leaves_nothing(store: &dyn Store) {
    let mut tx = store.begin().await.expect("begin");
    let customer = tx.insert_customer(&new_customer(1)).await.expect("insert");
    let card = tx
        .insert_card(&new_card(customer, 1, frozen(FreezeReason::Dormant, at(0))))
        .await
        .expect("insert");
    tx.save_policy(UnfreezePolicy::default().rules())
        .await
        .expect("policy");
    tx.append_audit(&audit_entry(1, "card:1"))
        .await
        .expect("audit");
    drop(tx);

    assert_eq!(store.counts().await.expect("counts"), (0, 0));
    assert_eq!(store.customer(customer).await.expect("read"), None);
    assert_eq!(store.card(card).await.expect("read"), None);
    assert_eq!(store.policy().await.expect("policy"), Vec::new());
    assert_eq!(all_audit(store).await, Vec::new());
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 0 }
    );

    // The next unit of work is not held up by the abandoned one, and the
    // audit chain starts at 1 as if it never happened.
    let (id, c) = add_customer(store, 1).await;
    assert_eq!(
        store.customer(id).await.expect("read"),
        Some(customer_of(id, &c))
    );
    assert_eq!(
        append(store, &[audit_entry(2, "customer:1")]).await,
        vec![1]
    );
}

pub(crate) async fn failed_tx_does_not_block_the_next(store: &dyn Store) {
    let (_, c) = add_customer(store, 1).await;
    for _ in 0..3 {
        let mut tx = store.begin().await.expect("begin");
        tx.append_audit(&audit_entry(1, "x")).await.expect("audit");
        let err = tx.insert_customer(&c).await.expect_err("duplicate");
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    }
    assert_eq!(store.counts().await.expect("counts"), (1, 0));
    assert_eq!(all_audit(store).await, Vec::new());
    add_customer(store, 2).await;
    assert_eq!(store.counts().await.expect("counts"), (2, 0));
}

/// A fresh directory under the system's temporary one, removed on drop.
#[derive(Debug)]
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(label: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "carddesk-store-{label}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }

    fn url(&self, file: &str) -> String {
        format!("sqlite://{}", self.0.join(file).display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_open_file_concurrent_appends() {
    let dir = TempDir::new("wal");
    let store = SqliteStore::open(&dir.url("carddesk.db"), test_key())
        .await
        .expect("open");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .expect("journal mode");
    assert_eq!(mode, "wal");
    let store: Arc<dyn Store> = Arc::new(store);
    concurrent_appends(store.clone()).await;

    // Reopening the file (migrations already applied) sees the same chain.
    let again = carddesk_store::open(&dir.url("carddesk.db"), test_key())
        .await
        .expect("reopen");
    assert_eq!(again.kind(), "sqlite");
    assert_eq!(
        again.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 100 }
    );
}

#[tokio::test]
async fn open_refuses_other_urls() {
    let err = carddesk_store::open("mysql://localhost/carddesk", test_key())
        .await
        .expect_err("not supported");
    assert!(matches!(err, StoreError::UnsupportedUrl), "{err:?}");
}
