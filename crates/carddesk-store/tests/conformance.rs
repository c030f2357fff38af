//! The store's conformance suite.
//!
//! Every repository test is written once, as a generic `async fn` over the
//! interface (`&dyn Store`), or over [`Backend`] when it must reach past the
//! interface to the raw database (to play an attacker who can write SQL, or
//! to set a column the interface does not). `conformance!` then generates
//! one `#[sqlx::test]` per backend for each: `sqlite::<name>` and
//! `postgres::<name>`, each on a fresh database that the store migrates
//! itself (`migrations = false`).
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`
//! (`#[sqlx::test]` creates a database per test on that server); SQLite
//! needs nothing.
//!
//! The store never sees a secret in clear, so digests and sealed values here
//! are arbitrary bytes (with a NUL and a 0xFF, to catch text handling of
//! binary columns) and the password hash is a well-formed but fake PHC
//! string. Timestamps have microsecond precision: the store keeps
//! microseconds, and every round trip below must be exact.

use std::sync::Arc;

use carddesk_domain::card::CardTransition;
use carddesk_domain::case::{CaseId, UnfreezeCase};
use carddesk_domain::customer::{DocumentKind, PhoneNumber};
use carddesk_domain::{
    Actor, Card, CardId, CardStatus, CaseState, Credential, Customer, CustomerId, FreezeReason,
    PolicyLimits, PolicyRule, Role, StaffMember, UnfreezePolicy,
};
use carddesk_store::{
    AuditKey, AuditRecord, CardSecrets, CaseFilter, CaseKey, CaseRecord, ChainReport, CustomerCase,
    CustomerSecrets, GENESIS, NewAuditEntry, NewCard, NewCustomer, NewOutboxMessage, OutboxChannel,
    OutboxDelivery, OutboxMessage, OutboxSettlement, OutboxSubject, Outcome, Package, PgStore,
    SqliteStore, Store, StoreError,
};
use chrono::{DateTime, Duration, Utc};
use sqlx::{PgPool, SqlitePool};

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// The audit key every test store uses.
const KEY: [u8; 32] = *b"carddesk conformance audit key..";

fn test_key() -> AuditKey {
    AuditKey::new(KEY)
}

/// The raw pool under a store, for what the interface does not offer.
#[derive(Debug, Clone)]
enum RawPool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A store under test and the raw database beneath it.
#[derive(Debug)]
struct Backend {
    store: Arc<dyn Store>,
    raw: RawPool,
}

impl Backend {
    async fn sqlite(pool: SqlitePool) -> Self {
        let store = SqliteStore::from_pool(pool, test_key())
            .await
            .expect("SQLite migrations apply");
        Self {
            raw: RawPool::Sqlite(store.pool().clone()),
            store: Arc::new(store),
        }
    }

    async fn postgres(pool: PgPool) -> Self {
        let store = PgStore::from_pool(pool, test_key())
            .await
            .expect("PostgreSQL migrations apply");
        Self {
            raw: RawPool::Postgres(store.pool().clone()),
            store: Arc::new(store),
        }
    }

    /// Runs raw SQL (one or more statements) on the database, bypassing the
    /// store, and returns the rows affected.
    async fn exec(&self, sql: &str) -> Result<u64, sqlx::Error> {
        match &self.raw {
            RawPool::Sqlite(pool) => sqlx::raw_sql(sql)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
            RawPool::Postgres(pool) => sqlx::raw_sql(sql)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
        }
    }

    /// The same database behind a store holding another audit key.
    async fn with_key(&self, key: AuditKey) -> Arc<dyn Store> {
        match &self.raw {
            RawPool::Sqlite(pool) => Arc::new(
                SqliteStore::from_pool(pool.clone(), key)
                    .await
                    .expect("reopen"),
            ),
            RawPool::Postgres(pool) => {
                Arc::new(PgStore::from_pool(pool.clone(), key).await.expect("reopen"))
            }
        }
    }

    /// What an attacker with database access does first: removes the
    /// triggers that keep the audit log append-only.
    async fn drop_audit_triggers(&self) {
        let sql = match self.raw {
            RawPool::Sqlite(_) => {
                "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; \
                 DROP TRIGGER audit_log_no_replace;"
            }
            RawPool::Postgres(_) => {
                "DROP TRIGGER audit_log_no_update ON audit_log; \
                 DROP TRIGGER audit_log_no_truncate ON audit_log;"
            }
        };
        self.exec(sql).await.expect("drop the audit triggers");
    }
}

/// What a generic test takes: the interface alone, or the whole backend.
trait FromBackend<'a> {
    fn from_backend(backend: &'a Backend) -> Self;
}

impl<'a> FromBackend<'a> for &'a dyn Store {
    fn from_backend(backend: &'a Backend) -> Self {
        backend.store.as_ref()
    }
}

impl<'a> FromBackend<'a> for &'a Backend {
    fn from_backend(backend: &'a Backend) -> Self {
        backend
    }
}

/// For each generic test, one `#[sqlx::test]` per backend:
/// `sqlite::<name>` and `postgres::<name>`.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            use super::{Backend, FromBackend};
            $(
                #[sqlx::test(migrations = false)]
                async fn $name(pool: sqlx::SqlitePool) {
                    let backend = Backend::sqlite(pool).await;
                    super::$name(FromBackend::from_backend(&backend)).await;
                }
            )*
        }

        mod postgres {
            use super::{Backend, FromBackend};
            $(
                #[sqlx::test(migrations = false)]
                async fn $name(pool: sqlx::PgPool) {
                    let backend = Backend::postgres(pool).await;
                    super::$name(FromBackend::from_backend(&backend)).await;
                }
            )*
        }
    };
}

