//! CardDesk's backend module, the processor: the use cases of remote
//! unfreeze, run in-process in the console or behind the HTTP server.
//!
//! It owns what must be right whichever transport calls it:
//! - the steps of the job (look up, mark, package, instruct, request,
//!   challenge, verify, approve, unfreeze), each moving a case through the
//!   domain's state machine and writing its audit entry in the same
//!   transaction ([`Processor`]);
//! - the protection of secrets ([`keyring`]: AEAD sealing and keyed hashes
//!   under keys derived from one master key kept outside the database;
//!   [`passwords`]: Argon2id);
//! - the instructions outbox, written in the transaction that asks for it
//!   ([`instructions`]);
//! - the [`events`] stream that tells watchers what changed.
//!
//! Secrets in clear live only in memory, wrapped in `secrecy` types, and are
//! never logged, returned in errors or stored.
#![deny(missing_docs)]

pub mod applications;
pub mod audit_anchor;
mod audit_writer;
pub mod clock;
pub mod delivery;
pub mod desk;
pub mod enrol;
mod error;
pub mod events;
pub mod hashing;
pub mod instructions;
pub mod keyfile;
pub mod keyring;
pub mod passwords;
pub mod search;
pub mod session_memo;
mod sign_outs;
pub mod staff;
pub mod tally;
mod unfreeze;

use std::sync::Arc;

use carddesk_domain::{Actor, PolicyLimits, UnfreezePolicy};
use carddesk_store::{NewAuditEntry, Outcome, Store, Tx};
use chrono::{DateTime, Utc};

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::ProcessorError;
pub use events::{Event, Events};
pub use instructions::Channels;
pub use keyring::{Keyring, Purpose};
pub use unfreeze::*;

/// Shorthand for processor results.
pub type Result<T, E = ProcessorError> = std::result::Result<T, E>;

/// Settings of the processor.
#[derive(Debug, Clone)]
pub struct ProcessorConfig {
    /// Attempt limits and code lifetime.
    pub limits: PolicyLimits,
    /// The base URL of the customer's pages, put in instructions' links.
    pub link_base: String,
    /// Where checkpoints of the audit chain's head are appended, outside
    /// the database (see [`audit_anchor`]); verifying the chain checks
    /// against the latest. `None`: no anchor (the offline demo).
    pub audit_anchor: Option<std::path::PathBuf>,
    /// The limits on virtual-card applications.
    pub applications: carddesk_domain::application::ApplicationLimits,
    /// Where interview uploads are kept, and their limits.
    pub media: applications::MediaSettings,
}

impl Default for ProcessorConfig {
    fn default() -> Self {
        Self {
            limits: PolicyLimits::default(),
            link_base: "http://127.0.0.1:8080".to_owned(),
            audit_anchor: None,
            applications: Default::default(),
            media: Default::default(),
        }
    }
}

/// The processor: the use cases over one store. Cheap to clone (one
/// reference count): every request's desk holds a clone.
#[derive(Debug, Clone)]
pub struct Processor {
    inner: Arc<Inner>,
}

/// What every clone of a [`Processor`] shares.
#[derive(Debug)]
struct Inner {
    store: Arc<dyn Store>,
    keys: Arc<Keyring>,
    policy: UnfreezePolicy,
    config: ProcessorConfig,
    clock: Arc<dyn Clock>,
    events: Events,
    /// The Argon2id budgets, staff's apart from customers'.
    hashing: hashing::Hashing,
    /// Sign-outs, told to the memo and to the sessions' event streams, in
    /// this process and the others sharing the database.
    sign_outs: sign_outs::SignOuts,
    /// Staff sessions the store confirmed a moment ago (shared with
    /// `sign_outs`, which hears other processes' sign-outs).
    sessions: Arc<session_memo::SessionMemo>,
    /// Entries that stand alone, appended together.
    audit_writer: audit_writer::AuditWriter,
}

