//! Fixtures: times, bytes, customers, cards, staff, cases and audit entries
//! as the tests build them.

use super::*;

/// A fixed moment, with microseconds, plus an offset in microseconds.
pub(crate) fn at(offset_micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(1_750_000_000_123_457 + offset_micros).expect("in range")
}

pub(crate) fn minutes(n: i64) -> i64 {
    n * 60 * 1_000_000
}

/// Arbitrary binary bytes standing in for a keyed hash or a ciphertext.
pub(crate) fn bytes(label: &str, n: u32) -> Vec<u8> {
    let mut v = vec![0x00, 0xff];
    v.extend_from_slice(label.as_bytes());
    v.extend_from_slice(&n.to_be_bytes());
    v
}

pub(crate) const FAKE_PHC: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$ZmFrZWhhc2hmYWtlaGFzaGZha2VoYXNo";

pub(crate) fn new_customer(n: u32) -> NewCustomer {
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

pub(crate) fn customer_of(id: CustomerId, c: &NewCustomer) -> Customer {
    Customer {
        id,
        name: c.name.clone(),
        document_kind: c.document_kind,
        document_masked: c.document_masked.clone(),
        phone: PhoneNumber::parse(&c.phone).expect("fixture phone"),
        language: c.language.clone(),
    }
}

pub(crate) fn new_card(customer: CustomerId, n: u32, status: CardStatus) -> NewCard {
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

pub(crate) fn card_of(id: CardId, c: &NewCard) -> Card {
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

pub(crate) fn frozen(reason: FreezeReason, since: DateTime<Utc>) -> CardStatus {
    CardStatus::Frozen { reason, since }
}

pub(crate) fn staff(username: &str, role: Role) -> StaffMember {
    StaffMember {
        username: username.to_owned(),
        role,
    }
}

pub(crate) fn audit_entry(n: u32, object: &str) -> NewAuditEntry {
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
pub(crate) async fn add_customer(store: &dyn Store, n: u32) -> (CustomerId, NewCustomer) {
    let c = new_customer(n);
    let mut tx = store.begin().await.expect("begin");
    let id = tx.insert_customer(&c).await.expect("insert customer");
    tx.commit().await.expect("commit");
    (id, c)
}

/// Inserts a card of `customer` and commits.
pub(crate) async fn add_card(
    store: &dyn Store,
    customer: CustomerId,
    n: u32,
    status: CardStatus,
) -> Card {
    let c = new_card(customer, n, status);
    let mut tx = store.begin().await.expect("begin");
    let id = tx.insert_card(&c).await.expect("insert card");
    tx.commit().await.expect("commit");
    card_of(id, &c)
}

/// A customer with one card frozen for `reason`.
pub(crate) async fn frozen_card(store: &dyn Store, n: u32, reason: FreezeReason) -> Card {
    let (customer, _) = add_customer(store, n).await;
    add_card(store, customer, n, frozen(reason, at(-minutes(60)))).await
}

/// A case opened on `card` (which must be frozen for a remote reason).
pub(crate) fn open_case(card: &Card, by: &StaffMember, now: DateTime<Utc>) -> UnfreezeCase {
    let CardStatus::Frozen { reason, .. } = card.status else {
        panic!("fixture card must be frozen");
    };
    UnfreezeCase::open(card, UnfreezePolicy::default().rule(reason), by, now).expect("open case")
}

/// Inserts a case and commits; returns it with its id.
pub(crate) async fn add_case(store: &dyn Store, case: &UnfreezeCase) -> UnfreezeCase {
    let mut tx = store.begin().await.expect("begin");
    let id = tx.insert_case(case).await.expect("insert case");
    tx.commit().await.expect("commit");
    UnfreezeCase { id, ..case.clone() }
}

/// Stores a package asking for both credentials for `case` on `card` and
/// commits; returns it.
pub(crate) async fn add_package(
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
pub(crate) async fn save(store: &dyn Store, case: &UnfreezeCase) {
    let mut tx = store.begin().await.expect("begin");
    tx.save_case(case).await.expect("save case");
    tx.commit().await.expect("commit");
}

/// Appends entries in one transaction and returns the sequence numbers
/// they were given (the chain's last ones once it commits).
pub(crate) async fn append(store: &dyn Store, entries: &[NewAuditEntry]) -> Vec<i64> {
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

pub(crate) async fn all_audit(store: &dyn Store) -> Vec<AuditRecord> {
    store
        .audit_entries(None, 0, 10_000)
        .await
        .expect("audit entries")
}