conformance! {
    customers_insert_and_read,
    customers_lookup_by_id_digest_and_phone,
    customers_duplicate_id_digest_is_conflict,
    cards_round_trip_every_status,
    cards_of_customer_in_id_order,
    cards_by_pan_digest_and_secrets,
    cards_duplicate_pan_digest_is_conflict,
    card_status_change_writes_history,
    bulk_inserts_then_sync_sequences,
    cases_insert_lock_save_round_trip,
    cases_one_open_per_card,
    case_codes_and_sessions,
    customer_case_locked_by_code_or_session,
    customer_case_lock_misses_a_code_a_resend_replaced,
    cases_filtered_and_paginated,
    customer_overview_reads_what_the_view_shows,
    packages_round_trip,
    outbox_listing_and_idempotency,
    outbox_claim_lease_and_settle,
    outbox_concurrent_claims_are_disjoint,
    credential_failures_counted_since,
    policy_round_trip,
    dropped_tx_leaves_nothing,
    failed_tx_does_not_block_the_next,
    audit_chain_appends_and_links,
    audit_chain_verified_across_pages,
    audit_log_refuses_update_and_delete,
    audit_tampered_detail_is_detected,
    audit_deleted_entry_is_detected,
    audit_forged_entry_is_detected,
    audit_other_key_breaks_at_first_entry,
    audit_concurrent_appends_stay_gap_free,
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/// A fixed moment, with microseconds, plus an offset in microseconds.
fn at(offset_micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(1_750_000_000_123_457 + offset_micros).expect("in range")
}

fn minutes(n: i64) -> i64 {
    n * 60 * 1_000_000
}

/// Arbitrary binary bytes standing in for a keyed hash or a ciphertext.
fn bytes(label: &str, n: u32) -> Vec<u8> {
    let mut v = vec![0x00, 0xff];
    v.extend_from_slice(label.as_bytes());
    v.extend_from_slice(&n.to_be_bytes());
    v
}

const FAKE_PHC: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$ZmFrZWhhc2hmYWtlaGFzaGZha2VoYXNo";

fn new_customer(n: u32) -> NewCustomer {
    NewCustomer {
        name: format!("客户 {n}"),
        document_kind: if n.is_multiple_of(2) {
            DocumentKind::ResidentId
        } else {
            DocumentKind::Passport
        },
        document_masked: format!("110***********{:04}", n % 10_000),
        id_digest: bytes("id-digest", n),
        id_sealed: bytes("id-sealed", n),
        phone: format!("+86138{:08}", n),
        language: if n.is_multiple_of(2) { "zh-CN" } else { "en" }.to_owned(),
    }
}

fn customer_of(id: CustomerId, c: &NewCustomer) -> Customer {
    Customer {
        id,
        name: c.name.clone(),
        document_kind: c.document_kind,
        document_masked: c.document_masked.clone(),
        phone: PhoneNumber::parse(&c.phone).expect("fixture phone"),
        language: c.language.clone(),
    }
}

fn new_card(customer: CustomerId, n: u32, status: CardStatus) -> NewCard {
    NewCard {
        customer_id: customer,
        bin: "622848".to_owned(),
        last_four: format!("{:04}", n % 10_000),
        pan_length: if n.is_multiple_of(2) { 16 } else { 19 },
        product: format!("Great Wall Debit {n}"),
        pan_digest: bytes("pan-digest", n),
        pan_sealed: bytes("pan-sealed", n),
        password_hash: format!("{FAKE_PHC}{n}"),
        status,
    }
}

fn card_of(id: CardId, c: &NewCard) -> Card {
    Card {
        id,
        customer_id: c.customer_id,
        bin: c.bin.clone(),
        last_four: c.last_four.clone(),
        pan_length: c.pan_length,
        product: c.product.clone(),
        status: c.status,
    }
}

fn frozen(reason: FreezeReason, since: DateTime<Utc>) -> CardStatus {
    CardStatus::Frozen { reason, since }
}

fn staff(username: &str, role: Role) -> StaffMember {
    StaffMember {
        username: username.to_owned(),
        role,
    }
}

fn audit_entry(n: u32, object: &str) -> NewAuditEntry {
    NewAuditEntry {
        at: at(i64::from(n) * 1_001),
        actor: "agent:li".to_owned(),
        action: "case.packaged".to_owned(),
        object: object.to_owned(),
        origin: "console".to_owned(),
        outcome: [Outcome::Success, Outcome::Failure, Outcome::Refused][n as usize % 3],
        detail: format!("第 {n} 步: step {n}"),
    }
}

/// Inserts a customer and commits.
async fn add_customer(store: &dyn Store, n: u32) -> (CustomerId, NewCustomer) {
    let c = new_customer(n);
    let mut tx = store.begin().await.expect("begin");
    let id = tx.insert_customer(&c).await.expect("insert customer");
    tx.commit().await.expect("commit");
    (id, c)
}

/// Inserts a card of `customer` and commits.
async fn add_card(store: &dyn Store, customer: CustomerId, n: u32, status: CardStatus) -> Card {
    let c = new_card(customer, n, status);
    let mut tx = store.begin().await.expect("begin");
    let id = tx.insert_card(&c).await.expect("insert card");
    tx.commit().await.expect("commit");
    card_of(id, &c)
}

/// A customer with one card frozen for `reason`.
async fn frozen_card(store: &dyn Store, n: u32, reason: FreezeReason) -> Card {
    let (customer, _) = add_customer(store, n).await;
    add_card(store, customer, n, frozen(reason, at(-minutes(60)))).await
}

/// A case opened on `card` (which must be frozen for a remote reason).
fn open_case(card: &Card, by: &StaffMember, now: DateTime<Utc>) -> UnfreezeCase {
    let CardStatus::Frozen { reason, .. } = card.status else {
        panic!("fixture card must be frozen");
    };
    UnfreezeCase::open(card, UnfreezePolicy::default().rule(reason), by, now).expect("open case")
}

/// Inserts a case and commits; returns it with its id.
async fn add_case(store: &dyn Store, case: &UnfreezeCase) -> UnfreezeCase {
    let mut tx = store.begin().await.expect("begin");
    let id = tx.insert_case(case).await.expect("insert case");
    tx.commit().await.expect("commit");
    UnfreezeCase { id, ..case.clone() }
}

/// Stores a package asking for both credentials for `case` on `card` and
/// commits; returns it.
async fn add_package(
    store: &dyn Store,
    case: &UnfreezeCase,
    card: &Card,
    created_at: DateTime<Utc>,
) -> Package {
    let package = Package {
        case_id: case.id,
        card_id: card.id,
        pan_sealed: bytes("pan-sealed", 1),
        id_digest: bytes("id-digest", 1),
        id_sealed: bytes("id-sealed", 1),
        password_hash: FAKE_PHC.to_owned(),
        credentials: vec![Credential::IdNumber, Credential::TransactionPassword],
        created_at,
    };
    let mut tx = store.begin().await.expect("begin");
    tx.insert_package(&package).await.expect("insert package");
    tx.commit().await.expect("commit");
    package
}

/// Writes a case's state and commits.
async fn save(store: &dyn Store, case: &UnfreezeCase) {
    let mut tx = store.begin().await.expect("begin");
    tx.save_case(case).await.expect("save case");
    tx.commit().await.expect("commit");
}

/// Appends entries in one transaction and returns the sequence numbers
/// they were given (the chain's last ones once it commits).
async fn append(store: &dyn Store, entries: &[NewAuditEntry]) -> Vec<i64> {
    let mut tx = store.begin().await.expect("begin");
    for e in entries {
        tx.append_audit(e).await.expect("append audit");
    }
    tx.commit().await.expect("commit");
    let all = all_audit(store).await;
    all[all.len() - entries.len()..]
        .iter()
        .map(|r| r.seq)
        .collect()
}

async fn all_audit(store: &dyn Store) -> Vec<AuditRecord> {
    store
        .audit_entries(None, 0, 10_000)
        .await
        .expect("audit entries")
}

// ---------------------------------------------------------------------------
// Customers
// ---------------------------------------------------------------------------

async fn customers_insert_and_read(store: &dyn Store) {
    assert_eq!(store.customer(CustomerId(1)).await.expect("read"), None);
    assert_eq!(store.counts().await.expect("counts"), (0, 0));

    let (id1, c1) = add_customer(store, 1).await;
    let (id2, c2) = add_customer(store, 2).await;
    assert_ne!(id1, id2);

    assert_eq!(
        store.customer(id1).await.expect("read"),
        Some(customer_of(id1, &c1))
    );
    assert_eq!(
        store.customer(id2).await.expect("read"),
        Some(customer_of(id2, &c2))
    );
    let secrets = CustomerSecrets {
        id_digest: c1.id_digest.clone(),
        id_sealed: c1.id_sealed.clone(),
        language: c1.language.clone(),
    };
    assert_eq!(
        store.customer_secrets(id1).await.expect("secrets"),
        Some(secrets.clone())
    );
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.customer_secrets(id1).await.expect("secrets in tx"),
        Some(secrets)
    );
    assert_eq!(
        tx.customer_secrets(CustomerId(id2.0 + 100))
            .await
            .expect("secrets in tx"),
        None
    );
    drop(tx);
    assert_eq!(
        store
            .customer_secrets(CustomerId(id2.0 + 100))
            .await
            .expect("secrets"),
        None
    );
    assert_eq!(store.counts().await.expect("counts"), (2, 0));
}

async fn customers_lookup_by_id_digest_and_phone(store: &dyn Store) {
    let (id1, c1) = add_customer(store, 1).await;
    // Two customers sharing a phone (a family line), and one apart.
    let mut c2 = new_customer(2);
    c2.phone = c1.phone.clone();
    let mut tx = store.begin().await.expect("begin");
    let id2 = tx.insert_customer(&c2).await.expect("insert");
    tx.commit().await.expect("commit");
    let (id3, c3) = add_customer(store, 3).await;

    assert_eq!(
        store
            .customer_by_id_digest(&c2.id_digest)
            .await
            .expect("by digest"),
        Some(customer_of(id2, &c2))
    );
    assert_eq!(
        store
            .customer_by_id_digest(&c3.id_digest)
            .await
            .expect("by digest"),
        Some(customer_of(id3, &c3))
    );
    assert_eq!(
        store
            .customer_by_id_digest(&bytes("id-digest", 99))
            .await
            .expect("by digest"),
        None
    );
    // A prefix of a digest is not the digest.
    assert_eq!(
        store
            .customer_by_id_digest(&c1.id_digest[..c1.id_digest.len() - 1])
            .await
            .expect("by digest"),
        None
    );

    assert_eq!(
        store.customers_by_phone(&c1.phone).await.expect("by phone"),
        vec![customer_of(id1, &c1), customer_of(id2, &c2)]
    );
    assert_eq!(
        store.customers_by_phone(&c3.phone).await.expect("by phone"),
        vec![customer_of(id3, &c3)]
    );
    assert_eq!(
        store
            .customers_by_phone("+8613999999999")
            .await
            .expect("by phone"),
        Vec::new()
    );
}

async fn customers_duplicate_id_digest_is_conflict(store: &dyn Store) {
    let (id1, c1) = add_customer(store, 1).await;
    let mut dup = new_customer(2);
    dup.id_digest = c1.id_digest.clone();

    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .insert_customer(&dup)
        .await
        .expect_err("duplicate digest");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);

    // Nothing changed, and the store still takes writes.
    assert_eq!(store.counts().await.expect("counts"), (1, 0));
    assert_eq!(
        store
            .customer_by_id_digest(&c1.id_digest)
            .await
            .expect("read"),
        Some(customer_of(id1, &c1))
    );
    add_customer(store, 3).await;
}

// ---------------------------------------------------------------------------
// Cards
// ---------------------------------------------------------------------------

/// Every status a card can have, frozen ones with every reason and each
/// with its own `since` (one before 1970, to catch unsigned handling).
fn every_status() -> Vec<CardStatus> {
    let mut statuses = vec![CardStatus::Active];
    for (i, reason) in FreezeReason::ALL.into_iter().enumerate() {
        let i = i64::try_from(i).expect("small");
        statuses.push(frozen(reason, at(-minutes(600) + i * 7_654_321 + 1)));
    }
    statuses.push(frozen(
        FreezeReason::Dormant,
        DateTime::from_timestamp_micros(-86_400_000_001).expect("in range"),
    ));
    statuses.extend([CardStatus::Lost, CardStatus::Stolen, CardStatus::Closed]);
    statuses
}

async fn cards_round_trip_every_status(store: &dyn Store) {
    let (customer, _) = add_customer(store, 1).await;
    let mut tx = store.begin().await.expect("begin");
    let mut expected = Vec::new();
    for (n, status) in (10..).zip(every_status()) {
        let c = new_card(customer, n, status);
        let id = tx.insert_card(&c).await.expect("insert card");
        expected.push(card_of(id, &c));
    }
    tx.commit().await.expect("commit");

    for card in &expected {
        assert_eq!(store.card(card.id).await.expect("read"), Some(card.clone()));
    }
    let mut tx = store.begin().await.expect("begin");
    for card in &expected {
        assert_eq!(
            tx.lock_card(card.id).await.expect("lock"),
            Some(card.clone())
        );
    }
    assert_eq!(tx.lock_card(CardId(9_999)).await.expect("lock"), None);
    drop(tx);
    assert_eq!(store.card(CardId(9_999)).await.expect("read"), None);
    assert_eq!(
        store.counts().await.expect("counts"),
        (1, i64::try_from(expected.len()).expect("small"))
    );
}

