//! CardDesk's storage: one repository interface, [`Store`] (with its unit
//! of work, [`Tx`]), and two implementations of it: SQLite, the embedded
//! default (a file in WAL mode), and PostgreSQL, for the shared server.
//!
//! Both are written once (the `backend!` macro in `sql.rs`, and beside it
//! one macro per topic, each in the module of its part of the interface)
//! with the SQL they share, and differ only where the databases do: how a
//! write transaction starts, how a row is locked, how the audit chain's
//! head is serialised. One conformance suite (`tests/conformance/`) runs
//! every repository test against both.
//!
//! The store never sees a secret in clear: card numbers and ID documents
//! arrive sealed (AEAD) and keyed-hashed, transaction passwords as Argon2id
//! hashes. The audit log is append-only (triggers refuse updates and
//! deletes) and hash-chained under a key kept outside the database
//! ([`AuditKey`]); [`AuditStore::verify_audit_chain`] walks the chain.
#![deny(missing_docs)]

// The SQL macros come first so both backends below can use them.
#[macro_use]
mod sql;

mod application_records;
pub mod applications;
mod audit;
mod audit_log;
mod buckets;
mod bulk;
mod cards;
mod cases;
mod credential_failures;
pub mod customer_case;
pub mod customer_view;
pub mod idempotency;
mod integrity;
mod outbox;
mod outbox_subject;
pub mod pg_roles;
mod postgres;
pub mod records;
mod rows;
pub mod search;
mod sqlite;
mod staff;

use std::sync::Arc;

use async_trait::async_trait;
use carddesk_domain::case::UnfreezeCase;
use chrono::{DateTime, Utc};
use thiserror::Error;

pub use application_records::{
    Applicant, ApplicationRecord, MediaKind, MediaRecord, NewApplication, PurgedMedia,
    VirtualCardRecord,
};
pub use applications::{ApplicationStore, ApplicationTx, RetentionTx};
pub use audit::{AuditKey, GENESIS};
pub use audit_log::{AuditStore, AuditTx};
pub use bulk::BulkTx;
pub use cards::{CardStore, CardTx};
pub use cases::{CaseStore, CaseTx};
pub use credential_failures::FailedCheck;
pub use customer_case::{CaseKey, CustomerCase};
pub use customer_view::CustomerOverview;
pub use idempotency::{ClaimTimes, IdempotencyClaim};
pub use outbox::{OutboxStore, OutboxTx};
pub use outbox_subject::OutboxSubject;
pub use postgres::PgStore;
pub use records::*;
pub use search::{CustomerMatch, SearchTerm};
pub use sqlite::SqliteStore;
pub use staff::{StaffStore, StaffTx};

/// What can go wrong in storage. Messages never carry row contents.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A uniqueness rule was broken; names the rule (constraint or index).
    #[error("conflict with an existing record ({0})")]
    Conflict(String),
    /// A row could not be read back into the domain's types.
    #[error("a stored {0} is corrupt")]
    Corrupt(&'static str),
    /// A database URL that names neither SQLite nor PostgreSQL.
    #[error("unsupported database URL scheme (use sqlite: or postgres:)")]
    UnsupportedUrl,
    /// The database failed (connection, SQL, I/O).
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Whether the database could not be reached (the connection failed or
    /// broke, the pool had none to give, the server is shutting down or
    /// starting): "not now", not a fault in the request or the data.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Database(
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed,
            ) => true,
            // Connection exceptions (08…) and operator intervention (57P…:
            // admin shutdown, crash shutdown, cannot connect now).
            StoreError::Database(sqlx::Error::Database(db)) => db
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
            _ => false,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.constraint().unwrap_or("unique").to_owned())
            }
            _ => StoreError::Database(e),
        }
    }
}

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A case as stored: the domain's case and its one-time code's bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    /// The case.
    pub case: UnfreezeCase,
    /// When the one-time code was accepted (it is accepted once).
    pub code_used_at: Option<DateTime<Utc>>,
    /// Whose case it is now, as an actor label (`agent:alice`): its opener
    /// unless a supervisor gave it to someone else.
    pub assigned_to: String,
}

