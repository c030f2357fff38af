//! The master key and the database it seals (issue 7, finding 9), on the
//! SQLite file and on PostgreSQL: a fresh database gets a new key file,
//! owner-only; the same key opens it again; a missing key file for a
//! database that holds secrets is a refusal to start (and no new key file
//! is left behind), as is another key, or a key file others may read.

mod common;

use std::path::Path;

use carddesk_domain::CardStatus;
use carddesk_processor::keyfile::open_store;
use carddesk_processor::{Keyring, ProcessorError};

fn refusal(result: Result<impl Sized, ProcessorError>) -> String {
    match result {
        Ok(_) => panic!("expected a refusal to start"),
        Err(e) => e.to_string(),
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

async fn key_and_database(url: String, raw: impl AsyncFn(&str)) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let key = dir.path().join("keys").join("master.key");

    // A fresh database: a new key, written owner-only, and recorded.
    let (keys, store) = open_store(&key, &url).await.expect("first start");
    assert!(key.exists());
    #[cfg(unix)]
    assert_eq!(mode(&key), 0o600);
    assert!(store.key_check().await.expect("read").is_some());
    let saved = std::fs::read_to_string(&key).expect("read key");
    common::enrol(store.as_ref(), &keys, 7, "en", &[CardStatus::Active]).await;
    drop(store);

    // The same key opens it again.
    open_store(&key, &url).await.expect("second start");

    // The key file goes missing: refused, and no new key is made.
    std::fs::remove_file(&key).expect("remove");
    let said = refusal(open_store(&key, &url).await);
    assert!(said.contains("missing"), "{said}");
    assert!(!key.exists(), "no new key file is left behind");

    // Even where the database kept no key check (it came from before the
    // check), its secrets are reason enough to refuse.
    raw("DELETE FROM key_check").await;
    let said = refusal(open_store(&key, &url).await);
    assert!(said.contains("missing"), "{said}");
    assert!(!key.exists());

    // The database's own key, put back: it opens, and is recorded again.
    std::fs::write(&key, &saved).expect("restore");
    #[cfg(unix)]
    set_mode(&key, 0o600);
    open_store(&key, &url).await.expect("its own key");

    // Another key: refused.
    std::fs::remove_file(&key).expect("remove");
    Keyring::generate().save_new(&key).expect("another key");
    let said = refusal(open_store(&key, &url).await);
    assert!(said.contains("not the one"), "{said}");

    // The right key, readable by others: refused until it is owner-only.
    std::fs::remove_file(&key).expect("remove");
    std::fs::write(&key, &saved).expect("restore");
    #[cfg(unix)]
    {
        set_mode(&key, 0o644);
        let said = refusal(open_store(&key, &url).await);
        assert!(said.contains("chmod 600"), "{said}");
        assert!(
            !said.contains(saved.trim()),
            "the refusal never quotes the key"
        );
        set_mode(&key, 0o600);
    }
    open_store(&key, &url).await.expect("back in order");
}

#[tokio::test]
async fn sqlite_key_and_database() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("carddesk.db");
    let url = format!("sqlite:{}", file.display());
    let raw_url = url.clone();
    key_and_database(url, async move |sql: &str| {
        let pool = sqlx::SqlitePool::connect(&raw_url).await.expect("connect");
        sqlx::raw_sql(sql).execute(&pool).await.expect("raw SQL");
        pool.close().await;
    })
    .await;
}

#[sqlx::test(migrations = false)]
async fn postgres_key_and_database(pool: sqlx::PgPool) {
    let options = pool.connect_options();
    let database = options.get_database().expect("a test database").to_owned();
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let url = format!(
        "{}/{database}",
        base.rsplit_once('/').expect("a URL path").0
    );
    key_and_database(url, async move |sql: &str| {
        sqlx::raw_sql(sql).execute(&pool).await.expect("raw SQL");
    })
    .await;
}
