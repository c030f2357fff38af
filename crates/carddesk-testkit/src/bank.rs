//! The bank's fixtures: the tests' start time, ID, card and phone numbers,
//! the transaction password, frozen statuses, and customers enrolled
//! through the protected records. The processor's tests and the server's
//! enrol the same customers from the same seeds, so they share them here.

use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{CardId, CardStatus, CustomerId, FreezeReason};
use carddesk_processor::Keyring;
use carddesk_processor::enrol::{card_record, customer_record};
use carddesk_store::Store;
use chrono::{DateTime, Duration, Utc};

/// When every test's clock starts.
pub fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-03-03T09:30:00.123456Z")
        .expect("valid time")
        .with_timezone(&Utc)
}

/// Every fixture card's transaction password.
pub const PASSWORD: &str = "864213";
/// A wrong one.
pub const WRONG_PASSWORD: &str = "864231";

/// A well-formed resident ID number (Beijing, born 1985-06-1x), distinct
/// per `seed` below 18 000, with its ISO 7064 MOD 11-2 check character.
pub fn resident_id(seed: u32) -> String {
    let first17 = format!("110105198506{:02}{:03}", 10 + seed / 1000 % 18, seed % 1000);
    let check = carddesk_domain::id_number::check_character(&first17).expect("17 digits");
    let id = format!("{first17}{check}");
    IdDocument::resident_id(&id).expect("the fixture's ID numbers are valid");
    id
}

/// A 16-digit card number in the bank's BIN with a valid Luhn digit.
pub fn card_number(seed: u32) -> String {
    let payload = format!("622848{:09}", 100_000_000 + seed);
    let check = carddesk_domain::luhn::check_digit(&payload).expect("digits");
    let pan = format!("{payload}{check}");
    CardNumber::parse(&pan).expect("the fixture's card numbers are valid");
    pan
}

/// A mainland mobile number in E.164 form.
pub fn phone(seed: u32) -> String {
    format!("+86139{:08}", 10_000_000 + seed)
}

/// A card status frozen for `reason` a day before the tests' [`start`].
pub fn frozen(reason: FreezeReason) -> CardStatus {
    CardStatus::Frozen {
        reason,
        since: start() - Duration::days(1),
    }
}

/// An enrolled card.
#[derive(Debug, Clone)]
pub struct EnrolledCard {
    /// Its id.
    pub id: CardId,
    /// Its full number, in clear (only the test knows it).
    pub number: String,
}

/// What [`enrol_customer`] stored, in clear: each test crate's `Person`
/// adds what its customer knows and how it speaks to its API.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The customer's id.
    pub id: CustomerId,
    /// Resident ID number in clear.
    pub id_number: String,
    /// E.164 phone.
    pub phone: String,
    /// Cards, in the order asked.
    pub cards: Vec<EnrolledCard>,
}

/// Enrols a customer (`seed` makes the ID, phone and card numbers: card
/// `i` is `card_number(seed * 10 + i)`) speaking `language`, with cards in
/// the given statuses, all with the password whose Argon2id hash is
/// `password_hash` (the caller hashes once and may share it between
/// fixtures: hashing is the slow part), through the protected records and
/// one store transaction.
pub async fn enrol_customer(
    store: &dyn Store,
    keys: &Keyring,
    seed: u32,
    language: &str,
    statuses: &[CardStatus],
    password_hash: &str,
) -> Enrolment {
    let id_number = resident_id(seed);
    let document = IdDocument::resident_id(&id_number).expect("valid ID");
    let phone_number = PhoneNumber::parse(&phone(seed)).expect("valid phone");
    let mut tx = store.begin().await.expect("begin");
    let customer = customer_record(
        keys,
        &format!("Customer {seed}"),
        &document,
        &phone_number,
        language,
    );
    let id = tx
        .insert_customer(&customer)
        .await
        .expect("insert customer");
    let mut cards = Vec::new();
    for (i, status) in statuses.iter().enumerate() {
        let number = card_number(seed * 10 + u32::try_from(i).expect("few cards"));
        let pan = CardNumber::parse(&number).expect("valid PAN");
        let record = card_record(
            keys,
            id,
            &pan,
            password_hash.to_owned(),
            "Great Wall Debit",
            *status,
        );
        let card_id = tx.insert_card(&record).await.expect("insert card");
        cards.push(EnrolledCard {
            id: card_id,
            number,
        });
    }
    tx.commit().await.expect("commit enrolment");
    Enrolment {
        id,
        id_number,
        phone: phone_number.as_str().to_owned(),
        cards,
    }
}
