//! The baseline of the search benchmark: the statements the store runs for
//! a search, written out here by hand and run straight through sqlx,
//! rows decoded into plain tuples with no domain types: the search itself
//! (a `UNION ALL` of one ordered, limited lookup per term), the page's
//! cards, and the page's open cases. The page is cut as the processor
//! cuts it (each customer once, in term order, then name, then id).
//!
//! And the bank under test, one of the two databases, with what differs
//! between them: the pool type and the plan's text.

use std::sync::Arc;

use carddesk_store::{PgStore, SearchTerm, SqliteStore, Store};

use crate::lookup::RawCard;

/// A value bound to a placeholder.
enum Bind {
    Text(String),
    Bytes(Vec<u8>),
    Int(i64),
}

/// A statement and its values, placeholders `$1`, `$2`… in order (SQLite
/// reads `$N` as parameter N too).
#[derive(Default)]
struct Statement {
    sql: String,
    binds: Vec<Bind>,
}

impl Statement {
    fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        self.sql.push_str(&format!("${}", self.binds.len()));
        self
    }

    /// `(v1, v2, …)` for an `IN`.
    fn list(&mut self, values: impl IntoIterator<Item = Bind>) -> &mut Self {
        self.push("(");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
        self.push(")")
    }
}

const CUSTOMER: &str = "id, name, document_kind, document_masked, phone";

/// The search statement: per term, its customers by folded name and id,
/// `per_term` at most; all of them by term, folded name, id.
fn search_statement(terms: &[SearchTerm], per_term: u32) -> Statement {
    let mut s = Statement::default();
    for (i, term) in terms.iter().enumerate() {
        if i > 0 {
            s.push(" UNION ALL ");
        }
        s.push(&format!(
            "SELECT term, {CUSTOMER}, name_fold FROM (SELECT {i} AS term, {CUSTOMER}, name_fold \
             FROM customers WHERE "
        ));
        match term {
            SearchTerm::IdDigests(digests) => {
                s.push("id_digest IN ")
                    .list(digests.iter().map(|d| Bind::Bytes(d.clone())));
            }
            SearchTerm::PanDigest(d) => {
                s.push("id IN (SELECT customer_id FROM cards WHERE pan_digest = ")
                    .bind(Bind::Bytes(d.clone()))
                    .push(")");
            }
            SearchTerm::Phone(p) => {
                s.push("phone = ").bind(Bind::Text(p.clone()));
            }
            SearchTerm::PhoneLastFour(d) => {
                s.push("phone_last_four = ").bind(Bind::Text(d.clone()));
            }
            SearchTerm::CardLastFour(d) => {
                s.push("id IN (SELECT customer_id FROM cards WHERE last_four = ")
                    .bind(Bind::Text(d.clone()))
                    .push(")");
            }
            SearchTerm::IdLastFour(d) => {
                s.push("document_last_four = ").bind(Bind::Text(d.clone()));
            }
            SearchTerm::NamePrefix(p) => {
                // The bench's prefixes are ASCII or CJK: lower the ASCII,
                // and the prefix's successor is its last character plus one.
                let low = p.to_ascii_lowercase();
                let mut high: Vec<char> = low.chars().collect();
                let last = high.pop().map_or(0, u32::from);
                high.extend(char::from_u32(last + 1));
                s.push("name_fold >= ")
                    .bind(Bind::Text(low))
                    .push(" AND name_fold < ")
                    .bind(Bind::Text(high.into_iter().collect()));
            }
        }
        s.push(&format!(
            " ORDER BY name_fold, id LIMIT {per_term}) AS match_{i}"
        ));
    }
    s.push(" ORDER BY term, name_fold, id");
    s
}

fn cards_statement(ids: &[i64]) -> Statement {
    let mut s = Statement::default();
    s.push(concat!(
        "SELECT id, customer_id, bin, last_four, pan_length, product, status, freeze_reason, ",
        "frozen_since FROM cards WHERE customer_id IN "
    ))
    .list(ids.iter().map(|&id| Bind::Int(id)))
    .push(" ORDER BY customer_id, id");
    s
}

/// The page's open cases: a card has at most one, so its cards bound them.
fn cases_statement(ids: &[i64], cards: usize) -> Statement {
    const OPEN: [&str; 7] = [
        "marked",
        "packaged",
        "instructed",
        "requested",
        "challenged",
        "verified",
        "approved",
    ];
    let mut s = Statement::default();
    s.push(concat!(
        "SELECT id, card_id, customer_id, reason, credentials, needs_approval, state, ",
        "failed_attempts, opened_by, assignee, opened_at, updated_at, expires_at, code_used_at ",
        "FROM unfreeze_cases WHERE state IN "
    ))
    .list(OPEN.iter().map(|s| Bind::Text((*s).to_owned())))
    .push(" AND customer_id IN ")
    .list(ids.iter().map(|&id| Bind::Int(id)))
    .push(" ORDER BY id DESC LIMIT ")
    .bind(Bind::Int(cards.max(1) as i64));
    s
}

