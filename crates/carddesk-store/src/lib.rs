//! CardDesk's storage: one repository interface, [`Store`] (with its unit
//! of work, [`Tx`]), and two implementations of it: SQLite, the embedded
//! default (a file in WAL mode), and PostgreSQL, for the shared server.
//!
//! Both are written once (the `backend!` macro in `sql.rs`) with the SQL
//! they share, and differ only where the databases do: how a write
//! transaction starts, how a row is locked, how the audit chain's head is
//! serialised. One conformance suite (`tests/conformance.rs`) runs every
//! repository test against both.
//!
//! The store never sees a secret in clear: card numbers and ID documents
//! arrive sealed (AEAD) and keyed-hashed, transaction passwords as Argon2id
//! hashes. The audit log is append-only (triggers refuse updates and
//! deletes) and hash-chained under a key kept outside the database
//! ([`AuditKey`]); [`Store::verify_audit_chain`] walks the chain.
#![deny(missing_docs)]

// The SQL macros come first so both backends below can use them.
#[macro_use]
mod sql;

mod application_records;
pub mod applications;
mod audit;
mod buckets;
pub mod customer_case;
pub mod customer_view;
pub mod idempotency;
mod integrity;
mod outbox_subject;
pub mod pg_roles;
mod postgres;
pub mod records;
mod rows;
pub mod search;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use carddesk_domain::card::CardTransition;
use carddesk_domain::case::{CaseId, UnfreezeCase};
use carddesk_domain::{Card, CardId, CardStatus, Customer, CustomerId, PolicyRule};
use chrono::{DateTime, Utc};
use thiserror::Error;

pub use application_records::{
    Applicant, ApplicationRecord, MediaKind, MediaRecord, NewApplication, PurgedMedia,
    VirtualCardRecord,
};
pub use applications::{ApplicationStore, ApplicationTx, RetentionTx};
pub use audit::{AuditKey, GENESIS};
pub use customer_case::{CaseKey, CustomerCase};
pub use customer_view::CustomerOverview;
pub use idempotency::{ClaimTimes, IdempotencyClaim};
pub use outbox_subject::OutboxSubject;
pub use postgres::PgStore;
pub use records::*;
pub use search::{CustomerMatch, SearchTerm};
pub use sqlite::SqliteStore;

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

/// The repository: reads outside a transaction, and [`Store::begin`] for a
/// unit of work that changes state.
#[async_trait]
pub trait Store: ApplicationStore + Send + Sync + std::fmt::Debug {
    /// Which database this is (`sqlite` or `postgres`), for logs and reports.
    fn kind(&self) -> &'static str;

    /// Starts a write transaction. Dropping the [`Tx`] without committing
    /// rolls it back.
    async fn begin(&self) -> Result<Box<dyn Tx>>;

    /// A customer.
    async fn customer(&self, id: CustomerId) -> Result<Option<Customer>>;
    /// The customer whose document has this keyed hash.
    async fn customer_by_id_digest(&self, digest: &[u8]) -> Result<Option<Customer>>;
    /// Customers with this E.164 phone number.
    async fn customers_by_phone(&self, phone: &str) -> Result<Vec<Customer>>;
    /// A customer's protected identity data.
    async fn customer_secrets(&self, id: CustomerId) -> Result<Option<CustomerSecrets>>;

    /// A card.
    async fn card(&self, id: CardId) -> Result<Option<Card>>;
    /// The customer who holds a card, in one statement.
    async fn customer_of_card(&self, card: CardId) -> Result<Option<Customer>>;
    /// The card whose number has this keyed hash.
    async fn card_by_pan_digest(&self, digest: &[u8]) -> Result<Option<Card>>;
    /// A customer's cards, by id.
    async fn cards_of_customer(&self, id: CustomerId) -> Result<Vec<Card>>;
    /// The cards of several customers, by customer then card id.
    async fn cards_of_customers(&self, ids: &[CustomerId]) -> Result<Vec<Card>>;
    /// Customers each term finds (at most `per_term` per term), by term,
    /// then name (ASCII letters folded), then id. A customer several terms
    /// find comes once for each. Every term is an index lookup.
    async fn search_customers(
        &self,
        terms: &[SearchTerm],
        per_term: u32,
    ) -> Result<Vec<CustomerMatch>>;
    /// A card's status history, oldest first.
    async fn card_history(&self, id: CardId) -> Result<Vec<CardTransition>>;

    /// A case.
    async fn case(&self, id: CaseId) -> Result<Option<CaseRecord>>;
    /// The case whose one-time code has this keyed hash.
    async fn case_by_code_digest(&self, digest: &[u8]) -> Result<Option<CaseRecord>>;
    /// The case whose customer session token has this keyed hash.
    async fn case_by_session_digest(&self, digest: &[u8]) -> Result<Option<CaseRecord>>;
    /// The case whose customer session has this keyed hash, with its
    /// package once it has one, in one statement.
    async fn case_and_package_by_session(
        &self,
        digest: &[u8],
    ) -> Result<Option<(CaseRecord, Option<Package>)>>;
    /// Cases, newest first, filtered.
    async fn cases(&self, filter: &CaseFilter) -> Result<Vec<CaseRecord>>;
    /// A customer with their cards, the virtual-card facts of those that
    /// have them, and their cases not yet final (newest first, at most
    /// `open_cases`): what the desk's customer view shows, in one
    /// statement (two for a customer without a card).
    async fn customer_overview(
        &self,
        id: CustomerId,
        open_cases: u32,
    ) -> Result<Option<CustomerOverview>>;
    /// A case's package.
    async fn package(&self, case: CaseId) -> Result<Option<Package>>;

