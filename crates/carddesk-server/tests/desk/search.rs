//! Finding a caller through the desk: each way, ranking, nothing found,
//! bad input, and the audit entry of the read.

use carddesk_domain::{CardStatus, Role};
use carddesk_wire::{ErrorCode, MatchKind, SearchRequest};

use super::harness::{Bench, wrong_pin};
use crate::conformance;

conformance! {
    each_way_of_finding_a_caller => search_local_sqlite, search_http_postgres;
}

fn query(q: &str) -> SearchRequest {
    SearchRequest {
        query: q.to_owned(),
        limit: None,
    }
}

async fn each_way_of_finding_a_caller(b: &Bench) {
    let agent = b.staff("alice", Role::Agent).await;
    let person = b.customer(11, &[wrong_pin(), CardStatus::Active]).await;
    let other = b.customer(12, &[CardStatus::Active]).await;
    let pan = &person.cards[0].number;
    let phone_digits = person.phone.trim_start_matches("+86");
    let cases = [
        (person.id_number.clone(), MatchKind::IdNumber),
        (pan.clone(), MatchKind::CardNumber),
        (phone_digits.to_owned(), MatchKind::Phone),
        (
            phone_digits[phone_digits.len() - 4..].to_owned(),
            MatchKind::PhoneLastFour,
        ),
        (pan[pan.len() - 4..].to_owned(), MatchKind::CardLastFour),
        (
            person.id_number[person.id_number.len() - 4..].to_owned(),
            MatchKind::IdLastFour,
        ),
        ("Custom".to_owned(), MatchKind::NamePrefix),
        ("customer".to_owned(), MatchKind::NamePrefix),
    ];
    for (typed, kind) in cases {
        let found = b.desk.search(&agent, &query(&typed)).await.expect("search");
        let hit = found
            .hits
            .iter()
            .find(|h| h.customer.id == person.id.0)
            .unwrap_or_else(|| panic!("{kind:?} finds the caller"));
        assert!(
            hit.matched_by <= kind,
            "{kind:?}: matched by {:?}",
            hit.matched_by
        );
        assert_eq!(hit.customer.cards.len(), 2);
        assert!(
            !hit.customer.cards[0].masked_number.contains(&pan[6..12]),
            "card numbers leave masked"
        );
        if kind < MatchKind::PhoneLastFour {
            assert!(
                found.hits.iter().all(|h| h.customer.id != other.id.0),
                "{kind:?} is exact"
            );
        }
    }
    // A name prefix finds both.
    let both = b
        .desk
        .search(&agent, &query("Customer"))
        .await
        .expect("search");
    assert_eq!(both.hits.len(), 2);
    let nothing = b
        .desk
        .search(&agent, &query("Nobody"))
        .await
        .expect("search");
    assert!(nothing.hits.is_empty());
    for bad in ["1", "12", "%", ""] {
        let refused = b.desk.search(&agent, &query(bad)).await;
        assert_eq!(
            refused.expect_err("refused").code,
            ErrorCode::InvalidInput,
            "{bad:?} is refused"
        );
    }
    // The read is audited: who searched and whom they were shown, never
    // what was typed.
    let entries = b
        .app
        .store
        .audit_entries(Some("customers"), 0, 1_000)
        .await
        .expect("audit");
    assert!(entries.iter().any(|e| e.entry.action == "customer.searched"
        && e.entry.actor == "agent:alice"
        && e.entry.detail.contains(&person.id.0.to_string())));
    assert!(
        entries
            .iter()
            .all(|e| !e.entry.detail.contains(&person.id_number)
                && !e.entry.detail.contains(pan.as_str())),
        "no typed number in the audit log"
    );
}
