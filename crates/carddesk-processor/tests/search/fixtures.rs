//! Callers whose numbers end in chosen last four digits.

use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{CardId, CardStatus, CustomerId};
use carddesk_processor::enrol::{card_record, customer_record};
use carddesk_processor::search::SearchOutcome;
use carddesk_wire::MatchKind;

use super::common::*;

/// A well-formed password hash: searches never check it.
pub(crate) const FAKE_PHC: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$ZmFrZWhhc2hmYWtlaGFzaGZha2VoYXNo";

/// A resident ID number ending in `last4` (three digits and a digit or X);
/// `salt` (below 50) sets the year of birth, keeping numbers apart. The
/// day of birth moves until the check
/// character comes out right.
pub(crate) fn resident_id_ending(last4: &str, salt: u32) -> String {
    for day in 0..336 {
        let first17 = format!(
            "110105{}{:02}{:02}{}",
            1950 + salt % 50,
            1 + day / 28,
            1 + day % 28,
            &last4[..3]
        );
        let check = carddesk_domain::id_number::check_character(&first17).expect("digits");
        if last4.ends_with(check) {
            return format!("{first17}{check}");
        }
    }
    panic!("no resident ID ends in {last4}");
}

/// A Luhn-valid card number ending in `last4`.
pub(crate) fn card_ending(last4: &str, salt: u32) -> String {
    for k in 0..1_000 {
        let payload = format!("622848{:06}{}", salt * 1_000 + k, &last4[..3]);
        let check = carddesk_domain::luhn::check_digit(&payload).expect("digits");
        if last4.ends_with(char::from(b'0' + check)) {
            return format!("{payload}{check}");
        }
    }
    panic!("no card number ends in {last4}");
}

/// A mainland mobile number ending in `last4`.
pub(crate) fn phone_ending(last4: &str, salt: u32) -> String {
    format!("+86139{salt:04}{last4}")
}

/// Enrols a customer with the document, phone and cards given (each card
/// as its number and status); returns the id and the card ids.
pub(crate) async fn enrol_caller(
    desk: &Desk,
    name: &str,
    document: &IdDocument,
    phone: &str,
    cards: &[(&str, CardStatus)],
) -> (CustomerId, Vec<CardId>) {
    let phone = PhoneNumber::parse(phone).expect("phone");
    let mut tx = desk.store.begin().await.expect("begin");
    let record = customer_record(&desk.keys, name, document, &phone, "zh-CN");
    let id = tx.insert_customer(&record).await.expect("customer");
    let mut ids = Vec::new();
    for (number, status) in cards {
        let pan = CardNumber::parse(number).expect("card number");
        let record = card_record(&desk.keys, id, &pan, FAKE_PHC.to_owned(), "Debit", *status);
        ids.push(tx.insert_card(&record).await.expect("card"));
    }
    tx.commit().await.expect("commit");
    (id, ids)
}

/// A customer with a resident ID ending in `id4`, a phone ending in
/// `phone4` and one active card per `cards` last four.
pub(crate) async fn caller(
    desk: &Desk,
    n: u32,
    name: &str,
    id4: &str,
    phone4: &str,
    cards: &[&str],
) -> CustomerId {
    let id = IdDocument::resident_id(&resident_id_ending(id4, n)).expect("valid ID");
    let numbers: Vec<String> = cards
        .iter()
        .enumerate()
        .map(|(i, l)| card_ending(l, n * 10 + i as u32))
        .collect();
    let cards: Vec<(&str, CardStatus)> = numbers
        .iter()
        .map(|c| (c.as_str(), CardStatus::Active))
        .collect();
    enrol_caller(desk, name, &id, &phone_ending(phone4, n), &cards)
        .await
        .0
}

pub(crate) async fn search(desk: &Desk, query: &str) -> SearchOutcome {
    desk.processor
        .search(query, 20)
        .await
        .unwrap_or_else(|e| panic!("search {query:?}: {e}"))
}

/// Who a search found and how, in order.
pub(crate) async fn hits(desk: &Desk, query: &str) -> Vec<(CustomerId, MatchKind)> {
    search(desk, query)
        .await
        .hits
        .into_iter()
        .map(|h| (h.customer.id, h.matched_by))
        .collect()
}
