//! Issuing the virtual card (patent step 4), in the transaction that
//! authenticated the applicant, and showing it to them once.
//!
//! The number is the product's next serial shuffled under a key
//! ([`SerialPermutation`]) inside its BIN, with a Luhn check digit: unique
//! by construction. The security code is derived from the number and the
//! expiry under a key, as a bank's CVV is, so it is never stored: the
//! bank keeps only its keyed hash, and the customer sees it once, when the
//! `UPDATE` that marks the card shown is theirs.

use carddesk_domain::application::{Application, AuthRoute, SerialPermutation, VirtualProduct};
use carddesk_domain::card::CardNumber;
use carddesk_domain::{Actor, CardId, CardStatus, CustomerId};
use carddesk_store::{Applicant, NewCustomer, OutboxSubject, Outcome, Tx, VirtualCardRecord};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use super::two_card::queue_text;
use super::{application_object, lock_application, messages};
use crate::keyring::{Keyring, Purpose};
use crate::{Event, Processor, ProcessorError, Result, append_audit};

/// A card issued, as the applicant and the console may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCard {
    /// The card.
    pub card_id: CardId,
    /// The product's code.
    pub product: String,
    /// The number masked (BIN and last four).
    pub masked_number: String,
    /// Expiry year.
    pub expiry_year: i32,
    /// Expiry month.
    pub expiry_month: u32,
    /// The route that authenticated the applicant.
    pub route: AuthRoute,
    /// Who decided (`system` for the two-card route, else the reviewer or
    /// the supervisor who approved an override).
    pub decided_by: String,
    /// When.
    pub issued_at: DateTime<Utc>,
}

/// The card's details in clear, for the one time they are shown.
#[derive(Debug)]
pub struct RevealedCard {
    /// The card.
    pub card: IssuedCard,
    /// The full number.
    pub number: SecretString,
    /// The security code.
    pub security_code: SecretString,
}

