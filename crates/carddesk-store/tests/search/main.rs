//! Conformance of caller search and case assignment (migration 0005), on
//! both databases: each search term alone, several at once, name prefixes
//! (ASCII case folded, Chinese exact, no wildcards), the batch reads the
//! search page needs, reassignment and the case filters, and the query
//! plans (every term an index lookup on a bank large enough for the
//! planners to prefer one).
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod assignment;
mod fixtures;
mod plans;
mod terms;

use std::sync::Arc;

use assignment::*;
use plans::*;
use terms::*;

use carddesk_store::{AuditKey, PgStore, SearchTerm, SqliteStore, Store};

/// A store and, for the plan checks, the concrete backend beneath it.
enum Backend {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Backend {
    fn store(&self) -> Arc<dyn Store> {
        match self {
            Backend::Sqlite(s) => Arc::new(s.clone()),
            Backend::Postgres(s) => Arc::new(s.clone()),
        }
    }

    async fn exec(&self, sql: &str) {
        match self {
            Backend::Sqlite(s) => sqlx::raw_sql(sql).execute(s.pool()).await.map(drop),
            Backend::Postgres(s) => sqlx::raw_sql(sql).execute(s.pool()).await.map(drop),
        }
        .expect("raw SQL");
    }

    async fn plan(&self, terms: &[SearchTerm]) -> String {
        match self {
            Backend::Sqlite(s) => s.search_plan(terms, 21).await,
            Backend::Postgres(s) => s.search_plan(terms, 21).await,
        }
        .expect("plan")
        .join("\n")
    }
}

fn key() -> AuditKey {
    AuditKey::new(*b"carddesk search tests audit key.")
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[sqlx::test(migrations = false)]
                async fn $name(pool: sqlx::SqlitePool) {
                    let store = carddesk_store::SqliteStore::from_pool(pool, super::key())
                        .await
                        .expect("migrations");
                    super::$name(super::Backend::Sqlite(store)).await;
                }
            )*
        }
        mod postgres {
            $(
                #[sqlx::test(migrations = false)]
                async fn $name(pool: sqlx::PgPool) {
                    let store = carddesk_store::PgStore::from_pool(pool, super::key())
                        .await
                        .expect("migrations");
                    super::$name(super::Backend::Postgres(store)).await;
                }
            )*
        }
    };
}

on_both! {
    each_term_finds_its_customers,
    several_terms_by_term_then_name_then_id,
    name_prefix_folds_ascii_and_has_no_wildcards,
    cards_of_many_customers,
    cases_reassigned_and_filtered,
    every_term_is_an_index_lookup,
}
