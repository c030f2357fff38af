//! Two PostgreSQL roles: the owner, which runs the migrations, and the
//! role the server runs as, which may read and write the bank's tables but
//! may not change or delete a row of the audit log (nor truncate it), so a
//! compromised server cannot rewrite history; the append-only triggers
//! are a second wall, which the owner alone could drop.
//!
//! The server's role cannot create tables, so a store opened as it checks
//! that every migration is applied and runs the migrator only when one is
//! pending (which then needs the owner).

use sqlx::PgPool;

use crate::{Result, StoreError};

/// Whether `migrator` has migrations `pool`'s database lacks. A database
/// without the migrations table lacks them all.
pub(crate) async fn pending(pool: &PgPool, migrator: &sqlx::migrate::Migrator) -> Result<bool> {
    let applied: Vec<i64> =
        match sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await
        {
            Ok(applied) => applied,
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P01") => {
                return Ok(true);
            }
            Err(e) => return Err(e.into()),
        };
    Ok(migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .any(|m| !applied.contains(&m.version)))
}

/// Grants `role` what the server needs and nothing over the audit log but
/// reading and appending. Run as the owner, after the migrations (and
/// again after any that add tables).
pub async fn grant_server_role(pool: &PgPool, role: &str) -> Result<()> {
    let valid = role.len() <= 63
        && role.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && role
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(StoreError::Corrupt(
            "role name (use lower-case letters, digits and _)",
        ));
    }
    // A role name cannot be a bound parameter; it is checked above to be
    // a plain identifier, and quoted besides.
    let statements = [
        format!("GRANT USAGE ON SCHEMA public TO \"{role}\""),
        format!(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \"{role}\""
        ),
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM \"{role}\""),
        format!("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON _sqlx_migrations FROM \"{role}\""),
        format!("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO \"{role}\""),
    ];
    let mut tx = pool.begin().await?;
    for statement in &statements {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// [`grant_server_role`] on the database `url` names, connecting as
/// whoever `url` says (the owner).
pub async fn grant_server_role_at(url: &str, role: &str) -> Result<()> {
    let pool = PgPool::connect(url).await?;
    let granted = grant_server_role(&pool, role).await;
    pool.close().await;
    granted
}
