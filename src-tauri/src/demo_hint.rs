//! A caller for the offline demo's first-run tour to name: the last four
//! digits of the phone of a demo customer whose card is frozen for the
//! wrong-PIN limit and who has no open case, so "find them, press
//! Ctrl+Enter" works as the tour says.
//!
//! The candidates come from the seed's deterministic people (no secret:
//! the desk shows a phone's last four to every agent); the bank as it
//! stands now decides which of them still fits, since an earlier demo may
//! have unfrozen a card or opened a case.

use carddesk_domain::{CardStatus, CustomerId, FreezeReason};
use carddesk_processor::Processor;
use carddesk_processor::search::MAX_RESULTS;
use carddesk_seed::{DEMO_CUSTOMERS, demo_person};
use chrono::Utc;

/// The most candidates asked about: each costs a search, and the seed
/// puts a wrong-PIN card within every twelve.
const MAX_TRIED: usize = 12;

/// A demo customer the seed made with a wrong-PIN freeze as their first
/// frozen card: their id and their phone's last four digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The store's id of the customer (the seed numbers them from 1).
    pub customer: CustomerId,
    /// The last four digits of their phone.
    pub phone_last_four: String,
}

/// The seed's customers whose first frozen card is frozen for the
/// wrong-PIN limit, in order. The agent's desk selects the first card it
/// can unfreeze remotely, so that card is the one the tour speaks of.
pub fn candidates() -> impl Iterator<Item = Candidate> {
    let now = Utc::now();
    (0..DEMO_CUSTOMERS).filter_map(move |index| {
        let person = demo_person(index, now);
        let first_frozen = person
            .cards
            .iter()
            .find(|c| matches!(c.status, CardStatus::Frozen { .. }))?;
        let wrong_pin = matches!(
            first_frozen.status,
            CardStatus::Frozen {
                reason: FreezeReason::WrongPinLimit,
                ..
            }
        );
        if !wrong_pin {
            return None;
        }
        let digits: String = person.phone.as_str().chars().rev().take(4).collect();
        Some(Candidate {
            customer: CustomerId(i64::try_from(index).ok()? + 1),
            phone_last_four: digits.chars().rev().collect(),
        })
    })
}

/// The first candidate who still fits in the bank as it stands: their
/// phone's last four find them first, their first frozen card is still
/// frozen for the wrong-PIN limit, and they have no open case. `None` when
/// none does (or the bank cannot say); the tour then names no number.
pub async fn find(processor: &Processor) -> Option<String> {
    for candidate in candidates().take(MAX_TRIED) {
        match fits(processor, &candidate).await {
            Ok(true) => return Some(candidate.phone_last_four),
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %e, "could not check a demo caller for the tour");
                return None;
            }
        }
    }
    None
}

async fn fits(processor: &Processor, candidate: &Candidate) -> carddesk_processor::Result<bool> {
    let found = processor
        .search(&candidate.phone_last_four, MAX_RESULTS)
        .await?;
    // The desk shows the hits in this order; the tour's caller should be
    // the first one.
    let Some(hit) = found.hits.first() else {
        return Ok(false);
    };
    let first_frozen = hit
        .cards
        .iter()
        .find(|c| matches!(c.status, CardStatus::Frozen { .. }));
    Ok(hit.customer.id == candidate.customer
        && hit.open_cases.is_empty()
        && first_frozen.is_some_and(|c| {
            matches!(
                c.status,
                CardStatus::Frozen {
                    reason: FreezeReason::WrongPinLimit,
                    ..
                }
            )
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_demo_customers_with_a_wrong_pin_card_first() {
        let found: Vec<Candidate> = candidates().take(MAX_TRIED).collect();
        assert!(
            found.len() >= 3,
            "the seed freezes a card for wrong PINs in every twelve"
        );
        let now = Utc::now();
        for candidate in &found {
            let index = u64::try_from(candidate.customer.0 - 1).expect("from 1");
            let person = demo_person(index, now);
            assert!(person.phone.as_str().ends_with(&candidate.phone_last_four));
            assert_eq!(candidate.phone_last_four.len(), 4);
            let first_frozen = person
                .cards
                .iter()
                .find(|c| matches!(c.status, CardStatus::Frozen { .. }))
                .expect("a frozen card");
            assert!(matches!(
                first_frozen.status,
                CardStatus::Frozen {
                    reason: FreezeReason::WrongPinLimit,
                    ..
                }
            ));
        }
        // Distinct customers, distinct numbers: each finds one caller.
        let mut numbers: Vec<_> = found.iter().map(|c| &c.phone_last_four).collect();
        numbers.dedup();
        assert_eq!(numbers.len(), found.len());
    }

    #[tokio::test]
    async fn the_hint_finds_a_caller_who_fits_and_moves_on_once_they_have_a_case() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let processor =
            crate::offline::open_processor(dir.path(), "http://127.0.0.1:9".into(), |_| {})
                .await
                .expect("the demo bank");
        let first = find(&processor).await.expect("a caller to try");
        let hit = processor
            .search(&first, MAX_RESULTS)
            .await
            .expect("a search")
            .hits
            .remove(0);
        assert!(hit.open_cases.is_empty());
        let card = hit
            .cards
            .iter()
            .find(|c| matches!(c.status, CardStatus::Frozen { .. }))
            .expect("a frozen card");
        assert!(matches!(
            card.status,
            CardStatus::Frozen {
                reason: FreezeReason::WrongPinLimit,
                ..
            }
        ));
        // Once that card has a case, the tour names someone else.
        processor
            .mark(&carddesk_seed::demo_agent(), card.id, "test")
            .await
            .expect("marked");
        let next = find(&processor).await.expect("another caller");
        assert_ne!(next, first);
    }
}
