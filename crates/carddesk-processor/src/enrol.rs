//! Turning a bank's customer and card data into protected records: the
//! seeder and tests enrol through here, so nothing reaches the store in
//! clear.

use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{CardStatus, CustomerId};
use carddesk_store::{NewCard, NewCustomer};

use crate::keyring::{Keyring, Purpose};

/// A customer record with the document hashed and sealed.
pub fn customer_record(
    keys: &Keyring,
    name: &str,
    document: &IdDocument,
    phone: &PhoneNumber,
    language: &str,
) -> NewCustomer {
    let canonical = document.canonical();
    NewCustomer {
        name: name.to_owned(),
        document_kind: document.kind(),
        document_masked: document.masked(),
        id_digest: keys.digest(Purpose::IdDocument, canonical.as_bytes()),
        id_sealed: keys.seal(Purpose::IdDocument, canonical.as_bytes()),
        phone: phone.as_str().to_owned(),
        language: language.to_owned(),
    }
}

/// A card record with the number hashed and sealed. `password_hash` is an
/// Argon2id PHC string from [`crate::passwords::hash`].
pub fn card_record(
    keys: &Keyring,
    customer_id: CustomerId,
    number: &CardNumber,
    password_hash: String,
    product: &str,
    status: CardStatus,
) -> NewCard {
    NewCard {
        customer_id,
        bin: number.bin().to_owned(),
        last_four: number.last_four().to_owned(),
        pan_length: u8::try_from(number.expose().len()).unwrap_or(u8::MAX),
        product: product.to_owned(),
        pan_digest: keys.digest(Purpose::CardNumber, number.expose().as_bytes()),
        pan_sealed: keys.seal(Purpose::CardNumber, number.expose().as_bytes()),
        password_hash,
        status,
    }
}
