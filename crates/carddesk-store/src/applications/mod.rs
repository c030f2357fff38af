//! Storage of virtual-card applications: the repository's part for them
//! ([`ApplicationStore`] for reads, [`ApplicationTx`] inside a unit of
//! work, supertraits of [`Store`](crate::Store) and [`Tx`](crate::Tx)) and
//! the SQL both backends share (`application_queries!`, used beside
//! `backend!`, whose transaction type it extends).
//!
//! Every limit is decided in the statement that changes it: the daily
//! submission counters are incremented and read back by one upsert, a
//! product's serial is taken by one, a two-card code is used by an
//! `UPDATE` that compares it, and a card is shown once by an `UPDATE`
//! that only a first caller can make.

use async_trait::async_trait;
use carddesk_domain::application::{Application, ApplicationId, Verdict};
use carddesk_domain::card::{Card, CardId};
use carddesk_domain::customer::CustomerId;
use chrono::{DateTime, Utc};

use crate::Result;
use crate::application_records::{
    ApplicationRecord, MediaKind, MediaRecord, NewApplication, PurgedMedia, VirtualCardRecord,
};

/// Reads of applications, outside a transaction.
#[async_trait]
pub trait ApplicationStore {
    /// An application.
    async fn application(&self, id: ApplicationId) -> Result<Option<ApplicationRecord>>;
    /// The application whose applicant session has this keyed hash.
    async fn application_by_session(&self, digest: &[u8]) -> Result<Option<ApplicationRecord>>;
    /// Interviews waiting for or under review (uploaded, not yet decided),
    /// oldest in the queue first.
    async fn interview_queue(&self, limit: u32) -> Result<Vec<ApplicationRecord>>;
    /// The virtual-card facts of a card, if it was issued virtually.
    async fn virtual_card(&self, card: CardId) -> Result<Option<VirtualCardRecord>>;
    /// The virtual-card facts of a customer's cards, by card.
    async fn virtual_cards_of_customer(
        &self,
        customer: CustomerId,
    ) -> Result<Vec<VirtualCardRecord>>;
    /// The virtual card an application led to.
    async fn virtual_card_of(
        &self,
        application: ApplicationId,
    ) -> Result<Option<VirtualCardRecord>>;
    /// An application's current uploads, by kind.
    async fn application_media(&self, application: ApplicationId) -> Result<Vec<MediaRecord>>;
    /// The current uploads of the applications [`interview_queue`]
    /// (same `limit`) lists, by application then kind: one statement for
    /// the whole queue.
    ///
    /// [`interview_queue`]: ApplicationStore::interview_queue
    async fn interview_queue_media(&self, limit: u32) -> Result<Vec<MediaRecord>>;
    /// A card's transaction password hash (the two-card route checks it).
    async fn card_password_hash(&self, card: CardId) -> Result<Option<String>>;
    /// Open applications whose time ran out by `now`, oldest first.
    async fn due_applications(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<ApplicationId>>;
}

/// Changes to applications, inside a unit of work.
#[async_trait]
pub trait ApplicationTx {
    /// The customer with this document's keyed hash and their cards, each
    /// with whether it has a transaction password (a virtual card has
    /// none, so it cannot prove its holder), read in this transaction (the
    /// transit service's question).
    async fn applicant_cards(
        &mut self,
        id_digest: &[u8],
    ) -> Result<Option<(CustomerId, Vec<(Card, bool)>)>>;
    /// Counts one submission under `key` (`person:…`, `address:…`) for
    /// `day` and returns the count including it, in one statement.
    async fn count_submission(&mut self, key: &str, day: i64) -> Result<u32>;
    /// Stores an application; a person with one open already is a
    /// [`StoreError::Conflict`](crate::StoreError::Conflict).
    async fn insert_application(&mut self, new: &NewApplication) -> Result<ApplicationId>;
    /// An application, locked for the rest of the transaction.
    async fn lock_application(&mut self, id: ApplicationId) -> Result<Option<ApplicationRecord>>;
    /// Writes an application's state, route, customer, attempts, steps and
    /// times.
    async fn save_application(&mut self, application: &Application) -> Result<()>;
    /// Sets the keyed hash of the two-card route's one-time code.
    async fn set_application_code(&mut self, id: ApplicationId, digest: &[u8]) -> Result<()>;
    /// Uses the code: `true` and forgotten if `digest` is the current one,
    /// `false` (nothing changed) otherwise, decided in the statement.
    async fn use_application_code(&mut self, id: ApplicationId, digest: &[u8]) -> Result<bool>;
    /// Records the reviewer's verdict.
    async fn record_verdict(&mut self, id: ApplicationId, verdict: &Verdict) -> Result<()>;
    /// Takes the product's next serial (from 0), in one statement.
    async fn next_product_serial(&mut self, product: &str) -> Result<u64>;
    /// Records a card issued virtually (its `cards` row inserted first).
    async fn insert_virtual_card(&mut self, card: &VirtualCardRecord) -> Result<()>;
    /// Marks a virtual card shown; `false` when it was shown before.
    async fn reveal_virtual_card(&mut self, card: CardId, at: DateTime<Utc>) -> Result<bool>;
    /// Stores an upload as the current one of its kind (an earlier one of
    /// the kind stops being current).
    async fn insert_media(&mut self, media: &MediaRecord) -> Result<i64>;
    /// Retires an application's uploads (a retry asks for new ones).
    async fn retire_media(&mut self, application: ApplicationId) -> Result<()>;
    /// The kinds of an application's current uploads, read in this
    /// transaction (with its own uploads in it).
    async fn current_media_kinds(&mut self, application: ApplicationId) -> Result<Vec<MediaKind>>;
}

/// Forgetting what is kept no longer, inside a unit of work.
#[async_trait]
pub trait RetentionTx {
    /// Deletes every upload row of up to `limit` applications that ended
    /// without a card before `closed_before`; returns each deleted row's
    /// application and hash (the files go once no row names them).
    async fn purge_media_of_closed(
        &mut self,
        closed_before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<PurgedMedia>>;
    /// Whether any upload row (of any application) still has this content.
    async fn media_in_use(&mut self, sha256: &[u8]) -> Result<bool>;
    /// Forgets the daily submission counters of days before `day`; returns
    /// how many.
    async fn purge_quota_before(&mut self, day: i64) -> Result<u64>;
}

mod reads;
mod retention;
mod writes;

pub(crate) use reads::application_reads;
pub(crate) use retention::application_retention;
pub(crate) use writes::application_writes;

/// Implements both traits for one backend (expanded in its module).
macro_rules! application_queries {
    (store = $store:ident, tx = $tx:ident, db = $db:ty, lock_row = $lock:literal $(,)?) => {
        crate::applications::application_reads! { store = $store, db = $db }
        crate::applications::application_writes! { tx = $tx, db = $db, lock_row = $lock }
        crate::applications::application_retention! { tx = $tx }
    };
}
pub(crate) use application_queries;
