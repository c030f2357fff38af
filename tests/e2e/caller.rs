//! The caller of a walk, picked from the demo bank's seed data: a demo
//! customer whose card is frozen after too many wrong PINs (which the
//! policy lets the customer unfreeze remotely), is the card the console
//! selects on opening them, and has no case the seed already opened.

use carddesk_domain::{CardStatus, FreezeReason};
use carddesk_seed::{DEMO_CUSTOMERS, demo_person};
use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};

/// The seed opens its demo cases on the first cards frozen for one of
/// these reasons (see `carddesk_seed::seed_demo`); nobody else may use them.
const SEEDED_CASES: usize = 3;

/// A demo customer calling about their frozen card.
#[derive(Debug)]
pub struct Caller {
    /// The customer's id in the demo bank.
    pub customer_id: i64,
    /// The frozen card's id.
    pub card_id: i64,
    /// The customer's name.
    pub name: String,
    /// What the agent types to find them: the last four digits of their phone.
    pub phone_last_four: String,
    /// Their resident ID or passport number, as they would type it.
    pub id_number: String,
    /// The card's transaction password.
    pub password: SecretString,
}

/// Whether the console offers remote unfreezing for `status` (the
/// default policy; risk reviews need a supervisor's approval first).
fn remote(status: &CardStatus) -> bool {
    matches!(
        status,
        CardStatus::Frozen {
            reason: FreezeReason::WrongPinLimit
                | FreezeReason::CustomerRequest
                | FreezeReason::Dormant
                | FreezeReason::SuspiciousTransaction
                | FreezeReason::RiskReview,
            ..
        }
    )
}

/// The `nth` (from 0) such caller whose language is `language` (`zh-CN`
/// or `en`, the language their instructions are written in).
pub fn caller(nth: usize, language: &str) -> Caller {
    find(nth, language, &[FreezeReason::WrongPinLimit])
}

/// The `nth` caller in `language` whose card is frozen for any reason the
/// customer can lift alone (wrong PINs, their own request, dormancy): the
/// demo bank's few English-speaking customers have no wrong-PIN card first.
pub fn unassisted_caller(nth: usize, language: &str) -> Caller {
    find(
        nth,
        language,
        &[
            FreezeReason::WrongPinLimit,
            FreezeReason::CustomerRequest,
            FreezeReason::Dormant,
        ],
    )
}

fn find(nth: usize, language: &str, reasons: &[FreezeReason]) -> Caller {
    let now = Utc::now();
    let mut next_card = 1_i64;
    let mut seeded = 0;
    let mut found = 0;
    for index in 0..DEMO_CUSTOMERS {
        let person = demo_person(index, now);
        let first_card = next_card;
        next_card += i64::try_from(person.cards.len()).expect("a few cards");
        // The seeded cases take the first cards that can be unfrozen remotely
        // (risk reviews aside).
        let before = seeded;
        seeded += person
            .cards
            .iter()
            .filter(|c| {
                remote(&c.status)
                    && !matches!(
                        c.status,
                        CardStatus::Frozen {
                            reason: FreezeReason::RiskReview,
                            ..
                        }
                    )
            })
            .count();
        if before < SEEDED_CASES || person.language != language {
            continue;
        }
        let Some((offset, card)) = person
            .cards
            .iter()
            .enumerate()
            .find(|(_, c)| remote(&c.status))
        else {
            continue;
        };
        if !matches!(card.status, CardStatus::Frozen { reason, .. } if reasons.contains(&reason)) {
            continue;
        }
        if found < nth {
            found += 1;
            continue;
        }
        let phone = person.phone.as_str();
        return Caller {
            customer_id: i64::try_from(index).expect("a small bank") + 1,
            card_id: first_card + i64::try_from(offset).expect("a few cards"),
            name: person.name.clone(),
            phone_last_four: phone[phone.len() - 4..].to_owned(),
            // `resident_id:…` or `passport:GBR:…`: the customer types the number.
            id_number: person
                .document
                .canonical()
                .rsplit(':')
                .next()
                .unwrap_or_default()
                .to_owned(),
            password: SecretString::from(card.password.expose_secret().to_owned()),
        };
    }
    panic!(
        "the demo bank has no caller number {nth} in {language} with a card frozen for wrong PINs"
    );
}
