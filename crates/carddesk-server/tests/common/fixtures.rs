//! The bank's fixtures: passwords, ID, card and phone numbers, frozen
//! statuses, and customers enrolled through the protected records. The
//! numbers, the card password and the enrolment itself are
//! `carddesk-testkit`'s (the processor's tests enrol the same customers);
//! what the customer knows is the customer API's JSON here.

use carddesk_domain::customer::IdDocument;
use carddesk_domain::{CardId, CardStatus, CustomerId};
use carddesk_processor::Keyring;
use carddesk_store::Store;
use carddesk_testkit::enrol_customer;
use serde_json::Value;

#[allow(unused_imports)] // Each test binary uses its own part.
pub use carddesk_testkit::{
    EnrolledCard, PASSWORD, WRONG_PASSWORD, card_number, frozen, phone, resident_id,
};

/// Every staff fixture's password.
pub const STAFF_PASSWORD: &str = "correct horse battery staple";

/// A resident ID number with a wrong check character.
pub fn malformed_id(seed: u32) -> String {
    let good = resident_id(seed);
    let last = good.chars().last().expect("18 characters");
    let wrong = if last == '0' { '1' } else { '0' };
    let bad = format!("{}{wrong}", &good[..17]);
    assert!(IdDocument::resident_id(&bad).is_err());
    bad
}

/// An enrolled customer and what only they know.
#[derive(Debug, Clone)]
pub struct Person {
    /// Id.
    pub id: CustomerId,
    /// Resident ID number in clear.
    pub id_number: String,
    /// E.164 phone.
    pub phone: String,
    /// Transaction password of every card.
    pub password: String,
    /// Cards, in the order asked.
    pub cards: Vec<EnrolledCard>,
}

impl Person {
    /// The card at `i`.
    pub fn card(&self, i: usize) -> CardId {
        self.cards[i].id
    }

    /// The right credentials, as the customer API takes them.
    pub fn right(&self) -> Value {
        serde_json::json!({ "id_number": self.id_number, "transaction_password": self.password })
    }

    /// A wrong (but well-formed) ID number, the right password.
    pub fn wrong_id(&self) -> Value {
        serde_json::json!({ "id_number": resident_id(17_999), "transaction_password": self.password })
    }

    /// The right ID number, a wrong password.
    pub fn wrong_password(&self) -> Value {
        serde_json::json!({ "id_number": self.id_number, "transaction_password": WRONG_PASSWORD })
    }
}

/// Enrols a customer (`seed` makes the ID, phone and card numbers),
/// speaking English, with cards in the given statuses, all with
/// `password`, whose Argon2id hash is `hash` (shared between fixtures:
/// hashing is the slow part).
pub async fn enrol(
    store: &dyn Store,
    keys: &Keyring,
    seed: u32,
    statuses: &[CardStatus],
    password: &str,
    hash: &str,
) -> Person {
    let enrolled = enrol_customer(store, keys, seed, "en", statuses, hash).await;
    Person {
        id: enrolled.id,
        id_number: enrolled.id_number,
        phone: enrolled.phone,
        password: password.to_owned(),
        cards: enrolled.cards,
    }
}