async fn cards_of_customer_in_id_order(store: &dyn Store) {
    let (a, _) = add_customer(store, 1).await;
    let (b, _) = add_customer(store, 2).await;
    // Interleave the two customers' cards so that id order is not insertion
    // order per customer by accident.
    let a1 = add_card(store, a, 1, CardStatus::Active).await;
    let b1 = add_card(store, b, 2, CardStatus::Lost).await;
    let a2 = add_card(store, a, 3, frozen(FreezeReason::RiskReview, at(5))).await;
    let a3 = add_card(store, a, 4, CardStatus::Closed).await;
    assert!(a1.id < a2.id && a2.id < a3.id);

    assert_eq!(
        store.cards_of_customer(a).await.expect("cards"),
        vec![a1, a2, a3]
    );
    assert_eq!(store.cards_of_customer(b).await.expect("cards"), vec![b1]);
    let (c, _) = add_customer(store, 3).await;
    assert_eq!(store.cards_of_customer(c).await.expect("cards"), Vec::new());
}

async fn cards_by_pan_digest_and_secrets(store: &dyn Store) {
    let (customer, holder) = add_customer(store, 1).await;
    let n1 = new_card(customer, 1, CardStatus::Active);
    let n2 = new_card(customer, 2, frozen(FreezeReason::WrongPinLimit, at(0)));
    let mut tx = store.begin().await.expect("begin");
    let id1 = tx.insert_card(&n1).await.expect("insert");
    let id2 = tx.insert_card(&n2).await.expect("insert");
    tx.commit().await.expect("commit");

    for card in [id1, id2] {
        assert_eq!(
            store.customer_of_card(card).await.expect("holder"),
            Some(customer_of(customer, &holder))
        );
    }
    assert_eq!(
        store
            .customer_of_card(CardId(id2.0 + 50))
            .await
            .expect("holder"),
        None
    );

    assert_eq!(
        store
            .card_by_pan_digest(&n2.pan_digest)
            .await
            .expect("by pan"),
        Some(card_of(id2, &n2))
    );
    assert_eq!(
        store
            .card_by_pan_digest(&n1.pan_digest)
            .await
            .expect("by pan"),
        Some(card_of(id1, &n1))
    );
    assert_eq!(
        store
            .card_by_pan_digest(&bytes("pan-digest", 77))
            .await
            .expect("by pan"),
        None
    );

    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.card_secrets(id1).await.expect("secrets"),
        Some(CardSecrets {
            pan_sealed: n1.pan_sealed.clone(),
            password_hash: n1.password_hash.clone(),
        })
    );
    assert_eq!(
        tx.card_secrets(id2).await.expect("secrets"),
        Some(CardSecrets {
            pan_sealed: n2.pan_sealed.clone(),
            password_hash: n2.password_hash.clone(),
        })
    );
    assert_eq!(
        tx.card_secrets(CardId(id2.0 + 50)).await.expect("secrets"),
        None
    );
}

async fn cards_duplicate_pan_digest_is_conflict(store: &dyn Store) {
    let (customer, _) = add_customer(store, 1).await;
    let first = add_card(store, customer, 1, CardStatus::Active).await;
    let mut dup = new_card(customer, 2, CardStatus::Active);
    dup.pan_digest = bytes("pan-digest", 1);

    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .insert_card(&dup)
        .await
        .expect_err("duplicate pan digest");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);
    assert_eq!(
        store.cards_of_customer(customer).await.expect("cards"),
        vec![first]
    );
}

async fn card_status_change_writes_history(store: &dyn Store) {
    let (customer, _) = add_customer(store, 1).await;
    let since = at(-minutes(90) + 3);
    let card = add_card(
        store,
        customer,
        1,
        frozen(FreezeReason::WrongPinLimit, since),
    )
    .await;
    let other = add_card(store, customer, 2, CardStatus::Active).await;
    assert_eq!(
        store.card_history(card.id).await.expect("history"),
        Vec::new()
    );

    let agent = Actor::Staff(staff("li", Role::Agent));
    let steps = [
        // The customer unfreezes it remotely…
        (CardStatus::Active, Actor::Customer(customer), at(11)),
        // …an agent freezes it again as dormant…
        (
            frozen(FreezeReason::Dormant, at(minutes(30) + 7)),
            agent.clone(),
            at(minutes(30) + 7),
        ),
        // …and the system closes it.
        (CardStatus::Closed, Actor::System, at(minutes(45) + 999_999)),
    ];
    let mut status = card.status;
    let mut history = Vec::new();
    for (to, actor, when) in steps {
        let t = CardTransition::new(card.id, &status, &to, &actor, when).expect("legal move");
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(
            tx.lock_card(card.id).await.expect("lock").map(|c| c.status),
            Some(status)
        );
        tx.set_card_status(&to, &t).await.expect("set status");
        tx.commit().await.expect("commit");
        history.push(t);
        status = to;
        assert_eq!(
            store.card(card.id).await.expect("read"),
            Some(Card {
                status,
                ..card.clone()
            })
        );
    }

    let read = store.card_history(card.id).await.expect("history");
    assert_eq!(read, history);
    // Spelled out, what the first transition recorded.
    assert_eq!(read[0].from, carddesk_domain::CardStatusKind::Frozen);
    assert_eq!(read[0].to, carddesk_domain::CardStatusKind::Active);
    assert_eq!(read[0].reason, Some(FreezeReason::WrongPinLimit));
    assert_eq!(read[0].channel, carddesk_domain::Channel::Customer);
    assert_eq!(read[0].actor, format!("customer:{}", customer.0));
    assert_eq!(read[0].at, at(11));
    assert_eq!(read[1].actor, "agent:li");
    assert_eq!(read[2].channel, carddesk_domain::Channel::System);

    // The other card's history is its own.
    let to = frozen(FreezeReason::CustomerRequest, at(3));
    let t = CardTransition::new(other.id, &other.status, &to, &agent, at(3)).expect("legal");
    let mut tx = store.begin().await.expect("begin");
    tx.set_card_status(&to, &t).await.expect("set status");
    tx.commit().await.expect("commit");
    assert_eq!(
        store.card_history(other.id).await.expect("history"),
        vec![t]
    );
    assert_eq!(store.card_history(card.id).await.expect("history"), history);
    assert_eq!(
        store.card(other.id).await.expect("read").map(|c| c.status),
        Some(to)
    );
}

// ---------------------------------------------------------------------------
// Bulk inserts (seeding)
// ---------------------------------------------------------------------------

async fn bulk_inserts_then_sync_sequences(store: &dyn Store) {
    // Syncing an empty database is harmless.
    let mut tx = store.begin().await.expect("begin");
    tx.sync_id_sequences().await.expect("sync empty");
    tx.commit().await.expect("commit");

    // More rows than one bulk statement takes, with gaps in the ids.
    let customers: Vec<(CustomerId, NewCustomer)> = (0..2_600_u32)
        .map(|n| (CustomerId(1_000 + 2 * i64::from(n)), new_customer(n)))
        .collect();
    let statuses = every_status();
    let cards: Vec<(CardId, NewCard)> = (0..2_300_u32)
        .map(|n| {
            let owner = customers[n as usize % customers.len()].0;
            let status = statuses[n as usize % statuses.len()];
            (
                CardId(50_000 + 3 * i64::from(n)),
                new_card(owner, n, status),
            )
        })
        .collect();
    let max_customer = customers.last().expect("some").0;
    let max_card = cards.last().expect("some").0;

    let mut tx = store.begin().await.expect("begin");
    tx.insert_customers_bulk(&customers)
        .await
        .expect("bulk customers");
    tx.insert_cards_bulk(&cards).await.expect("bulk cards");
    tx.sync_id_sequences().await.expect("sync");
    tx.commit().await.expect("commit");

    assert_eq!(store.counts().await.expect("counts"), (2_600, 2_300));
    for (id, c) in [&customers[0], &customers[1_234], &customers[2_599]] {
        assert_eq!(
            store.customer(*id).await.expect("read"),
            Some(customer_of(*id, c))
        );
    }
    for (id, c) in [&cards[0], &cards[7], &cards[2_001], &cards[2_299]] {
        assert_eq!(store.card(*id).await.expect("read"), Some(card_of(*id, c)));
    }

    // Plain inserts now get fresh ids past the seeded ones.
    let (fresh_customer, c) = add_customer(store, 9_000).await;
    assert!(fresh_customer > max_customer, "{fresh_customer:?}");
    assert_eq!(
        store.customer(fresh_customer).await.expect("read"),
        Some(customer_of(fresh_customer, &c))
    );
    let fresh_card = add_card(store, fresh_customer, 9_000, CardStatus::Active).await;
    assert!(fresh_card.id > max_card, "{:?}", fresh_card.id);
    assert_eq!(
        store.card(fresh_card.id).await.expect("read"),
        Some(fresh_card.clone())
    );
    let (second, _) = add_customer(store, 9_001).await;
    assert!(second > fresh_customer);
    assert_eq!(store.counts().await.expect("counts"), (2_602, 2_301));
}

// ---------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------

