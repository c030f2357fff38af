//! What a demo customer knows about themselves, found from the ids the
//! store gave their customer record and card: the offline demo's phone
//! shows it beside each instruction so the demonstrator can play the
//! customer. Demo data only: a real bank's customers' secrets are nowhere
//! but in their heads.

use carddesk_domain::customer::IdDocument;
use carddesk_domain::{CardId, CustomerId};
use chrono::Utc;
use secrecy::SecretString;

use crate::{DEMO_CUSTOMERS, demo_card_count, demo_first_card, demo_person};

/// A demo customer's name, identity document and one card's transaction
/// password.
#[derive(Debug)]
pub struct DemoFacts {
    /// Full name.
    pub name: String,
    /// Their identity document.
    pub document: IdDocument,
    /// The card's transaction password.
    pub transaction_password: SecretString,
}

/// The facts of demo customer `customer` about their card `card`, or
/// `None` when the ids are not a demo customer and one of their cards.
///
/// [`crate::seed_demo`] numbers customers from 1 in order and their cards
/// from 1 in order, each customer's together, which is what this inverts.
pub fn demo_facts(customer: CustomerId, card: CardId) -> Option<DemoFacts> {
    let index = u64::try_from(customer.0.checked_sub(1)?).ok()?;
    if index >= DEMO_CUSTOMERS {
        return None;
    }
    let card_index = u64::try_from(card.0.checked_sub(1)?).ok()?;
    let offset = card_index.checked_sub(demo_first_card(index))?;
    if offset >= demo_card_count(index) {
        return None;
    }
    // Statuses depend on the date; names, documents and passwords do not.
    let person = demo_person(index, Utc::now());
    let password = person
        .cards
        .get(usize::try_from(offset).ok()?)?
        .password
        .clone();
    Some(DemoFacts {
        name: person.name,
        document: person.document,
        transaction_password: password,
    })
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn finds_every_demo_card_by_the_ids_seeding_gives_it() {
        let now = Utc::now();
        let mut next_card = 1;
        for index in 0..DEMO_CUSTOMERS {
            let person = demo_person(index, now);
            let customer = CustomerId(index as i64 + 1);
            for card in &person.cards {
                let facts = demo_facts(customer, CardId(next_card)).expect("a demo card");
                assert_eq!(facts.name, person.name);
                assert_eq!(facts.document.canonical(), person.document.canonical());
                assert_eq!(
                    facts.transaction_password.expose_secret(),
                    card.password.expose_secret()
                );
                next_card += 1;
            }
        }
    }

    #[test]
    fn refuses_cards_of_someone_else_and_ids_outside_the_bank() {
        // Customer 1 holds card 1 only; card 2 is customer 2's.
        assert!(demo_facts(CustomerId(1), CardId(1)).is_some());
        assert!(demo_facts(CustomerId(1), CardId(2)).is_none());
        assert!(demo_facts(CustomerId(0), CardId(1)).is_none());
        assert!(demo_facts(CustomerId(DEMO_CUSTOMERS as i64 + 1), CardId(1)).is_none());
        assert!(demo_facts(CustomerId(2), CardId(0)).is_none());
    }
}
