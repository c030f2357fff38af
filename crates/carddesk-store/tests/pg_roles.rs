//! The server's PostgreSQL role (issue 7, finding 9): after the owner has
//! migrated the database and granted the role, a store opened as the role
//! works (it reads, writes and appends to the audit log) without touching
//! the schema, but it cannot change, delete or truncate audit rows, drop
//! their triggers or create tables; and with a migration pending it
//! refuses to open rather than half-apply one.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

use carddesk_store::pg_roles::grant_server_role;
use carddesk_store::{AuditKey, AuditStore, ChainReport, NewAuditEntry, Outcome, PgStore, Store};
use chrono::Utc;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

fn key() -> AuditKey {
    AuditKey::new(*b"carddesk server role test key...")
}

fn entry(detail: &str) -> NewAuditEntry {
    NewAuditEntry {
        at: Utc::now(),
        actor: "system".to_owned(),
        action: "test.appended".to_owned(),
        object: "test:1".to_owned(),
        origin: "test".to_owned(),
        outcome: Outcome::Success,
        detail: detail.to_owned(),
    }
}

async fn append(store: &dyn Store, detail: &str) {
    let mut tx = store.begin().await.expect("begin");
    tx.append_audit(&entry(detail)).await.expect("append");
    tx.commit().await.expect("commit");
}

/// Runs the scenario with a fresh role, and drops the role afterwards
/// (roles belong to the whole cluster, not to the test's database).
#[sqlx::test(migrations = false)]
async fn the_server_role_appends_but_never_rewrites(pool: PgPool) {
    let owner = PgStore::from_pool(pool.clone(), key())
        .await
        .expect("the owner migrates");
    append(&owner, "by the owner").await;
    let role = format!("carddesk_server_{:08x}", rand_suffix());
    sqlx::query(&format!("CREATE ROLE \"{role}\" LOGIN"))
        .execute(&pool)
        .await
        .expect("create role");
    let outcome = scenario(&pool, &owner, &role).await;
    sqlx::query(&format!("DROP OWNED BY \"{role}\""))
        .execute(&pool)
        .await
        .expect("drop the role's grants");
    sqlx::query(&format!("DROP ROLE \"{role}\""))
        .execute(&pool)
        .await
        .expect("drop role");
    outcome.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

fn rand_suffix() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .subsec_nanos();
    nanos ^ std::process::id()
}

async fn scenario(
    pool: &PgPool,
    owner: &PgStore,
    role: &str,
) -> Result<(), Box<dyn std::any::Any + Send>> {
    grant_server_role(pool, role).await.expect("grant");
    let options = (*pool.connect_options()).clone().username(role);
    let server_pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
        .expect("connect as the server's role");
    let result = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(async {
        let server = PgStore::from_pool(server_pool.clone(), key())
            .await
            .expect("a migrated database opens without migrating");
        append(&server, "by the server").await;
        assert_eq!(
            server.verify_audit_chain().await.expect("verify"),
            ChainReport::Intact { entries: 2 }
        );
        for sql in [
            "UPDATE audit_log SET detail = 'rewritten'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
            "ALTER TABLE audit_log DISABLE TRIGGER ALL",
            "DROP TABLE audit_log",
            "CREATE TABLE smuggled (id INTEGER)",
            "DELETE FROM _sqlx_migrations",
        ] {
            let refused = sqlx::raw_sql(sql)
                .execute(&server_pool)
                .await
                .expect_err(sql);
            let code = refused
                .as_database_error()
                .and_then(|e| e.code())
                .map(|c| c.into_owned());
            assert_eq!(code.as_deref(), Some("42501"), "{sql}: {refused}");
        }
        assert_eq!(
            owner.verify_audit_chain().await.expect("verify"),
            ChainReport::Intact { entries: 2 },
            "nothing the server's role tried changed the log"
        );

        // A migration pending: the server's role cannot apply it, and says so.
        sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
            .execute(pool)
            .await
            .expect("the owner forgets the latest migration");
        let refused = PgStore::from_pool(server_pool.clone(), key()).await;
        assert!(refused.is_err(), "a pending migration needs the owner");
    }))
    .await;
    server_pool.close().await;
    result
}