async fn cases_insert_lock_save_round_trip(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::SuspiciousTransaction).await;
    let agent = staff("li", Role::Agent);
    let case = add_case(store, &open_case(&card, &agent, at(1))).await;
    assert!(case.needs_approval);
    assert_eq!(
        case.credentials,
        vec![Credential::IdNumber, Credential::TransactionPassword]
    );

    let record = CaseRecord {
        case: case.clone(),
        code_used_at: None,
        // Nobody reassigned it: it is its opener's.
        assigned_to: "agent:li".to_owned(),
    };
    assert_eq!(
        store.case(case.id).await.expect("read"),
        Some(record.clone())
    );
    assert_eq!(store.case(CaseId(case.id.0 + 9)).await.expect("read"), None);

    // Walk it to its first failed verification, saving at each step.
    let limits = PolicyLimits::default();
    let mut tx = store.begin().await.expect("begin");
    let mut locked = tx.lock_case(case.id).await.expect("lock").expect("exists");
    assert_eq!(locked, record);
    assert_eq!(
        tx.lock_case(CaseId(case.id.0 + 9)).await.expect("lock"),
        None
    );
    locked.case.package(at(minutes(1) + 1)).expect("package");
    locked
        .case
        .instruct(at(minutes(2) + 2), &limits)
        .expect("instruct");
    tx.save_case(&locked.case).await.expect("save");
    tx.commit().await.expect("commit");
    let mut current = locked.case;
    assert_eq!(current.expires_at, Some(at(minutes(17) + 2)));
    assert_eq!(
        store.case(case.id).await.expect("read").map(|r| r.case),
        Some(current.clone())
    );

    current.request(at(minutes(3) + 3)).expect("request");
    current.challenge(at(minutes(4) + 4)).expect("challenge");
    current
        .record_failure(at(minutes(5) + 5), &limits, false)
        .expect("failure");
    save(store, &current).await;
    let read = store.case(case.id).await.expect("read").expect("exists");
    assert_eq!(read.case, current);
    assert_eq!(read.case.state, CaseState::Challenged);
    assert_eq!(read.case.failed_attempts, 1);
    assert_eq!(read.case.updated_at, at(minutes(5) + 5));
    assert_eq!(read.code_used_at, None);

    // An expiry can also be cleared.
    current.expires_at = None;
    save(store, &current).await;
    assert_eq!(
        store.case(case.id).await.expect("read").map(|r| r.case),
        Some(current)
    );
}

async fn cases_one_open_per_card(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::WrongPinLimit).await;
    let other = frozen_card(store, 2, FreezeReason::Dormant).await;
    let li = staff("li", Role::Agent);
    let wang = staff("wang", Role::Agent);
    let mut first = add_case(store, &open_case(&card, &li, at(1))).await;

    // A second agent marking the same card gets a conflict…
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .insert_case(&open_case(&card, &wang, at(2)))
        .await
        .expect_err("second open case");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);
    // …also once the first case has moved on but is still open…
    first.package(at(3)).expect("package");
    save(store, &first).await;
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .insert_case(&open_case(&card, &wang, at(4)))
        .await
        .expect_err("second open case");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);
    // …while another card is not affected.
    add_case(store, &open_case(&other, &wang, at(5))).await;

    // Once the first case is final, the card can have a new one.
    first.cancel(at(6)).expect("cancel");
    save(store, &first).await;
    let second = add_case(store, &open_case(&card, &wang, at(7))).await;
    assert_ne!(second.id, first.id);
    assert_eq!(
        store.case(second.id).await.expect("read").map(|r| r.case),
        Some(second.clone())
    );
    assert_eq!(
        store
            .case(first.id)
            .await
            .expect("read")
            .map(|r| r.case.state),
        Some(CaseState::Cancelled)
    );
    // And that one blocks a third.
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .insert_case(&open_case(&card, &li, at(8)))
        .await
        .expect_err("third open case");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
}

async fn case_codes_and_sessions(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::CustomerRequest).await;
    let other_card = frozen_card(store, 2, FreezeReason::CustomerRequest).await;
    let li = staff("li", Role::Agent);
    let case = add_case(store, &open_case(&card, &li, at(1))).await;
    let other = add_case(store, &open_case(&other_card, &li, at(2))).await;
    let code1 = bytes("code", 1);
    let code2 = bytes("code", 2);
    let session1 = bytes("session", 1);
    let session2 = bytes("session", 2);

    assert_eq!(
        store.case_by_code_digest(&code1).await.expect("by code"),
        None
    );

    let mut tx = store.begin().await.expect("begin");
    tx.set_case_code(case.id, &code1).await.expect("set code");
    tx.set_case_code(other.id, &bytes("code", 99))
        .await
        .expect("set code");
    tx.commit().await.expect("commit");
    let fresh = CaseRecord {
        case: case.clone(),
        code_used_at: None,
        assigned_to: case.opened_by.clone(),
    };
    assert_eq!(
        store.case_by_code_digest(&code1).await.expect("by code"),
        Some(fresh.clone())
    );

    let used_at = at(minutes(3) + 123_456);
    let mut tx = store.begin().await.expect("begin");
    assert!(
        !tx.use_case_code(&case, &code2, &session1, used_at)
            .await
            .expect("use another code"),
        "only the case's own code is accepted"
    );
    assert!(
        tx.use_case_code(&case, &code1, &session1, used_at)
            .await
            .expect("use code")
    );
    assert!(
        !tx.use_case_code(&case, &code1, &session2, used_at)
            .await
            .expect("use code again"),
        "a code is accepted once"
    );
    tx.commit().await.expect("commit");
    let used = CaseRecord {
        case: case.clone(),
        code_used_at: Some(used_at),
        assigned_to: case.opened_by.clone(),
    };
    assert_eq!(
        store
            .case_by_session_digest(&session1)
            .await
            .expect("by session"),
        Some(used.clone())
    );
    assert_eq!(
        store.case_by_code_digest(&code1).await.expect("by code"),
        Some(used.clone())
    );
    assert_eq!(store.case(case.id).await.expect("read"), Some(used));
    assert_eq!(
        store
            .case_by_session_digest(&session2)
            .await
            .expect("by session"),
        None
    );

    // A new code forgets the old code, its use and its session.
    let mut tx = store.begin().await.expect("begin");
    tx.set_case_code(case.id, &code2).await.expect("new code");
    tx.commit().await.expect("commit");
    assert_eq!(
        store.case_by_code_digest(&code1).await.expect("by code"),
        None
    );
    assert_eq!(
        store
            .case_by_session_digest(&session1)
            .await
            .expect("by session"),
        None
    );
    assert_eq!(
        store.case_by_code_digest(&code2).await.expect("by code"),
        Some(fresh.clone())
    );
    assert_eq!(store.case(case.id).await.expect("read"), Some(fresh));

    // A code digest belongs to one case only.
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .set_case_code(other.id, &code2)
        .await
        .expect_err("code digest reused");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);
    assert_eq!(
        store
            .case_by_code_digest(&bytes("code", 99))
            .await
            .expect("by code"),
        Some(CaseRecord {
            assigned_to: other.opened_by.clone(),
            case: other,
            code_used_at: None,
        })
    );
}

/// What a customer's step reads: the case locked by the code or session,
/// with the card's last four and the document kind, in one statement; the
/// code spent and the case moved in one write; the case and its package by
/// the session.
async fn customer_case_locked_by_code_or_session(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::CustomerRequest).await;
    let case = add_case(store, &open_case(&card, &staff("li", Role::Agent), at(1))).await;
    let (code, session) = (bytes("code", 1), bytes("session", 1));
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.lock_customer_case(CaseKey::Code(&code))
            .await
            .expect("lock"),
        None,
        "no code set yet"
    );
    tx.set_case_code(case.id, &code).await.expect("set code");
    tx.commit().await.expect("commit");

    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.lock_customer_case(CaseKey::Code(&code))
            .await
            .expect("lock"),
        Some(CustomerCase {
            record: CaseRecord {
                case: case.clone(),
                code_used_at: None,
                assigned_to: case.opened_by.clone(),
            },
            card_last_four: card.last_four.clone(),
            // Customer 1 of the fixtures holds a passport.
            document_kind: DocumentKind::Passport,
        })
    );
    assert_eq!(
        tx.lock_customer_case(CaseKey::Session(&session))
            .await
            .expect("lock"),
        None,
        "no session before the code is used"
    );
    let requested = UnfreezeCase {
        state: CaseState::Requested,
        updated_at: at(minutes(3)),
        ..case.clone()
    };
    assert!(
        tx.use_case_code(&requested, &code, &session, at(minutes(3)))
            .await
            .expect("use code")
    );
    tx.commit().await.expect("commit");
    let opened = CaseRecord {
        case: requested,
        code_used_at: Some(at(minutes(3))),
        assigned_to: case.opened_by.clone(),
    };
    assert_eq!(
        store.case(case.id).await.expect("read"),
        Some(opened.clone()),
        "the code's use and the case's move written together"
    );
    let mut tx = store.begin().await.expect("begin");
    let by_session = tx
        .lock_customer_case(CaseKey::Session(&session))
        .await
        .expect("lock")
        .expect("the session opens it");
    assert_eq!(by_session.record, opened);
    drop(tx);

    assert_eq!(
        store
            .case_and_package_by_session(&session)
            .await
            .expect("read"),
        Some((opened.clone(), None)),
        "not packaged"
    );
    let package = add_package(store, &case, &card, at(minutes(2) + 17)).await;
    assert_eq!(
        store
            .case_and_package_by_session(&session)
            .await
            .expect("read"),
        Some((opened, Some(package)))
    );
    assert_eq!(
        store
            .case_and_package_by_session(&bytes("session", 2))
            .await
            .expect("read"),
        None
    );
}

