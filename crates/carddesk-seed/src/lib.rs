//! Seeded banks: the demo bank the offline console starts with, and large
//! banks for benchmarks.
//!
//! [`seed_demo`] builds a deterministic bank of a few hundred customers with
//! cards in every status and freeze reason, and opens a few cases through
//! the processor (so they have their audit trail and instructions like any
//! other). [`seed_large`] writes a bank of any size (a million cards in a
//! few minutes) straight through the store's bulk inserts.
//!
//! [`DEMO_STAFF`] are the demo's two agents and supervisor
//! ([`add_demo_staff`] adds them), and [`demo_facts`] what each demo
//! customer knows about themselves, for the demo's customer phone.
//!
//! Everything is enrolled through `carddesk_processor::enrol`, so card
//! numbers, ID numbers and passwords reach the database only protected.
#![deny(missing_docs)]

mod facts;
pub mod interviews;
pub mod people;
mod staff;

use std::time::{Duration, Instant};

use anyhow::Context;
use carddesk_domain::{CardId, CardStatus, CustomerId, FreezeReason, StaffMember};
use carddesk_processor::{Channels, Keyring, Processor, enrol, passwords};
use carddesk_store::{NewCard, NewCustomer, Store};
use chrono::{DateTime, Utc};
use secrecy::SecretString;

pub use facts::{DemoFacts, demo_facts};
pub use people::{Person, PersonCard};
pub use staff::{DEMO_STAFF, DemoStaff, add_demo_staff, demo_staff};

/// Customers in the demo bank.
pub const DEMO_CUSTOMERS: u64 = 300;

/// The agent the demo's open cases are opened by: the first of the demo
/// staff, so the seeded cases are in a queue someone can sign in to.
pub fn demo_agent() -> StaffMember {
    DEMO_STAFF[0].member()
}

/// What seeding did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// Customers written.
    pub customers: u64,
    /// Cards written.
    pub cards: u64,
    /// Cases opened.
    pub cases: u64,
    /// Video interviews waiting in the queue.
    pub interviews: u64,
    /// How long it took.
    pub elapsed: Duration,
}

/// How many cards demo customer `index` holds (1 to 3).
fn demo_card_count(index: u64) -> u64 {
    1 + index % 3
}

/// The index of demo customer `index`'s first card: the sum of the card
/// counts before it, in closed form.
fn demo_first_card(index: u64) -> u64 {
    index + 3 * (index / 3) + u64::from(index % 3 == 2)
}

/// Demo customer `index` (0-based), with the credentials they would type.
pub fn demo_person(index: u64, now: DateTime<Utc>) -> Person {
    people::person(index, demo_first_card(index), demo_card_count(index), now)
}

/// Builds the demo bank, unless the store already holds cards (then it does
/// nothing and reports zeros).
pub async fn seed_demo(processor: &Processor, now: DateTime<Utc>) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    let store = processor.store();
    if store.counts().await?.1 > 0 {
        return Ok(SeedReport {
            customers: 0,
            cards: 0,
            cases: 0,
            interviews: 0,
            elapsed: started.elapsed(),
        });
    }
    let persons: Vec<Person> = (0..DEMO_CUSTOMERS).map(|i| demo_person(i, now)).collect();
    let passwords: Vec<&SecretString> = persons
        .iter()
        .flat_map(|p| p.cards.iter().map(|c| &c.password))
        .collect();
    let hashes = hash_all(&passwords);
    let keys = processor.keys();
    let mut customers = Vec::new();
    let mut cards = Vec::new();
    let mut hashes = hashes.into_iter();
    for (i, person) in persons.iter().enumerate() {
        let customer_id = CustomerId(i as i64 + 1);
        customers.push((
            customer_id,
            enrol::customer_record(
                keys,
                &person.name,
                &person.document,
                &person.phone,
                person.language,
            ),
        ));
        for card in &person.cards {
            let id = CardId(cards.len() as i64 + 1);
            let hash = hashes.next().context("one hash per card")?;
            cards.push((
                id,
                enrol::card_record(
                    keys,
                    customer_id,
                    &card.number,
                    hash,
                    card.product,
                    card.status,
                ),
            ));
        }
    }
    write_bulk(store.as_ref(), &customers, &cards).await?;
    let cases = open_demo_cases(processor, &cards).await?;
    let interviews = interviews::queue_demo_interviews(processor).await?;
    Ok(SeedReport {
        customers: customers.len() as u64,
        cards: cards.len() as u64,
        cases,
        interviews,
        elapsed: started.elapsed(),
    })
}