    /// Outbox messages, oldest first, optionally only those of one status.
    async fn outbox(&self, status: Option<&str>, limit: u32) -> Result<Vec<OutboxMessage>>;
    /// One outbox message with its delivery state.
    async fn outbox_delivery(&self, id: i64) -> Result<Option<OutboxDelivery>>;
    /// Audit entries about one object (`case:42`), or all when `None`, in
    /// chain order, starting after `after_seq`.
    async fn audit_entries(
        &self,
        object: Option<&str>,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>>;
    /// Walks the whole audit chain and reports the first broken link.
    async fn verify_audit_chain(&self) -> Result<ChainReport>;

    /// The stored policy table (empty if none was saved), in the domain's
    /// order of freeze reasons, as `UnfreezePolicy::rules` lists them.
    async fn policy(&self) -> Result<Vec<PolicyRule>>;
    /// Number of rows of customers and of cards, for reports.
    async fn counts(&self) -> Result<(i64, i64)>;
    /// The connection pool's use: (connections open, of them idle).
    fn pool_use(&self) -> (u32, usize);
    /// The keyed hash naming the master key this database's secrets are
    /// sealed under, once one has been recorded.
    async fn key_check(&self) -> Result<Option<Vec<u8>>>;
    /// The audit entry at `seq`, or with `None` the chain's head (the last
    /// entry); `None` when there is no such entry.
    async fn audit_entry(&self, seq: Option<i64>) -> Result<Option<AuditRecord>>;
    /// Records `digest` as the key check unless one is recorded already;
    /// returns the one kept (so of two processes starting at once, the
    /// second learns whether it agrees with the first).
    async fn record_key_check(&self, digest: &[u8]) -> Result<Vec<u8>>;

    /// A member of staff by sign-in name.
    async fn staff_user(&self, username: &str) -> Result<Option<StaffRecord>>;
    /// The staff session whose token has this keyed hash, as stored (live
    /// or not); reading it is not a use.
    async fn staff_session(&self, token_digest: &[u8]) -> Result<Option<StaffSessionRecord>>;
    /// Uses a staff session: in one statement, if it is not signed out,
    /// `expires_at` is after `now` and it was last used after
    /// `idle_cutoff`, its last use moves on to `now` (never back, so uses
    /// on clocks a little apart cannot rewind it) and it is returned as
    /// left; otherwise nothing changes and the answer is `None`. The check
    /// and the touch are one statement, so no use can revive a session
    /// that idled out between a read and a write.
    async fn use_staff_session(
        &self,
        token_digest: &[u8],
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> Result<Option<StaffSessionRecord>>;
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
#[async_trait]
pub trait Tx: ApplicationTx + RetentionTx + Send {
    /// Commits.
    async fn commit(self: Box<Self>) -> Result<()>;

    /// Inserts a customer.
    async fn insert_customer(&mut self, customer: &NewCustomer) -> Result<CustomerId>;
    /// Inserts a card.
    async fn insert_card(&mut self, card: &NewCard) -> Result<CardId>;
    /// Inserts many customers with the ids given (seeding).
    async fn insert_customers_bulk(&mut self, rows: &[(CustomerId, NewCustomer)]) -> Result<()>;
    /// Inserts many cards with the ids given (seeding).
    async fn insert_cards_bulk(&mut self, rows: &[(CardId, NewCard)]) -> Result<()>;
    /// Moves id sequences past the largest ids present, after bulk inserts.
    async fn sync_id_sequences(&mut self) -> Result<()>;

    /// A card, locked for the rest of the transaction.
    async fn lock_card(&mut self, id: CardId) -> Result<Option<Card>>;
    /// A card's protected data.
    async fn card_secrets(&mut self, id: CardId) -> Result<Option<CardSecrets>>;
    /// A customer's protected identity data.
    async fn customer_secrets(&mut self, id: CustomerId) -> Result<Option<CustomerSecrets>>;
    /// Sets a card's status and records the transition that led there.
    async fn set_card_status(
        &mut self,
        status: &CardStatus,
        transition: &CardTransition,
    ) -> Result<()>;

    /// Inserts a case; fails with [`StoreError::Conflict`] when the card
    /// already has an open one.
    async fn insert_case(&mut self, case: &UnfreezeCase) -> Result<CaseId>;
    /// A case, locked for the rest of the transaction.
    async fn lock_case(&mut self, id: CaseId) -> Result<Option<CaseRecord>>;
    /// Locks the case a customer's code or session opens, with its card's
    /// last four digits and the customer's document kind, in one statement.
    async fn lock_customer_case(&mut self, key: CaseKey<'_>) -> Result<Option<CustomerCase>>;
    /// Writes a case's state, attempts, expiry and update time.
    async fn save_case(&mut self, case: &UnfreezeCase) -> Result<()>;
    /// Gives a case to another member of staff (an actor label,
    /// `agent:bob`) and records when; the caller holds the case's lock
    /// ([`Tx::lock_case`]) and has checked who may.
    async fn assign_case(&mut self, id: CaseId, assignee: &str, at: DateTime<Utc>) -> Result<()>;
    /// Sets the keyed hash of the case's one-time code (and forgets any
    /// earlier code and session).
    async fn set_case_code(&mut self, id: CaseId, code_digest: &[u8]) -> Result<()>;
    /// Marks the code used, sets the customer session's keyed hash and
    /// writes `case` as [`Tx::save_case`] does, if `code_digest` is still
    /// the case's code and unused; `false` (nothing written) when a resend
    /// replaced it or it was used. Deciding in the write itself means a code
    /// looked up before a resend committed can never be accepted after.
    async fn use_case_code(
        &mut self,
        case: &UnfreezeCase,
        code_digest: &[u8],
        session_digest: &[u8],
        at: DateTime<Utc>,
    ) -> Result<bool>;

    /// Stores a case's package.
    async fn insert_package(&mut self, package: &Package) -> Result<()>;
    /// Queues an instruction.
    async fn insert_outbox(&mut self, message: &NewOutboxMessage) -> Result<i64>;
    /// Claims up to `limit` pending messages that are due at `now` and held
    /// by no one (or whose holder's lease ran out): each is leased to
    /// `claimant` until `lease_until` and its attempt counted. Oldest due
    /// first. Two claimants never get the same message while a lease runs:
    /// the lease is set by a conditional update that a concurrent claim
    /// re-checks (PostgreSQL also skips rows another claim has locked).
    async fn claim_outbox(
        &mut self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        claimant: &str,
        limit: u32,
    ) -> Result<Vec<OutboxMessage>>;
    /// Records how an attempt on a claimed message ended and releases the
    /// lease. Returns false, changing nothing, when `claimant` no longer
    /// holds the message (its lease ran out and another claimed it).
    async fn settle_outbox(
        &mut self,
        id: i64,
        claimant: &str,
        settlement: &OutboxSettlement,
    ) -> Result<bool>;

    /// Records a failed credential check.
    async fn record_credential_failure(
        &mut self,
        customer: CustomerId,
        case: CaseId,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Locks the customer's row and counts their failed credential checks
    /// since a moment. The row lock is what serialises one customer's
    /// checks across all their cases, so the count stays true until this
    /// transaction ends: a caller that records a failure after reading it
    /// cannot race another case's upload past the customer's allowance.
    async fn lock_customer_failures(
        &mut self,
        customer: CustomerId,
        since: DateTime<Utc>,
    ) -> Result<u32>;

    /// Appends to the audit chain when this transaction commits, after
    /// whatever it appended before: its entries are consecutive, and the
    /// chain's lock is held only from the append to the commit.
    async fn append_audit(&mut self, entry: &NewAuditEntry) -> Result<()>;
    /// The distinct `(action, actor)` pairs of `object`'s audit entries
    /// with `outcome`, read in this transaction: maker-checker asks who
    /// took a case's steps while it holds the case's lock, and those steps
    /// are written under that same lock, so none can slip in between.
    async fn audit_actors(
        &mut self,
        object: &str,
        outcome: Outcome,
    ) -> Result<Vec<(String, String)>>;

    /// Replaces the policy table.
    async fn save_policy(&mut self, rules: &[PolicyRule]) -> Result<()>;

    /// Adds a member of staff; a taken username is a conflict.
    async fn insert_staff_user(&mut self, user: &StaffRecord, at: DateTime<Utc>) -> Result<()>;
    /// Counts one failed sign-in in a single statement, so failures sent
    /// at once are all counted: the count starts afresh when an earlier
    /// lock has run out at `now`, the ID locks until `lock_until` when the
    /// new count reaches `max_failed`, and a lock still running is kept as
    /// it is (a late failure neither clears nor shortens it). Returns the
    /// state the statement left, or `None` for an unknown user.
    async fn record_signin_failure(
        &mut self,
        username: &str,
        now: DateTime<Utc>,
        max_failed: u32,
        lock_until: DateTime<Utc>,
    ) -> Result<Option<SigninFailures>>;
    /// Clears failed sign-ins after a right password, unless the ID is
    /// locked at `now` (or unknown): then nothing changes and the answer is
    /// `false`. One statement under the row's write lock, so a lock set by a
    /// failure that committed first is always seen.
    async fn clear_signin_failures(&mut self, username: &str, now: DateTime<Utc>) -> Result<bool>;
    /// Stores a new staff session, last used when it was created.
    async fn insert_staff_session(
        &mut self,
        token_digest: &[u8],
        username: &str,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// Ends a staff session.
    async fn revoke_staff_session(&mut self, token_digest: &[u8], at: DateTime<Utc>) -> Result<()>;
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