/// A customer's request that reaches the case while a resend is replacing
/// its code waits for the resend, then finds nothing by the old code.
async fn customer_case_lock_misses_a_code_a_resend_replaced(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::CustomerRequest).await;
    let case = add_case(store, &open_case(&card, &staff("li", Role::Agent), at(1))).await;
    let (old, new) = (bytes("code", 1), bytes("code", 2));
    let mut tx = store.begin().await.expect("begin");
    tx.set_case_code(case.id, &old).await.expect("set code");
    tx.commit().await.expect("commit");

    let mut resend = store.begin().await.expect("begin");
    resend.set_case_code(case.id, &new).await.expect("new code");
    let request = async {
        let mut tx = store.begin().await.expect("begin");
        tx.lock_customer_case(CaseKey::Code(&old))
            .await
            .expect("lock")
    };
    let commit = async {
        // The request is waiting on the case's row (PostgreSQL) or the
        // writer's turn (SQLite) by now.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        resend.commit().await.expect("commit");
    };
    let (found, ()) = tokio::join!(request, commit);
    assert_eq!(found, None, "the replaced code opens nothing");
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.lock_customer_case(CaseKey::Code(&new))
            .await
            .expect("lock")
            .map(|c| c.record.case.id),
        Some(case.id)
    );
}

/// The customer view's read: the customer, their cards (none of another
/// customer's), and their cases not yet final, newest first, up to the
/// limit; a customer without a card has an empty view, an unknown one is
/// `None`.
async fn customer_overview_reads_what_the_view_shows(store: &dyn Store) {
    let li = staff("li", Role::Agent);
    let (id, c) = add_customer(store, 1).await;
    let dormant = add_card(
        store,
        id,
        1,
        frozen(FreezeReason::Dormant, at(-minutes(60))),
    )
    .await;
    let second = add_card(
        store,
        id,
        2,
        frozen(FreezeReason::Dormant, at(-minutes(30))),
    )
    .await;
    let active = add_card(store, id, 3, CardStatus::Active).await;
    let mut ended = add_case(store, &open_case(&dormant, &li, at(1))).await;
    ended.cancel(at(2)).expect("cancel");
    save(store, &ended).await;
    let reopened = add_case(store, &open_case(&dormant, &li, at(3))).await;
    let mut packaged = add_case(store, &open_case(&second, &li, at(4))).await;
    packaged.package(at(5)).expect("package");
    save(store, &packaged).await;
    let elsewhere = frozen_card(store, 9, FreezeReason::Dormant).await;
    add_case(store, &open_case(&elsewhere, &li, at(6))).await;

    // One given to another agent: every field of the records, against the
    // case list.
    let mut tx = store.begin().await.expect("begin");
    tx.assign_case(reopened.id, "agent:wang", at(7))
        .await
        .expect("assign");
    tx.commit().await.expect("commit");

    let found = store
        .customer_overview(id, 50)
        .await
        .expect("read")
        .expect("the customer");
    assert_eq!(found.customer, customer_of(id, &c));
    assert_eq!(found.cards, vec![dormant, second, active]);
    let listed = store
        .cases(&CaseFilter {
            states: CaseState::ALL
                .into_iter()
                .filter(|s| !s.is_final())
                .collect(),
            customers: vec![id],
            limit: 50,
            ..CaseFilter::default()
        })
        .await
        .expect("cases");
    assert_eq!(
        found.open_cases, listed,
        "the same records as the case list"
    );
    assert_eq!(found.open_cases[1].assigned_to, "agent:wang");
    let open: Vec<_> = found.open_cases.iter().map(|r| r.case.id).collect();
    assert_eq!(open, vec![packaged.id, reopened.id], "newest first");
    assert!(found.virtual_cards.is_empty());

    let newest = store
        .customer_overview(id, 1)
        .await
        .expect("read")
        .expect("the customer");
    let open: Vec<_> = newest.open_cases.into_iter().map(|r| r.case).collect();
    assert_eq!(open, vec![packaged]);
    let (bare, b) = add_customer(store, 2).await;
    let cardless = store
        .customer_overview(bare, 50)
        .await
        .expect("read")
        .expect("a customer without a card");
    assert_eq!(cardless.customer, customer_of(bare, &b));
    assert!(cardless.cards.is_empty() && cardless.open_cases.is_empty());
    assert_eq!(
        store
            .customer_overview(CustomerId(id.0 + 1_000), 50)
            .await
            .expect("read"),
        None
    );
}

async fn cases_filtered_and_paginated(store: &dyn Store) {
    let li = staff("li", Role::Agent);
    let wang = staff("wang", Role::Agent);
    let mut cards = Vec::new();
    for n in 1..=4 {
        cards.push(frozen_card(store, n, FreezeReason::Dormant).await);
    }
    let a = add_case(store, &open_case(&cards[0], &li, at(1))).await;
    let mut b = add_case(store, &open_case(&cards[1], &wang, at(2))).await;
    b.package(at(20)).expect("package");
    save(store, &b).await;
    let mut c = add_case(store, &open_case(&cards[2], &li, at(3))).await;
    c.cancel(at(30)).expect("cancel");
    save(store, &c).await;
    let d = add_case(store, &open_case(&cards[2], &li, at(4))).await;
    let e = add_case(store, &open_case(&cards[3], &wang, at(5))).await;
    assert!(a.id < b.id && b.id < c.id && c.id < d.id && d.id < e.id);

    let list = |filter: CaseFilter| async move {
        let records = store.cases(&filter).await.expect("cases");
        records.into_iter().map(|r| r.case).collect::<Vec<_>>()
    };
    let all = CaseFilter {
        limit: 100,
        ..CaseFilter::default()
    };

    assert_eq!(
        list(all.clone()).await,
        vec![e.clone(), d.clone(), c.clone(), b.clone(), a.clone()]
    );
    assert_eq!(
        list(CaseFilter {
            states: vec![CaseState::Marked],
            ..all.clone()
        })
        .await,
        vec![e.clone(), d.clone(), a.clone()]
    );
    assert_eq!(
        list(CaseFilter {
            states: vec![CaseState::Packaged, CaseState::Marked],
            ..all.clone()
        })
        .await,
        vec![e.clone(), d.clone(), b.clone(), a.clone()]
    );
    assert_eq!(
        list(CaseFilter {
            states: vec![CaseState::Unfrozen],
            ..all.clone()
        })
        .await,
        Vec::new()
    );
    assert_eq!(
        list(CaseFilter {
            opened_by: Some("agent:li".to_owned()),
            ..all.clone()
        })
        .await,
        vec![d.clone(), c.clone(), a.clone()]
    );
    assert_eq!(
        list(CaseFilter {
            states: vec![CaseState::Marked],
            opened_by: Some("agent:li".to_owned()),
            ..all.clone()
        })
        .await,
        vec![d.clone(), a.clone()]
    );
    assert_eq!(
        list(CaseFilter {
            opened_by: Some("agent:nobody".to_owned()),
            ..all.clone()
        })
        .await,
        Vec::new()
    );

    // By age: only the cases opened before a moment.
    assert_eq!(
        list(CaseFilter {
            opened_before: Some(at(3)),
            ..all.clone()
        })
        .await,
        vec![b.clone(), a.clone()]
    );

    // Keyset pagination, two at a time, newest first.
    let page = |before_id: Option<i64>| CaseFilter {
        before_id,
        limit: 2,
        ..CaseFilter::default()
    };
    assert_eq!(list(page(None)).await, vec![e.clone(), d.clone()]);
    assert_eq!(list(page(Some(d.id.0))).await, vec![c.clone(), b.clone()]);
    assert_eq!(list(page(Some(b.id.0))).await, vec![a.clone()]);
    assert_eq!(list(page(Some(a.id.0))).await, Vec::new());
    // Pagination combines with the other filters.
    assert_eq!(
        list(CaseFilter {
            states: vec![CaseState::Marked],
            before_id: Some(e.id.0),
            limit: 1,
            ..CaseFilter::default()
        })
        .await,
        vec![d.clone()]
    );
    assert_eq!(
        list(CaseFilter {
            opened_by: Some("agent:wang".to_owned()),
            before_id: Some(e.id.0),
            limit: 10,
            ..CaseFilter::default()
        })
        .await,
        vec![b]
    );
}

// ---------------------------------------------------------------------------
// Packages, outbox, credential failures, policy
// ---------------------------------------------------------------------------

async fn packages_round_trip(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::WrongPinLimit).await;
    let case = add_case(store, &open_case(&card, &staff("li", Role::Agent), at(1))).await;
    assert_eq!(store.package(case.id).await.expect("read"), None);

    let package = add_package(store, &case, &card, at(minutes(1) + 17)).await;
    assert_eq!(
        store.package(case.id).await.expect("read"),
        Some(package.clone())
    );

    // One package per case.
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .insert_package(&Package {
            created_at: at(minutes(2)),
            ..package.clone()
        })
        .await
        .expect_err("second package");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);

    // A package asking for a single credential round-trips too.
    let card2 = frozen_card(store, 2, FreezeReason::Dormant).await;
    let case2 = add_case(store, &open_case(&card2, &staff("li", Role::Agent), at(2))).await;
    let single = Package {
        case_id: case2.id,
        card_id: card2.id,
        credentials: vec![Credential::TransactionPassword],
        ..package.clone()
    };
    let mut tx = store.begin().await.expect("begin");
    tx.insert_package(&single).await.expect("insert package");
    tx.commit().await.expect("commit");
    assert_eq!(store.package(case2.id).await.expect("read"), Some(single));
    assert_eq!(store.package(case.id).await.expect("read"), Some(package));
}