/// Opens the demo's cases: one marked, one packaged, one instructed (its
/// instructions waiting in the outbox for the customer phone).
async fn open_demo_cases(
    processor: &Processor,
    cards: &[(CardId, NewCard)],
) -> anyhow::Result<u64> {
    let agent = demo_agent();
    let remote: Vec<CardId> = cards
        .iter()
        .filter(|(_, c)| matches!(c.status, CardStatus::Frozen { reason, .. } if processor.policy().rule(reason).remote_unfreeze && reason != FreezeReason::RiskReview))
        .map(|(id, _)| *id)
        .collect();
    let [marked, packaged, instructed, ..] = remote.as_slice() else {
        anyhow::bail!("the demo bank has too few remotely unfreezable cards");
    };
    processor.mark(&agent, *marked, "seed").await?;
    let case = processor.mark(&agent, *packaged, "seed").await?;
    processor.package(&agent, case.id, "seed").await?;
    let case = processor.mark(&agent, *instructed, "seed").await?;
    processor.package(&agent, case.id, "seed").await?;
    processor
        .instruct(
            &agent,
            case.id,
            Channels {
                text: true,
                voice: true,
            },
            "seed",
        )
        .await?;
    Ok(3)
}

/// Argon2id-hashes passwords on every core: a few hundred at ~20 ms each
/// would otherwise keep the first demo start waiting.
fn hash_all(passwords: &[&SecretString]) -> Vec<String> {
    let threads = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1);
    let chunk = passwords.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = passwords
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || part.iter().map(|p| passwords::hash(p)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

async fn write_bulk(
    store: &dyn Store,
    customers: &[(CustomerId, NewCustomer)],
    cards: &[(CardId, NewCard)],
) -> anyhow::Result<()> {
    let mut tx = store.begin().await?;
    tx.insert_customers_bulk(customers).await?;
    tx.insert_cards_bulk(cards).await?;
    tx.sync_id_sequences().await?;
    tx.commit().await?;
    Ok(())
}

/// Distinct Argon2id hashes the large bank's cards share. A million real
/// hashes would take hours; lookups, which is what large banks measure,
/// never read them.
const LARGE_PASSWORD_HASHES: usize = 16;

/// Cards written per transaction when seeding a large bank.
const LARGE_BATCH_CARDS: u64 = 20_000;

/// Writes a bank of `cards` cards (customers holding 1 to 4 each) into an
/// empty store, in batches, calling `progress(cards_written)` after each.
pub async fn seed_large(
    store: &dyn Store,
    keys: &Keyring,
    cards: u64,
    now: DateTime<Utc>,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    anyhow::ensure!(
        store.counts().await?.1 == 0,
        "the store already holds cards; seed an empty database"
    );
    let pool: Vec<String> = (0..LARGE_PASSWORD_HASHES)
        .map(|i| {
            passwords::hash(&SecretString::from(format!(
                "{:06}",
                i * 37_133 % 1_000_000
            )))
        })
        .collect();
    let (mut customer, mut card) = (0_u64, 0_u64);
    while card < cards {
        let mut batch_customers = Vec::new();
        let mut batch_cards = Vec::new();
        while card < cards && (batch_cards.len() as u64) < LARGE_BATCH_CARDS {
            let n = (1 + customer % 4).min(cards - card);
            let person = people::person(customer, card, n, now);
            let customer_id = CustomerId(customer as i64 + 1);
            batch_customers.push((
                customer_id,
                enrol::customer_record(
                    keys,
                    &person.name,
                    &person.document,
                    &person.phone,
                    person.language,
                ),
            ));
            for c in &person.cards {
                let hash = pool[(card % LARGE_PASSWORD_HASHES as u64) as usize].clone();
                batch_cards.push((
                    CardId(card as i64 + 1),
                    enrol::card_record(keys, customer_id, &c.number, hash, c.product, c.status),
                ));
                card += 1;
            }
            customer += 1;
        }
        write_bulk(store, &batch_customers, &batch_cards).await?;
        progress(card);
    }
    Ok(SeedReport {
        customers: customer,
        cards: card,
        cases: 0,
        interviews: 0,
        elapsed: started.elapsed(),
    })
}