/// The repository: reads outside a transaction (each topic's in its own
/// supertrait), and [`Store::begin`] for a unit of work that changes state.
#[async_trait]
pub trait Store:
    CardStore
    + CaseStore
    + OutboxStore
    + AuditStore
    + StaffStore
    + ApplicationStore
    + Send
    + Sync
    + std::fmt::Debug
{
    /// Which database this is (`sqlite` or `postgres`), for logs and reports.
    fn kind(&self) -> &'static str;

    /// Starts a write transaction. Dropping the [`Tx`] without committing
    /// rolls it back.
    async fn begin(&self) -> Result<Box<dyn Tx>>;

    /// Customers each term finds (at most `per_term` per term), by term,
    /// then name (ASCII letters folded), then id. A customer several terms
    /// find comes once for each. Every term is an index lookup.
    async fn search_customers(
        &self,
        terms: &[SearchTerm],
        per_term: u32,
    ) -> Result<Vec<CustomerMatch>>;

    /// The connection pool's use: (connections open, of them idle).
    fn pool_use(&self) -> (u32, usize);

    /// The stored first response of an idempotent call.
    async fn idempotent_response(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<Option<IdempotentResponse>>;
    /// Claims an idempotency key for a call about to run, in one
    /// statement: a new key, an abandoned claim or an expired answer
    /// becomes this caller's; otherwise the running claim or the stored
    /// answer is returned (see [`idempotency`]).
    async fn claim_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        request_digest: &[u8],
        times: ClaimTimes,
    ) -> Result<IdempotencyClaim>;
    /// Stores the answer of a claimed key's call; false when the claim was
    /// no longer this request's (it was abandoned and taken over).
    async fn finish_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        response: &IdempotentResponse,
    ) -> Result<bool>;
    /// Takes a token from the rate-limit bucket `key` (holding `capacity`
    /// tokens, refilled at `per_second`), in one statement shared by every
    /// process on this database: `None` when taken, else how long until
    /// one is back. A new bucket starts full.
    async fn take_rate_token(
        &self,
        key: &str,
        capacity: f64,
        per_second: f64,
        now: DateTime<Utc>,
    ) -> Result<Option<std::time::Duration>>;
    /// Forgets buckets untouched since `idle_since` (full again by then,
    /// so the same as none); returns how many.
    async fn purge_rate_buckets(&self, idle_since: DateTime<Utc>) -> Result<u64>;
    /// Gives up a claim whose call is not to be remembered, so a retry
    /// runs again.
    async fn release_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        request_digest: &[u8],
    ) -> Result<()>;

    /// Tells every process watching this database that something changed
    /// (PostgreSQL `NOTIFY`), each payload in order, in one round trip; a
    /// no-op where one process is all there is.
    async fn notify(&self, payloads: &[String]) -> Result<()>;
    /// Starts listening for [`Store::notify`] payloads from every process,
    /// this one included; `None` where the database has no such channel
    /// (SQLite), and the caller delivers its events itself.
    async fn listen(&self) -> Result<Option<tokio::sync::mpsc::Receiver<String>>>;
}

/// A unit of work: everything done through one `Tx` is committed together
/// or not at all. State changes and their audit entries always share one.
/// Each topic's writes are in its own supertrait.
#[async_trait]
pub trait Tx:
    CardTx + BulkTx + CaseTx + OutboxTx + AuditTx + StaffTx + ApplicationTx + RetentionTx + Send
{
    /// Commits.
    async fn commit(self: Box<Self>) -> Result<()>;
    /// Forgets idempotency keys stored before `before`; returns how many.
    async fn purge_idempotency(&mut self, before: DateTime<Utc>) -> Result<u64>;
}

/// What [`Store::listen`]'s channel carries when the listening connection
/// was lost and re-established: notifications sent meanwhile are gone, so
/// whoever relays them must tell its watchers to re-read.
pub const LISTEN_GAP: &str = "carddesk:listen-gap";

/// Opens the store a database URL names (`sqlite:…` or `postgres://…`),
/// runs its migrations, and returns it behind the interface.
pub async fn open(url: &str, audit_key: AuditKey) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url, audit_key).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PgStore::connect(url, audit_key).await?))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}