async fn outbox_listing_and_idempotency(backend: &Backend) {
    let store = backend.store.as_ref();
    let card = frozen_card(store, 1, FreezeReason::WrongPinLimit).await;
    let case = add_case(store, &open_case(&card, &staff("li", Role::Agent), at(1))).await;
    let message = |channel, key: &str, n: i64| NewOutboxMessage {
        subject: OutboxSubject::Case(case.id),
        channel,
        recipient: "+8613800000001".to_owned(),
        language: "zh-CN".to_owned(),
        body_sealed: bytes("body", u32::try_from(n).expect("small")),
        idempotency_key: key.to_owned(),
        created_at: at(n * 1_000_003),
    };
    let text = message(OutboxChannel::Text, "case-1-text-1", 1);
    let voice = message(OutboxChannel::Voice, "case-1-voice-1", 2);
    let text2 = message(OutboxChannel::Text, "case-1-text-2", 3);

    assert_eq!(store.outbox(None, 10).await.expect("outbox"), Vec::new());
    let mut tx = store.begin().await.expect("begin");
    let ids = [
        tx.insert_outbox(&text).await.expect("insert"),
        tx.insert_outbox(&voice).await.expect("insert"),
        tx.insert_outbox(&text2).await.expect("insert"),
    ];
    tx.commit().await.expect("commit");
    assert!(ids[0] < ids[1] && ids[1] < ids[2]);

    let pending = |id, message: &NewOutboxMessage| carddesk_store::OutboxMessage {
        id,
        message: message.clone(),
        status: "pending".to_owned(),
        attempts: 0,
    };
    let expected = vec![
        pending(ids[0], &text),
        pending(ids[1], &voice),
        pending(ids[2], &text2),
    ];
    assert_eq!(store.outbox(None, 10).await.expect("outbox"), expected);
    assert_eq!(
        store.outbox(Some("pending"), 10).await.expect("outbox"),
        expected
    );
    assert_eq!(
        store.outbox(Some("pending"), 2).await.expect("outbox"),
        expected[..2]
    );
    assert_eq!(
        store.outbox(Some("sent"), 10).await.expect("outbox"),
        Vec::new()
    );

    // The interface has no delivery update yet: mark one sent by hand to
    // see the status filter select.
    backend
        .exec(&format!(
            "UPDATE outbox SET status = 'sent', attempts = 1 WHERE id = {}",
            ids[1]
        ))
        .await
        .expect("mark sent");
    let sent = carddesk_store::OutboxMessage {
        status: "sent".to_owned(),
        attempts: 1,
        ..expected[1].clone()
    };
    assert_eq!(
        store.outbox(Some("sent"), 10).await.expect("outbox"),
        vec![sent.clone()]
    );
    assert_eq!(
        store.outbox(Some("pending"), 10).await.expect("outbox"),
        vec![expected[0].clone(), expected[2].clone()]
    );
    assert_eq!(
        store.outbox(None, 10).await.expect("outbox"),
        vec![expected[0].clone(), sent, expected[2].clone()]
    );

    // The same idempotency key twice is a conflict, whatever else differs.
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .insert_outbox(&NewOutboxMessage {
            channel: OutboxChannel::Voice,
            body_sealed: bytes("other body", 1),
            ..text.clone()
        })
        .await
        .expect_err("duplicate idempotency key");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);
    assert_eq!(store.outbox(None, 10).await.expect("outbox").len(), 3);
}

/// Queues `n` messages on `case`; returns their ids.
async fn queue(store: &dyn Store, case: CaseId, n: u32) -> Vec<i64> {
    let mut tx = store.begin().await.expect("begin");
    let mut ids = Vec::new();
    for i in 0..n {
        let m = NewOutboxMessage {
            subject: OutboxSubject::Case(case),
            channel: if i % 2 == 0 {
                OutboxChannel::Text
            } else {
                OutboxChannel::Voice
            },
            recipient: "+8613800000001".to_owned(),
            language: "zh-CN".to_owned(),
            body_sealed: bytes("body", i),
            idempotency_key: format!("case-{}-message-{i}", case.0),
            created_at: at(i64::from(i)),
        };
        ids.push(tx.insert_outbox(&m).await.expect("insert"));
    }
    tx.commit().await.expect("commit");
    ids
}

async fn claim(
    store: &dyn Store,
    now: DateTime<Utc>,
    lease: i64,
    claimant: &str,
    limit: u32,
) -> Vec<OutboxMessage> {
    let mut tx = store.begin().await.expect("begin");
    let claimed = tx
        .claim_outbox(now, now + Duration::microseconds(lease), claimant, limit)
        .await
        .expect("claim");
    tx.commit().await.expect("commit");
    claimed
}

async fn settle(store: &dyn Store, id: i64, claimant: &str, s: &OutboxSettlement) -> bool {
    let mut tx = store.begin().await.expect("begin");
    let held = tx.settle_outbox(id, claimant, s).await.expect("settle");
    tx.commit().await.expect("commit");
    held
}

async fn delivery(store: &dyn Store, id: i64) -> OutboxDelivery {
    store
        .outbox_delivery(id)
        .await
        .expect("read")
        .expect("the message exists")
}

async fn outbox_claim_lease_and_settle(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::WrongPinLimit).await;
    let case = add_case(store, &open_case(&card, &staff("li", Role::Agent), at(1))).await;
    let ids = queue(store, case.id, 3).await;
    assert_eq!(store.outbox_delivery(ids[2] + 1).await.expect("read"), None);

    // A new message is due at once and held by no one.
    let fresh = delivery(store, ids[0]).await;
    assert_eq!(fresh.message.status, "pending");
    assert_eq!(fresh.message.attempts, 0);
    assert_eq!(fresh.next_attempt_at, DateTime::UNIX_EPOCH);
    assert_eq!(
        (
            fresh.claimed_until,
            fresh.last_attempt_at,
            fresh.sent_at,
            fresh.last_error_code.clone(),
            fresh.delivered_via.clone()
        ),
        (None, None, None, None, None)
    );

    // Claims take the oldest first, count the attempt, and never hand out
    // a leased message again while its lease runs.
    let t0 = at(minutes(10));
    let lease = minutes(1);
    let first = claim(store, t0, lease, "w1", 2).await;
    assert_eq!(first.iter().map(|m| m.id).collect::<Vec<_>>(), ids[..2]);
    assert!(
        first
            .iter()
            .all(|m| m.attempts == 1 && m.status == "pending")
    );
    let leased = delivery(store, ids[0]).await;
    assert_eq!(
        leased.claimed_until,
        Some(t0 + Duration::microseconds(lease))
    );
    assert_eq!(leased.last_attempt_at, Some(t0));
    let second = claim(store, t0, lease, "w2", 10).await;
    assert_eq!(second.iter().map(|m| m.id).collect::<Vec<_>>(), ids[2..]);
    assert_eq!(
        claim(store, t0 + Duration::seconds(59), lease, "w3", 10).await,
        Vec::new()
    );

    // Only the holder settles.
    let sent = OutboxSettlement::Sent {
        at: t0 + Duration::seconds(2),
        via: "sms-gateway".to_owned(),
    };
    assert!(!settle(store, ids[0], "w2", &sent).await);
    assert_eq!(delivery(store, ids[0]).await, leased);
    assert!(settle(store, ids[0], "w1", &sent).await);
    let done = delivery(store, ids[0]).await;
    assert_eq!(done.message.status, "sent");
    assert_eq!(done.sent_at, Some(t0 + Duration::seconds(2)));
    assert_eq!(done.delivered_via.as_deref(), Some("sms-gateway"));
    assert_eq!(done.claimed_until, None);
    // Settled is settled: the same holder cannot settle it again.
    assert!(
        !settle(
            store,
            ids[0],
            "w1",
            &OutboxSettlement::Failed {
                error_code: "late".to_owned()
            }
        )
        .await
    );
    assert_eq!(delivery(store, ids[0]).await.message.status, "sent");

    // A retry releases the lease and makes the message due later.
    let retry_at = t0 + Duration::minutes(5);
    assert!(
        settle(
            store,
            ids[1],
            "w1",
            &OutboxSettlement::Retry {
                next_attempt_at: retry_at,
                error_code: "http_503".to_owned(),
            }
        )
        .await
    );
    let waiting = delivery(store, ids[1]).await;
    assert_eq!(waiting.message.status, "pending");
    assert_eq!(waiting.next_attempt_at, retry_at);
    assert_eq!(waiting.last_error_code.as_deref(), Some("http_503"));
    assert_eq!(waiting.claimed_until, None);

    // w2's lease runs out unsettled (a worker that died): w3 takes the
    // message over, and w2's late outcome no longer counts.
    let t1 = t0 + Duration::minutes(2);
    let taken_over = claim(store, t1, lease, "w3", 10).await;
    assert_eq!(
        taken_over.iter().map(|m| m.id).collect::<Vec<_>>(),
        [ids[2]]
    );
    assert_eq!(taken_over[0].attempts, 2);
    assert!(!settle(store, ids[2], "w2", &sent).await);
    assert!(
        settle(
            store,
            ids[2],
            "w3",
            &OutboxSettlement::Failed {
                error_code: "http_400".to_owned()
            }
        )
        .await
    );
    let failed = delivery(store, ids[2]).await;
    assert_eq!(failed.message.status, "failed");
    assert_eq!(failed.last_error_code.as_deref(), Some("http_400"));

    // The retried message comes due at its time, not before; sent and
    // failed ones never come back.
    assert_eq!(
        claim(store, retry_at - Duration::microseconds(1), lease, "w4", 10).await,
        Vec::new()
    );
    let again = claim(store, retry_at, lease, "w4", 10).await;
    assert_eq!(again.iter().map(|m| m.id).collect::<Vec<_>>(), [ids[1]]);
    assert_eq!(again[0].attempts, 2);
    assert!(settle(store, ids[1], "w4", &sent).await);
    assert_eq!(
        claim(store, at(minutes(24 * 60)), lease, "w5", 10).await,
        Vec::new()
    );
    let statuses: Vec<String> = store
        .outbox(None, 10)
        .await
        .expect("outbox")
        .into_iter()
        .map(|m| m.status)
        .collect();
    assert_eq!(statuses, ["sent", "sent", "failed"]);
}