impl Processor {
    /// Issues the card of an authenticated application inside `tx`: the
    /// customer (made from the applicant for a first card), the number,
    /// the card and its virtual facts, the audit entries and the text that
    /// tells the applicant. The caller commits.
    ///
    /// Refused ([`ProcessorError::NotCompleted`], nothing issued) when
    /// what routed the application no longer holds, checked here under
    /// the person's card locks on every route (`unissuable.rs`).
    pub(super) async fn issue_in(
        &self,
        tx: &mut dyn Tx,
        application: &mut Application,
        applicant: &Applicant,
        decided_by: &str,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<IssuedCard> {
        // Every route has rejected an unissuable application before
        // authenticating it (`rejected_as_unissuable`); this is the
        // backstop for a caller that did not.
        if self
            .issue_blocker(tx, application, applicant)
            .await?
            .is_some()
        {
            return Err(ProcessorError::NotCompleted);
        }
        let product = VirtualProduct::find(&application.product)
            .map_err(|_| ProcessorError::Config("the application's product is gone".to_owned()))?;
        let route = application
            .route
            .ok_or(ProcessorError::Config("an unrouted application".to_owned()))?;
        let customer = match application.customer_id {
            Some(customer) => customer,
            None => self.customer_for(tx, applicant).await?,
        };
        let serial = tx.next_product_serial(product.code).await?;
        let keys = &self.inner.keys;
        let permutation = serial_permutation(keys, product.code);
        let issued = product
            .issue(serial, &permutation, now)
            .map_err(|e| ProcessorError::Config(e.to_string()))?;
        let card_id = tx
            .insert_card(&crate::enrol::card_record(
                keys,
                customer,
                &issued.number,
                // A virtual card has no transaction password: no hash
                // matches this, so it can never pass a password check.
                String::new(),
                product.name_en,
                CardStatus::Active,
            ))
            .await?;
        let code = security_code(
            keys,
            &issued.number,
            issued.expiry_year,
            issued.expiry_month,
        );
        let record = VirtualCardRecord {
            card_id,
            application_id: application.id,
            expiry_year: issued.expiry_year,
            expiry_month: issued.expiry_month,
            cvc_digest: keys.digest(Purpose::SecurityCodeCheck, code.expose_secret().as_bytes()),
            route,
            decided_by: decided_by.to_owned(),
            issued_at: now,
            revealed_at: None,
        };
        tx.insert_virtual_card(&record).await?;
        application.issue(customer, now)?;
        tx.save_application(application).await?;
        let object = application_object(application.id);
        let masked = issued.number.masked();
        append_audit(
            tx,
            &Actor::System,
            now,
            "card.issued",
            &format!("card:{}", card_id.0),
            origin,
            Outcome::Success,
            format!(
                "{} {masked} for customer:{} by {}, decided by {decided_by} ({object})",
                product.code,
                customer.0,
                route.as_str()
            ),
        )
        .await?;
        append_audit(
            tx,
            &Actor::System,
            now,
            "application.issued",
            &object,
            origin,
            Outcome::Success,
            format!("card:{}", card_id.0),
        )
        .await?;
        let body = messages::issued_text(&applicant.language, issued.number.last_four());
        let phone = match self.inner.store.customer(customer).await? {
            Some(c) => c.phone.as_str().to_owned(),
            None => applicant.phone.clone(),
        };
        queue_text(
            self,
            tx,
            OutboxSubject::ApplicationNotice(application.id),
            &phone,
            &applicant.language,
            &body,
            now,
        )
        .await?;
        Ok(IssuedCard {
            card_id,
            product: product.code.to_owned(),
            masked_number: masked,
            expiry_year: issued.expiry_year,
            expiry_month: issued.expiry_month,
            route,
            decided_by: decided_by.to_owned(),
            issued_at: now,
        })
    }

    /// The customer a first card is issued to: made from the applicant,
    /// unless the person became one meanwhile.
    async fn customer_for(&self, tx: &mut dyn Tx, applicant: &Applicant) -> Result<CustomerId> {
        if let Some((customer, _)) = tx.applicant_cards(&applicant.id_digest).await? {
            return Ok(customer);
        }
        Ok(tx
            .insert_customer(&NewCustomer {
                name: applicant.name.clone(),
                document_kind: applicant.document_kind,
                document_masked: applicant.document_masked.clone(),
                id_digest: applicant.id_digest.clone(),
                id_sealed: applicant.id_sealed.clone(),
                phone: applicant.phone.clone(),
                language: applicant.language.clone(),
            })
            .await?)
    }

    /// What a virtual card's record says, as [`IssuedCard`].
    pub(crate) async fn issued_card(&self, v: &VirtualCardRecord) -> Result<IssuedCard> {
        let card = self
            .inner
            .store
            .card(v.card_id)
            .await?
            .ok_or(ProcessorError::NotFound("card"))?;
        let application = self
            .inner
            .store
            .application(v.application_id)
            .await?
            .ok_or(ProcessorError::NotFound("application"))?;
        Ok(IssuedCard {
            card_id: v.card_id,
            product: application.application.product,
            masked_number: card.masked_number(),
            expiry_year: v.expiry_year,
            expiry_month: v.expiry_month,
            route: v.route,
            decided_by: v.decided_by.clone(),
            issued_at: v.issued_at,
        })
    }

    /// Shows the applicant their card's full number and security code, once
    /// (the confirmation they gave is this call): a second call, or a call
    /// racing the first, is refused.
    pub async fn reveal_card(&self, session: &SecretString, origin: &str) -> Result<RevealedCard> {
        let record = self.application_by_session(session).await?;
        let id = record.application.id;
        let now = self.now();
        let mut tx = self.inner.store.begin().await?;
        let locked = lock_application(tx.as_mut(), id).await?.application;
        // The session is the application's: past its lifetime it shows no
        // card, so a leaked token cannot open the number later.
        if now >= locked.expires_at {
            return Err(ProcessorError::Expired);
        }
        let virtual_card = self
            .inner
            .store
            .virtual_card_of(id)
            .await?
            .ok_or(ProcessorError::NotFound("card"))?;
        if !tx.reveal_virtual_card(virtual_card.card_id, now).await? {
            return Err(ProcessorError::AlreadyShown);
        }
        let sealed = tx
            .card_secrets(virtual_card.card_id)
            .await?
            .ok_or(ProcessorError::NotFound("card"))?
            .pan_sealed;
        let opened = self.inner.keys.open(Purpose::CardNumber, &sealed)?;
        let digits = std::str::from_utf8(&opened).map_err(|_| ProcessorError::Sealed)?;
        let number = CardNumber::parse(digits).map_err(|_| ProcessorError::Sealed)?;
        let code = security_code(
            &self.inner.keys,
            &number,
            virtual_card.expiry_year,
            virtual_card.expiry_month,
        );
        append_audit(
            tx.as_mut(),
            &Actor::Applicant(id),
            now,
            "card.revealed",
            &format!("card:{}", virtual_card.card_id.0),
            origin,
            Outcome::Success,
            format!(
                "full number and security code shown once ({})",
                application_object(id)
            ),
        )
        .await?;
        tx.commit().await?;
        let card = self.issued_card(&virtual_card).await?;
        self.inner.events.send_all(vec![Event::CardChanged {
            card_id: card.card_id,
            status: carddesk_domain::CardStatusKind::Active,
        }]);
        Ok(RevealedCard {
            card,
            number: SecretString::from(number.expose().to_owned()),
            security_code: code,
        })
    }
}

/// The keyed shuffle of a product's serials into account numbers: each
/// round a keyed hash of the product, the round and the half.
pub fn serial_permutation<'k>(
    keys: &'k Keyring,
    product: &'k str,
) -> SerialPermutation<impl Fn(u8, u32) -> u32 + 'k> {
    SerialPermutation::new(move |round, half| {
        let input = format!("{product}:{round}:{half}");
        let digest = keys.digest(Purpose::CardSerial, input.as_bytes());
        u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
    })
}

