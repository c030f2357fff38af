//! Staff, and customers with cards enrolled through the protected records,
//! with the fixture's ID, phone and card numbers and what only the customer
//! knows.

use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{CardId, CardStatus, CustomerId, FreezeReason, Role, StaffMember};
use carddesk_processor::enrol::{card_record, customer_record};
use carddesk_processor::{CredentialUpload, Keyring, passwords};
use carddesk_store::Store;
use chrono::Duration;
use secrecy::SecretString;

use super::desk::start;

/// Staff.
pub fn agent(name: &str) -> StaffMember {
    StaffMember {
        username: name.to_owned(),
        role: Role::Agent,
    }
}

/// Staff who may approve.
pub fn supervisor(name: &str) -> StaffMember {
    StaffMember {
        username: name.to_owned(),
        role: Role::Supervisor,
    }
}

/// A well-formed resident ID number (Beijing, born 1985-06-12), distinct
/// per `seed` below 1000, with its ISO 7064 MOD 11-2 check character.
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

/// Every fixture card's transaction password.
pub const PASSWORD: &str = "864213";
/// A wrong one.
pub const WRONG_PASSWORD: &str = "864231";

/// An enrolled card.
#[derive(Debug, Clone)]
pub struct EnrolledCard {
    /// Its id.
    pub id: CardId,
    /// Its full number, in clear (only the test knows it).
    pub number: String,
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
    /// Language of instructions.
    pub language: String,
    /// Cards, in the order asked.
    pub cards: Vec<EnrolledCard>,
}

impl Person {
    /// The card at `i`.
    pub fn card(&self, i: usize) -> CardId {
        self.cards[i].id
    }

    /// The right credentials.
    pub fn right(&self) -> CredentialUpload {
        upload(&self.id_number, &self.password)
    }

    /// The right ID number, a wrong password.
    pub fn wrong_password(&self) -> CredentialUpload {
        upload(&self.id_number, WRONG_PASSWORD)
    }

    /// A wrong (but well-formed) ID number, the right password.
    pub fn wrong_id(&self) -> CredentialUpload {
        upload(&resident_id(999), &self.password)
    }
}

/// An upload of a resident ID number and a password.
pub fn upload(id_number: &str, password: &str) -> CredentialUpload {
    CredentialUpload {
        id_document: Some(IdDocument::resident_id(id_number).expect("well-formed ID")),
        transaction_password: Some(SecretString::from(password.to_owned())),
    }
}

/// A card status frozen for `reason` a day before the tests' start.
pub fn frozen(reason: FreezeReason) -> CardStatus {
    CardStatus::Frozen {
        reason,
        since: start() - Duration::days(1),
    }
}

/// Enrols a customer (`seed` below 999 makes the ID, phone and card
/// numbers) with cards in the given statuses, through the protected
/// records and one store transaction.
pub async fn enrol(
    store: &dyn Store,
    keys: &Keyring,
    seed: u32,
    language: &str,
    statuses: &[CardStatus],
) -> Person {
    let id_number = resident_id(seed);
    let document = IdDocument::resident_id(&id_number).expect("valid ID");
    let phone_number = PhoneNumber::parse(&phone(seed)).expect("valid phone");
    // One hash for all of the customer's cards (they share the password):
    // Argon2id is the slow part of a fixture.
    let password_hash = passwords::hash(&SecretString::from(PASSWORD.to_owned()));
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
            password_hash.clone(),
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
    Person {
        id,
        id_number,
        phone: phone_number.as_str().to_owned(),
        password: PASSWORD.to_owned(),
        language: language.to_owned(),
        cards,
    }
}