async fn outbox_concurrent_claims_are_disjoint(backend: &Backend) {
    const MESSAGES: u32 = 60;
    const CLAIMANTS: u32 = 6;
    let store = backend.store.clone();
    let card = frozen_card(store.as_ref(), 1, FreezeReason::WrongPinLimit).await;
    let case = add_case(
        store.as_ref(),
        &open_case(&card, &staff("li", Role::Agent), at(1)),
    )
    .await;
    let mut ids = queue(store.as_ref(), case.id, MESSAGES).await;
    let now = at(minutes(10));
    let mut tasks = Vec::new();
    for c in 0..CLAIMANTS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let mut tx = store.begin().await?;
                let claimed = tx
                    .claim_outbox(now, now + Duration::minutes(1), &format!("w{c}"), 3)
                    .await?;
                tx.commit().await?;
                if claimed.is_empty() {
                    return Ok::<_, StoreError>(mine);
                }
                mine.extend(claimed.into_iter().map(|m| m.id));
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.expect("task ran").expect("claims"));
    }
    claimed.sort_unstable();
    ids.sort_unstable();
    // Every message claimed, none twice.
    assert_eq!(claimed, ids);
}

async fn credential_failures_counted_since(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::WrongPinLimit).await;
    let other_card = frozen_card(store, 2, FreezeReason::WrongPinLimit).await;
    let li = staff("li", Role::Agent);
    let case = add_case(store, &open_case(&card, &li, at(1))).await;
    let other_case = add_case(store, &open_case(&other_card, &li, at(1))).await;
    let customer = card.customer_id;
    let now = at(minutes(48 * 60));
    let window_start = now - Duration::hours(24);

    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.lock_customer_failures(customer, window_start)
            .await
            .expect("count"),
        0
    );
    for when in [
        window_start - Duration::hours(1),
        window_start - Duration::microseconds(1),
        window_start + Duration::microseconds(1),
        now - Duration::hours(2),
        now,
    ] {
        tx.record_credential_failure(customer, case.id, when)
            .await
            .expect("record");
    }
    tx.record_credential_failure(other_card.customer_id, other_case.id, now)
        .await
        .expect("record");
    // Counted inside the same transaction…
    assert_eq!(
        tx.lock_customer_failures(customer, window_start)
            .await
            .expect("count"),
        3
    );
    tx.commit().await.expect("commit");

    // …and after it.
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.lock_customer_failures(customer, window_start)
            .await
            .expect("count"),
        3
    );
    assert_eq!(
        tx.lock_customer_failures(customer, now - Duration::hours(3))
            .await
            .expect("count"),
        2
    );
    assert_eq!(
        tx.lock_customer_failures(customer, at(0))
            .await
            .expect("count"),
        5
    );
    assert_eq!(
        tx.lock_customer_failures(other_card.customer_id, window_start)
            .await
            .expect("count"),
        1
    );
    assert_eq!(
        tx.lock_customer_failures(CustomerId(customer.0 + 100), window_start)
            .await
            .expect("count"),
        0
    );
}

async fn policy_round_trip(store: &dyn Store) {
    assert_eq!(store.policy().await.expect("policy"), Vec::new());

    let default = UnfreezePolicy::default();
    let mut tx = store.begin().await.expect("begin");
    tx.save_policy(default.rules()).await.expect("save");
    tx.commit().await.expect("commit");
    let loaded = store.policy().await.expect("policy");
    assert_eq!(loaded, default.rules());
    assert_eq!(UnfreezePolicy::new(loaded).expect("valid"), default);

    // Saving replaces the whole table.
    let mut rules = default.rules().to_vec();
    for rule in &mut rules {
        if rule.reason == FreezeReason::Dormant {
            rule.supervisor_approval = true;
            rule.credentials = vec![Credential::TransactionPassword];
        }
    }
    let mut tx = store.begin().await.expect("begin");
    tx.save_policy(&rules).await.expect("save");
    tx.commit().await.expect("commit");
    assert_eq!(store.policy().await.expect("policy"), rules);

    // Rules saved in any order come back in the domain's order.
    let mut shuffled = rules.clone();
    shuffled.reverse();
    let mut tx = store.begin().await.expect("begin");
    tx.save_policy(&shuffled).await.expect("save");
    tx.commit().await.expect("commit");
    assert_eq!(store.policy().await.expect("policy"), rules);

    let court: Vec<PolicyRule> = rules
        .iter()
        .filter(|r| r.reason == FreezeReason::CourtOrder)
        .cloned()
        .collect();
    assert!(court[0].credentials.is_empty());
    let mut tx = store.begin().await.expect("begin");
    tx.save_policy(&court).await.expect("save");
    tx.commit().await.expect("commit");
    assert_eq!(store.policy().await.expect("policy"), court);
}

// ---------------------------------------------------------------------------
// Units of work
// ---------------------------------------------------------------------------

async fn dropped_tx_leaves_nothing(store: &dyn Store) {
    let mut tx = store.begin().await.expect("begin");
    let customer = tx.insert_customer(&new_customer(1)).await.expect("insert");
    let card = tx
        .insert_card(&new_card(customer, 1, frozen(FreezeReason::Dormant, at(0))))
        .await
        .expect("insert");
    tx.save_policy(UnfreezePolicy::default().rules())
        .await
        .expect("policy");
    tx.append_audit(&audit_entry(1, "card:1"))
        .await
        .expect("audit");
    drop(tx);

    assert_eq!(store.counts().await.expect("counts"), (0, 0));
    assert_eq!(store.customer(customer).await.expect("read"), None);
    assert_eq!(store.card(card).await.expect("read"), None);
    assert_eq!(store.policy().await.expect("policy"), Vec::new());
    assert_eq!(all_audit(store).await, Vec::new());
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 0 }
    );

    // The next unit of work is not held up by the abandoned one, and the
    // audit chain starts at 1 as if it never happened.
    let (id, c) = add_customer(store, 1).await;
    assert_eq!(
        store.customer(id).await.expect("read"),
        Some(customer_of(id, &c))
    );
    assert_eq!(
        append(store, &[audit_entry(2, "customer:1")]).await,
        vec![1]
    );
}

async fn failed_tx_does_not_block_the_next(store: &dyn Store) {
    let (_, c) = add_customer(store, 1).await;
    for _ in 0..3 {
        let mut tx = store.begin().await.expect("begin");
        tx.append_audit(&audit_entry(1, "x")).await.expect("audit");
        let err = tx.insert_customer(&c).await.expect_err("duplicate");
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    }
    assert_eq!(store.counts().await.expect("counts"), (1, 0));
    assert_eq!(all_audit(store).await, Vec::new());
    add_customer(store, 2).await;
    assert_eq!(store.counts().await.expect("counts"), (2, 0));
}

// ---------------------------------------------------------------------------
// Audit log
// ---------------------------------------------------------------------------

async fn audit_chain_appends_and_links(store: &dyn Store) {
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 0 }
    );
    let entries: Vec<NewAuditEntry> = (1..=7)
        .map(|n| {
            audit_entry(
                n,
                if n.is_multiple_of(2) {
                    "case:2"
                } else {
                    "case:1"
                },
            )
        })
        .collect();
    assert_eq!(append(store, &entries[..3]).await, vec![1, 2, 3]);
    assert_eq!(append(store, &entries[3..4]).await, vec![4]);
    assert_eq!(append(store, &entries[4..]).await, vec![5, 6, 7]);

    let records = all_audit(store).await;
    assert_eq!(records.len(), 7);
    let key = test_key();
    let mut prev = GENESIS.to_vec();
    for (i, (record, entry)) in records.iter().zip(&entries).enumerate() {
        assert_eq!(record.seq, i64::try_from(i).expect("small") + 1);
        assert_eq!(&record.entry, entry);
        assert_eq!(record.prev_hash, prev);
        assert_eq!(record.hash, key.link(record.seq, &prev, entry));
        prev = record.hash.clone();
    }
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 7 }
    );

    // By object, after a sequence number, a page at a time.
    let case1: Vec<i64> = store
        .audit_entries(Some("case:1"), 0, 100)
        .await
        .expect("entries")
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(case1, vec![1, 3, 5, 7]);
    let page: Vec<i64> = store
        .audit_entries(Some("case:2"), 2, 2)
        .await
        .expect("entries")
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(page, vec![4, 6]);
    assert_eq!(
        store.audit_entries(None, 5, 100).await.expect("entries"),
        records[5..]
    );
    assert_eq!(
        store.audit_entries(None, 1, 2).await.expect("entries"),
        records[1..3]
    );
    assert_eq!(
        store
            .audit_entries(Some("card:9"), 0, 100)
            .await
            .expect("entries"),
        Vec::new()
    );
}

