//! Staff, and customers with cards enrolled through the protected records,
//! with the fixture's ID, phone and card numbers and what only the customer
//! knows. The numbers, the password and the enrolment itself are
//! `carddesk-testkit`'s (the server's tests enrol the same customers);
//! what the customer knows is the processor's `CredentialUpload` here.

use carddesk_domain::customer::IdDocument;
use carddesk_domain::{CardId, CardStatus, CustomerId, Role, StaffMember};
use carddesk_processor::{CredentialUpload, Keyring, passwords};
use carddesk_store::Store;
use carddesk_testkit::enrol_customer;
use secrecy::SecretString;

#[allow(unused_imports)] // Each test binary uses its own part.
pub use carddesk_testkit::{
    EnrolledCard, PASSWORD, WRONG_PASSWORD, card_number, frozen, phone, resident_id,
};

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

/// Enrols a customer (`seed` below 999 makes the ID, phone and card
/// numbers) with cards in the given statuses, all with [`PASSWORD`],
/// through the protected records and one store transaction.
pub async fn enrol(
    store: &dyn Store,
    keys: &Keyring,
    seed: u32,
    language: &str,
    statuses: &[CardStatus],
) -> Person {
    // One hash for all of the customer's cards (they share the password):
    // Argon2id is the slow part of a fixture.
    let password_hash = passwords::hash(&SecretString::from(PASSWORD.to_owned()));
    let enrolled = enrol_customer(store, keys, seed, language, statuses, &password_hash).await;
    Person {
        id: enrolled.id,
        id_number: enrolled.id_number,
        phone: enrolled.phone,
        password: PASSWORD.to_owned(),
        language: language.to_owned(),
        cards: enrolled.cards,
    }
}