type MatchRow = (i32, i64, String, String, String, String, String);
type CaseRow = (
    i64,
    i64,
    i64,
    String,
    String,
    bool,
    String,
    i32,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
);

/// The page: each customer once, in the statement's order, `limit` at most.
fn page(rows: Vec<MatchRow>, limit: u32) -> Vec<i64> {
    let mut seen = std::collections::HashSet::new();
    rows.into_iter()
        .map(|r| r.1)
        .filter(|id| seen.insert(*id))
        .take(limit as usize)
        .collect()
}

/// What a search found, the same whichever path ran it: the customers of
/// the page in order, and how many cards and open cases they have.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) customers: Vec<i64>,
    pub(crate) cards: usize,
}

/// The baseline for one database type.
macro_rules! raw_search {
    ($name:ident, $db:ty) => {
        async fn $name(
            pool: &sqlx::Pool<$db>,
            terms: &[SearchTerm],
            limit: u32,
        ) -> anyhow::Result<Found> {
            async fn rows<O>(pool: &sqlx::Pool<$db>, s: &Statement) -> anyhow::Result<Vec<O>>
            where
                O: for<'r> sqlx::FromRow<'r, <$db as sqlx::Database>::Row> + Send + Unpin,
            {
                let mut q = sqlx::query_as::<$db, O>(&s.sql);
                for b in &s.binds {
                    q = match b {
                        Bind::Text(t) => q.bind(t.as_str()),
                        Bind::Bytes(b) => q.bind(b.as_slice()),
                        Bind::Int(i) => q.bind(*i),
                    };
                }
                Ok(q.fetch_all(pool).await?)
            }
            // One more than the page for each term, as the processor asks.
            let matches: Vec<MatchRow> = rows(pool, &search_statement(terms, limit + 1)).await?;
            let customers = page(matches, limit);
            if customers.is_empty() {
                return Ok(Found::default());
            }
            let cards: Vec<RawCard> = rows(pool, &cards_statement(&customers)).await?;
            let _cases: Vec<CaseRow> =
                rows(pool, &cases_statement(&customers, cards.len())).await?;
            Ok(Found {
                customers,
                cards: cards.len(),
            })
        }
    };
}

raw_search!(raw_sqlite, sqlx::Sqlite);
raw_search!(raw_pg, sqlx::Postgres);

/// A bench bank on one of the two databases.
pub(crate) enum Bank {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Bank {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Bank::Sqlite(_) => "SQLite",
            Bank::Postgres(_) => "PostgreSQL",
        }
    }

    pub(crate) fn store(&self) -> Arc<dyn Store> {
        match self {
            Bank::Sqlite(s) => Arc::new(s.clone()),
            Bank::Postgres(s) => Arc::new(s.clone()),
        }
    }

    /// The baseline search, a page of `limit`.
    pub(crate) async fn raw_search(
        &self,
        terms: &[SearchTerm],
        limit: u32,
    ) -> anyhow::Result<Found> {
        match self {
            Bank::Sqlite(s) => raw_sqlite(s.pool(), terms, limit).await,
            Bank::Postgres(s) => raw_pg(s.pool(), terms, limit).await,
        }
    }

    /// The store's plan for the search statement of `terms`.
    pub(crate) async fn plan(
        &self,
        terms: &[SearchTerm],
        per_term: u32,
    ) -> anyhow::Result<Vec<String>> {
        Ok(match self {
            Bank::Sqlite(s) => s.search_plan(terms, per_term).await?,
            Bank::Postgres(s) => s.search_plan(terms, per_term).await?,
        })
    }
}

/// Whether a plan line reads far more than it finds: a whole table, or
/// (for a search that is not by name) a walk along the name index in
/// name order, filtering every customer until the page is full, which is
/// what PostgreSQL picks for `ORDER BY name_fold, id LIMIT` when it has no
/// statistics on the last-four columns.
pub(crate) fn reads_too_much(line: &str, by_name: bool) -> bool {
    let l = line.trim_start_matches([' ', '-', '>']);
    l.starts_with("Seq Scan on customers")
        || l.starts_with("Seq Scan on cards")
        || l.starts_with("Parallel Seq Scan")
        || l.starts_with("SCAN customers")
        || l.starts_with("SCAN cards")
        || (!by_name && l.contains("customers_name_fold"))
}