/// The chain is verified a page at a time (5,000 entries a page): the link
/// between pages counts, and a break past the first page is found.
async fn audit_chain_verified_across_pages(backend: &Backend) {
    let store = backend.store.as_ref();
    let entries: Vec<NewAuditEntry> = (1..=5_003).map(|n| audit_entry(n, "bulk")).collect();
    let seqs = append(store, &entries).await;
    assert_eq!(seqs.last(), Some(&5_003));
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 5_003 }
    );

    backend.drop_audit_triggers().await;
    backend
        .exec("UPDATE audit_log SET actor = 'system' WHERE seq = 5002")
        .await
        .expect("tamper");
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 5_002 }
    );
}

async fn audit_log_refuses_update_and_delete(backend: &Backend) {
    let store = backend.store.as_ref();
    let entries: Vec<NewAuditEntry> = (1..=3).map(|n| audit_entry(n, "case:1")).collect();
    append(store, &entries).await;
    let before = all_audit(store).await;

    for sql in [
        "UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 2",
        "UPDATE audit_log SET hash = prev_hash",
        "DELETE FROM audit_log WHERE seq = 3",
        "DELETE FROM audit_log",
    ] {
        let err = backend.exec(sql).await.expect_err(sql);
        assert!(
            err.to_string().contains("append-only"),
            "{sql}: unexpected error {err}"
        );
    }
    // Rewriting an entry by inserting over it is refused too: an upsert on
    // both, REPLACE on SQLite (which deletes without firing delete
    // triggers), TRUNCATE on PostgreSQL.
    let values = "VALUES (2, 0, 'system', 'case.unfrozen', 'case:1', 'console', 'success', \
                  'rewritten', X'00', X'01')";
    let columns = "INSERT INTO audit_log (seq, at, actor, action, object, origin, outcome, \
                   detail, prev_hash, hash)";
    let mut rewrites = vec![format!(
        "{columns} {values} ON CONFLICT (seq) DO UPDATE SET detail = 'rewritten'"
    )];
    match backend.raw {
        RawPool::Sqlite(_) => {
            rewrites.push(format!("REPLACE INTO audit_log {values}"));
            rewrites.push(format!("INSERT OR REPLACE INTO audit_log {values}"));
        }
        RawPool::Postgres(_) => rewrites.push("TRUNCATE audit_log".to_owned()),
    }
    for sql in rewrites {
        let sql = match backend.raw {
            // PostgreSQL spells a blob literal differently.
            RawPool::Postgres(_) => sql.replace("X'00', X'01'", "'\\x00', '\\x01'"),
            RawPool::Sqlite(_) => sql,
        };
        let err = backend.exec(&sql).await.expect_err(&sql);
        assert!(
            err.to_string().contains("append-only"),
            "{sql}: unexpected error {err}"
        );
    }

    assert_eq!(all_audit(store).await, before);
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 3 }
    );
    // Appending still works.
    assert_eq!(append(store, &[audit_entry(4, "case:1")]).await, vec![4]);
}

async fn audit_tampered_detail_is_detected(backend: &Backend) {
    let store = backend.store.as_ref();
    let entries: Vec<NewAuditEntry> = (1..=5).map(|n| audit_entry(n, "case:1")).collect();
    append(store, &entries).await;
    backend.drop_audit_triggers().await;

    let changed = backend
        .exec("UPDATE audit_log SET detail = 'nothing to see here' WHERE seq = 3")
        .await
        .expect("tamper");
    assert_eq!(changed, 1);
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 3 }
    );

    // Putting it back makes the chain whole again…
    backend
        .exec(&format!(
            "UPDATE audit_log SET detail = '{}' WHERE seq = 3",
            entries[2].detail
        ))
        .await
        .expect("restore");
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 5 }
    );
    // …and moving an entry's time by a microsecond is caught as well.
    backend
        .exec("UPDATE audit_log SET at = at + 1 WHERE seq = 2")
        .await
        .expect("tamper");
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 2 }
    );
}

async fn audit_deleted_entry_is_detected(backend: &Backend) {
    let store = backend.store.as_ref();
    let entries: Vec<NewAuditEntry> = (1..=5).map(|n| audit_entry(n, "case:1")).collect();
    append(store, &entries).await;
    backend.drop_audit_triggers().await;

    let removed = backend
        .exec("DELETE FROM audit_log WHERE seq = 3")
        .await
        .expect("delete");
    assert_eq!(removed, 1);
    // The entry after the gap is the first that no longer links.
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 4 }
    );

    // Renumbering to close the gap does not help: the hashes bind seq.
    backend
        .exec("UPDATE audit_log SET seq = seq - 1 WHERE seq > 3")
        .await
        .expect("renumber");
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 3 }
    );

    // Removing the first entry is reported at the new first one.
    backend
        .exec("DELETE FROM audit_log WHERE seq = 1")
        .await
        .expect("delete");
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 2 }
    );
}

async fn audit_forged_entry_is_detected(backend: &Backend) {
    let store = backend.store.as_ref();
    let entries: Vec<NewAuditEntry> = (1..=3).map(|n| audit_entry(n, "case:1")).collect();
    append(store, &entries).await;

    // Someone without the key appends an entry that links to the head but
    // cannot compute its hash (triggers do not stop inserts).
    let head = all_audit(store).await.pop().expect("head");
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let blob = |b: &[u8]| match backend.raw {
        RawPool::Sqlite(_) => format!("X'{}'", hex(b)),
        RawPool::Postgres(_) => format!("'\\x{}'::bytea", hex(b)),
    };
    backend
        .exec(&format!(
            "INSERT INTO audit_log (seq, at, actor, action, object, origin, outcome, detail, \
             prev_hash, hash) VALUES (4, 0, 'admin:mallory', 'case.unfrozen', 'case:1', \
             'console', 'success', 'forged', {}, {})",
            blob(&head.hash),
            blob(&[0xab; 32]),
        ))
        .await
        .expect("forge");
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 4 }
    );
}

async fn audit_other_key_breaks_at_first_entry(backend: &Backend) {
    let entries: Vec<NewAuditEntry> = (1..=4).map(|n| audit_entry(n, "case:1")).collect();
    append(backend.store.as_ref(), &entries).await;

    let mut other = KEY;
    other[0] ^= 1;
    let impostor = backend.with_key(AuditKey::new(other)).await;
    assert_eq!(
        impostor.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 1 }
    );
    // The right key still verifies the same rows.
    let rightful = backend.with_key(test_key()).await;
    assert_eq!(
        rightful.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 4 }
    );
}

/// Many writers at once, each appending in its own transaction: the chain
/// must come out gap-free and intact (PostgreSQL serialises appends with an
/// advisory lock, SQLite with `BEGIN IMMEDIATE`). The SQLite pool from
/// `#[sqlx::test]` is a file with many connections, so writers really do
/// contend; the WAL-mode store `SqliteStore::open` makes is covered by
/// `sqlite_open_file_concurrent_appends` below.
async fn audit_concurrent_appends_stay_gap_free(backend: &Backend) {
    concurrent_appends(backend.store.clone()).await;
}

async fn concurrent_appends(store: Arc<dyn Store>) {
    const TASKS: u32 = 20;
    const PER_TASK: u32 = 5;
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin().await?;
            for i in 0..PER_TASK {
                let entry = audit_entry(t * PER_TASK + i, &format!("task:{t}"));
                tx.append_audit(&entry).await?;
                tokio::task::yield_now().await;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        }));
    }
    for task in tasks {
        task.await.expect("task ran").expect("appends");
    }
    let mut all = Vec::new();
    for t in 0..TASKS {
        let object = format!("task:{t}");
        let seqs: Vec<i64> = store
            .audit_entries(Some(&object), 0, 100)
            .await
            .expect("entries")
            .iter()
            .map(|r| r.seq)
            .collect();
        // One transaction's entries are consecutive: nobody got in between.
        assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
        all.extend(seqs);
    }
    all.sort_unstable();
    let n = i64::from(TASKS * PER_TASK);
    assert_eq!(all, (1..=n).collect::<Vec<_>>());
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact {
            entries: u64::from(TASKS * PER_TASK)
        }
    );
    for t in 0..TASKS {
        let object = format!("task:{t}");
        let mine = store
            .audit_entries(Some(&object), 0, 100)
            .await
            .expect("entries");
        assert_eq!(mine.len(), PER_TASK as usize);
    }
}

// ---------------------------------------------------------------------------
// SQLite as the console opens it (a WAL file), and opening by URL
// ---------------------------------------------------------------------------

/// A fresh directory under the system's temporary one, removed on drop.
#[derive(Debug)]
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(label: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "carddesk-store-{label}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }

    fn url(&self, file: &str) -> String {
        format!("sqlite://{}", self.0.join(file).display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_open_file_concurrent_appends() {
    let dir = TempDir::new("wal");
    let store = SqliteStore::open(&dir.url("carddesk.db"), test_key())
        .await
        .expect("open");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .expect("journal mode");
    assert_eq!(mode, "wal");
    let store: Arc<dyn Store> = Arc::new(store);
    concurrent_appends(store.clone()).await;

    // Reopening the file (migrations already applied) sees the same chain.
    let again = carddesk_store::open(&dir.url("carddesk.db"), test_key())
        .await
        .expect("reopen");
    assert_eq!(again.kind(), "sqlite");
    assert_eq!(
        again.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 100 }
    );
}

#[tokio::test]
async fn open_refuses_other_urls() {
    let err = carddesk_store::open("mysql://localhost/carddesk", test_key())
        .await
        .expect_err("not supported");
    assert!(matches!(err, StoreError::UnsupportedUrl), "{err:?}");
}
