//! The stores over a test database, and the raw pool beneath them: row
//! counts, texts and snapshots for what the store's interface does not offer.

use std::sync::Arc;

use carddesk_processor::Keyring;
use carddesk_store::{PgStore, SqliteStore, Store};
use sqlx::{PgPool, SqlitePool};

/// The raw pool under the store, for what the interface does not offer.
#[derive(Debug, Clone)]
pub enum RawDb {
    /// SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
}

impl RawDb {
    /// The single text column of every row `sql` returns.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        match self {
            RawDb::Sqlite(pool) => sqlx::query_scalar::<_, String>(sql).fetch_all(pool).await,
            RawDb::Postgres(pool) => sqlx::query_scalar::<_, String>(sql).fetch_all(pool).await,
        }
        .unwrap_or_else(|e| panic!("raw query {sql:?} failed: {e}"))
    }

    /// `SELECT COUNT(*)` of `sql`'s `FROM …` part.
    pub async fn count(&self, from: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) {from}");
        match self {
            RawDb::Sqlite(pool) => sqlx::query_scalar::<_, i64>(&sql).fetch_one(pool).await,
            RawDb::Postgres(pool) => sqlx::query_scalar::<_, i64>(&sql).fetch_one(pool).await,
        }
        .unwrap_or_else(|e| panic!("raw count {sql:?} failed: {e}"))
    }

    /// `SELECT COUNT(*)` of `from`, one value bound as `$1`; the condition
    /// written for each database where their functions differ.
    pub async fn count_bound(&self, sqlite: &str, postgres: &str, value: &[u8]) -> i64 {
        match self {
            RawDb::Sqlite(pool) => {
                let sql = format!("SELECT COUNT(*) {sqlite}");
                sqlx::query_scalar(&sql).bind(value).fetch_one(pool).await
            }
            RawDb::Postgres(pool) => {
                let sql = format!("SELECT COUNT(*) {postgres}");
                sqlx::query_scalar(&sql).bind(value).fetch_one(pool).await
            }
        }
        .unwrap_or_else(|e| panic!("raw count failed: {e}"))
    }

    /// Everything a request could change, as comparable text: the row count
    /// of every table and the mutable columns of cases, cards and staff.
    pub async fn snapshot(&self) -> Vec<String> {
        let mut out = Vec::new();
        for table in TABLES {
            out.push(format!(
                "{table}: {} rows",
                self.count(&format!("FROM {table}")).await
            ));
        }
        for (what, sql) in [
            (
                "case",
                "SELECT CAST(id AS TEXT) || ' ' || state || ' ' || CAST(failed_attempts AS TEXT) \
                 || ' ' || CAST(updated_at AS TEXT) || ' ' || COALESCE(CAST(expires_at AS TEXT), '-') \
                 || ' ' || COALESCE(CAST(code_used_at AS TEXT), '-') \
                 || ' ' || CASE WHEN session_digest IS NULL THEN 'no-session' ELSE 'session' END \
                 FROM unfreeze_cases ORDER BY id",
            ),
            (
                "card",
                "SELECT CAST(id AS TEXT) || ' ' || status || ' ' || COALESCE(freeze_reason, '-') \
                 || ' ' || COALESCE(CAST(frozen_since AS TEXT), '-') FROM cards ORDER BY id",
            ),
            (
                "staff",
                "SELECT username || ' ' || CAST(failed_signins AS TEXT) || ' ' \
                 || COALESCE(CAST(locked_until AS TEXT), '-') FROM staff_users ORDER BY username",
            ),
            (
                "session",
                "SELECT username || ' ' || COALESCE(CAST(revoked_at AS TEXT), '-') \
                 FROM staff_sessions ORDER BY username, created_at",
            ),
        ] {
            out.extend(
                self.texts(sql)
                    .await
                    .into_iter()
                    .map(|row| format!("{what}: {row}")),
            );
        }
        out
    }

    /// [`RawDb::snapshot`] without the audit log's row count: for requests
    /// whose only trace must be their audit entries (read with
    /// [`TestApp::audit_after`]).
    pub async fn snapshot_but_audit(&self) -> Vec<String> {
        let mut out = self.snapshot().await;
        out.retain(|line| !line.starts_with("audit_log: "));
        out
    }
}

/// An audit entry's `(actor, action, object, outcome)`.
pub type AuditLine = (String, String, String, String);

/// Every table of the schema.
pub const TABLES: [&str; 17] = [
    "customers",
    "cards",
    "card_transitions",
    "policy_rules",
    "unfreeze_cases",
    "packages",
    "outbox",
    "credential_failures",
    "audit_log",
    "staff_users",
    "staff_sessions",
    "idempotency_keys",
    "applications",
    "application_quota",
    "product_serials",
    "virtual_cards",
    "application_media",
];

/// A store over the pool `#[sqlx::test]` gave (SQLite).
pub async fn sqlite(pool: SqlitePool) -> (Arc<dyn Store>, Arc<Keyring>, RawDb) {
    let keys = Arc::new(Keyring::generate());
    let store = SqliteStore::from_pool(pool, keys.audit_key())
        .await
        .expect("SQLite migrations apply");
    let raw = RawDb::Sqlite(store.pool().clone());
    (Arc::new(store), keys, raw)
}

/// A store over the pool `#[sqlx::test]` gave (PostgreSQL).
pub async fn postgres(pool: PgPool) -> (Arc<dyn Store>, Arc<Keyring>, RawDb) {
    let keys = Arc::new(Keyring::generate());
    let store = PgStore::from_pool(pool, keys.audit_key())
        .await
        .expect("PostgreSQL migrations apply");
    let raw = RawDb::Postgres(store.pool().clone());
    (Arc::new(store), keys, raw)
}