/// The card's three-digit security code: a keyed hash of its number and
/// expiry, so it can be shown once without being stored.
fn security_code(keys: &Keyring, number: &CardNumber, year: i32, month: u32) -> SecretString {
    let input = format!("{}:{year:04}-{month:02}", number.expose());
    let digest = keys.digest(Purpose::SecurityCode, input.as_bytes());
    let n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % 1000;
    SecretString::from(format!("{n:03}"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_hundred_thousand_keyed_serials_give_distinct_valid_numbers_in_the_bin() {
        let keys = Keyring::generate();
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        for product in &carddesk_domain::application::VIRTUAL_PRODUCTS {
            let permutation = serial_permutation(&keys, product.code);
            let mut seen = HashSet::new();
            for serial in 0..100_000 {
                let issued = product.issue(serial, &permutation, now).unwrap();
                let digits = issued.number.expose();
                assert!(digits.starts_with(product.bin) && carddesk_domain::luhn::is_valid(digits));
                assert!(
                    seen.insert(digits.to_owned()),
                    "{} serial {serial}",
                    product.code
                );
            }
        }
    }

    #[test]
    fn the_security_code_depends_on_the_key_the_number_and_the_expiry() {
        let (a, b) = (Keyring::generate(), Keyring::generate());
        let number = CardNumber::parse("6217990000000001").unwrap_or_else(|_| {
            let payload = "621799000000000";
            let check = carddesk_domain::luhn::check_digit(payload).unwrap();
            CardNumber::parse(&format!("{payload}{check}")).unwrap()
        });
        let code = |k: &Keyring, y, m| security_code(k, &number, y, m).expose_secret().to_owned();
        assert_eq!(code(&a, 2029, 11), code(&a, 2029, 11));
        assert_eq!(code(&a, 2029, 11).len(), 3);
        let differ = (2027..2040)
            .filter(|y| code(&a, *y, 11) != code(&b, *y, 11))
            .count();
        assert!(differ > 8, "another key gives other codes");
    }
}