impl Processor {
    /// A processor over `store`. The policy table is read from the store;
    /// a store without one gets the bank's default table saved first.
    pub async fn new(
        store: Arc<dyn Store>,
        keys: Arc<Keyring>,
        config: ProcessorConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let stored = store.policy().await?;
        let policy = if stored.is_empty() {
            let policy = UnfreezePolicy::default();
            let mut tx = store.begin().await?;
            tx.save_policy(policy.rules()).await?;
            append_audit(
                tx.as_mut(),
                &Actor::System,
                clock.now(),
                "policy.saved",
                "policy",
                "system",
                Outcome::Success,
                "default unfreeze policy table".to_owned(),
            )
            .await?;
            tx.commit().await?;
            policy
        } else {
            UnfreezePolicy::new(stored)
                .map_err(|e| ProcessorError::Config(format!("stored policy: {e}")))?
        };
        let sessions = Arc::new(session_memo::SessionMemo::default());
        let sign_outs = sign_outs::SignOuts::new(sessions.clone(), clock.clone());
        let mut events = Events::new(1024);
        if let Some(incoming) = store.listen().await? {
            events.relay_through(store.clone(), incoming, sign_outs.clone());
        }
        let audit_writer = audit_writer::AuditWriter::start(store.clone());
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                keys,
                policy,
                config,
                clock,
                events,
                hashing: hashing::Hashing::new(),
                sign_outs,
                sessions,
                audit_writer,
            }),
        })
    }

    /// The store underneath (for reads the use cases do not wrap).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The keyring.
    pub fn keys(&self) -> &Keyring {
        &self.inner.keys
    }

    /// The unfreeze policy in force.
    pub fn policy(&self) -> &UnfreezePolicy {
        &self.inner.policy
    }

    /// The configuration.
    pub fn config(&self) -> &ProcessorConfig {
        &self.inner.config
    }

    /// Credential checks in line for the hashing threads, running or
    /// waiting: (staff sign-ins, customers' verifications).
    pub fn hashing_in_line(&self) -> (usize, usize) {
        self.inner.hashing.in_line()
    }

    /// The event stream.
    pub fn events(&self) -> &Events {
        &self.inner.events
    }

    /// Now, by the processor's clock (a manual one in tests).
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// Appends one audit entry, now, apart from any change (a refusal, a
    /// read, a rendering), and returns once it is committed: in one
    /// transaction with the other such entries waiting (see
    /// `audit_writer`).
    pub(crate) async fn audit_alone(
        &self,
        actor: &Actor,
        action: &str,
        object: &str,
        origin: &str,
        outcome: Outcome,
        detail: String,
    ) -> Result<()> {
        let entry = audit_entry(actor, self.now(), action, object, origin, outcome, detail);
        self.inner.audit_writer.append(entry).await
    }
}

/// An audit entry of PCI DSS 10.2.2's fields.
#[allow(clippy::too_many_arguments)] // Each is one of those fields.
fn audit_entry(
    actor: &Actor,
    at: DateTime<Utc>,
    action: &str,
    object: &str,
    origin: &str,
    outcome: Outcome,
    detail: String,
) -> NewAuditEntry {
    NewAuditEntry {
        at,
        actor: actor.label(),
        action: action.to_owned(),
        object: object.to_owned(),
        origin: origin.to_owned(),
        outcome,
        detail,
    }
}

/// Appends one audit entry inside a transaction.
#[allow(clippy::too_many_arguments)] // Each is one of PCI DSS 10.2.2's fields.
pub(crate) async fn append_audit(
    tx: &mut dyn Tx,
    actor: &Actor,
    at: DateTime<Utc>,
    action: &str,
    object: &str,
    origin: &str,
    outcome: Outcome,
    detail: String,
) -> Result<()> {
    let entry = audit_entry(actor, at, action, object, origin, outcome, detail);
    Ok(tx.append_audit(&entry).await?)
}
