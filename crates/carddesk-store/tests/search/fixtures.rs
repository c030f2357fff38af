//! Customers and cards with chosen names, phones and last fours.

use carddesk_domain::customer::DocumentKind;
use carddesk_domain::{CardId, CardStatus, CustomerId};
use carddesk_store::{NewCard, NewCustomer, SearchTerm, Store};
use chrono::{DateTime, Utc};

pub(crate) fn at(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(1_750_000_000_000_000 + micros).expect("in range")
}

pub(crate) fn digest(label: &str, n: u32) -> Vec<u8> {
    let mut v = vec![0x00, 0xff];
    v.extend_from_slice(label.as_bytes());
    v.extend_from_slice(&n.to_be_bytes());
    v
}

/// A customer numbered `n`: phone `+8613900000nnn`-ish ending in `phone4`,
/// a resident ID whose masked form ends in `id4`.
pub(crate) fn customer(n: u32, name: &str, phone4: &str, id4: &str) -> NewCustomer {
    NewCustomer {
        name: name.to_owned(),
        document_kind: DocumentKind::ResidentId,
        document_masked: format!("110***********{id4}"),
        id_digest: digest("id", n),
        id_sealed: digest("id-sealed", n),
        phone: format!("+86139{n:04}{phone4}"),
        language: "zh-CN".to_owned(),
    }
}

pub(crate) fn card(customer: CustomerId, n: u32, last_four: &str, status: CardStatus) -> NewCard {
    NewCard {
        customer_id: customer,
        bin: "622848".to_owned(),
        last_four: last_four.to_owned(),
        pan_length: 16,
        product: "Great Wall Debit".to_owned(),
        pan_digest: digest("pan", n),
        pan_sealed: digest("pan-sealed", n),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$ZmFrZQ".to_owned(),
        status,
    }
}

pub(crate) async fn add(store: &dyn Store, c: &NewCustomer) -> CustomerId {
    let mut tx = store.begin().await.expect("begin");
    let id = tx.insert_customer(c).await.expect("insert customer");
    tx.commit().await.expect("commit");
    id
}

pub(crate) async fn add_card(store: &dyn Store, c: &NewCard) -> CardId {
    let mut tx = store.begin().await.expect("begin");
    let id = tx.insert_card(c).await.expect("insert card");
    tx.commit().await.expect("commit");
    id
}

/// What a search found: (term, customer id) in the order returned.
pub(crate) async fn found(
    store: &dyn Store,
    terms: &[SearchTerm],
    per_term: u32,
) -> Vec<(usize, i64)> {
    store
        .search_customers(terms, per_term)
        .await
        .expect("search")
        .into_iter()
        .map(|m| (m.term, m.customer.id.0))
        .collect()
}

pub(crate) async fn one(store: &dyn Store, term: SearchTerm) -> Vec<i64> {
    found(store, &[term], 50)
        .await
        .into_iter()
        .map(|(_, id)| id)
        .collect()
}

pub(crate) fn text(s: &str) -> String {
    s.to_owned()
}
