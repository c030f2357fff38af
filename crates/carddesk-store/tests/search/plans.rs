//! The query plans: every term an index lookup.

use super::Backend;
use super::fixtures::*;
use carddesk_domain::{CardId, CardStatus, CustomerId};
use carddesk_store::{NewCard, NewCustomer, SearchTerm};

/// Every term alone is an index lookup, on a bank of 20,000 customers and
/// cards with the planners' statistics up to date.
pub(crate) async fn every_term_is_an_index_lookup(backend: Backend) {
    const N: u32 = 20_000;
    let store = backend.store();
    let customers: Vec<(CustomerId, NewCustomer)> = (1..=N)
        .map(|n| {
            let c = customer(
                n,
                &format!("客户 {n}"),
                &format!("{:04}", n % 10_000),
                "0000",
            );
            (
                CustomerId(i64::from(n)),
                NewCustomer {
                    phone: format!("+86138{n:08}"),
                    document_masked: format!("110***********{:04}", n % 10_000),
                    ..c
                },
            )
        })
        .collect();
    let cards: Vec<(CardId, NewCard)> = (1..=N)
        .map(|n| {
            let c = card(
                CustomerId(i64::from(n)),
                n,
                &format!("{:04}", n % 10_000),
                CardStatus::Active,
            );
            (CardId(i64::from(n)), c)
        })
        .collect();
    let mut tx = store.begin().await.expect("begin");
    tx.insert_customers_bulk(&customers)
        .await
        .expect("customers");
    tx.insert_cards_bulk(&cards).await.expect("cards");
    tx.sync_id_sequences().await.expect("sequences");
    tx.commit().await.expect("commit");
    backend.exec("ANALYZE").await;

    let cases = [
        (
            SearchTerm::IdDigests(vec![digest("id", 7), digest("id", 8)]),
            // SQLite names the index of a UNIQUE constraint itself.
            "customers_id_digest_key|sqlite_autoindex_customers_1",
        ),
        (
            SearchTerm::PanDigest(digest("pan", 7)),
            "cards_pan_digest_key|sqlite_autoindex_cards_1",
        ),
        (SearchTerm::Phone(text("+8613800000007")), "customers_phone"),
        (
            SearchTerm::PhoneLastFour(text("0007")),
            "customers_phone_last_four",
        ),
        (SearchTerm::CardLastFour(text("0007")), "cards_last_four"),
        (
            SearchTerm::IdLastFour(text("0007")),
            "customers_document_last_four",
        ),
        (
            SearchTerm::NamePrefix(text("客户 17")),
            "customers_name_fold",
        ),
    ];
    for (term, index) in cases {
        let plan = backend.plan(std::slice::from_ref(&term)).await;
        assert!(
            index.split('|').any(|name| plan.contains(name)),
            "{term:?} should use {index}:\n{plan}"
        );
        // A full scan reads as "SCAN customers" on SQLite (a SEARCH is an
        // index lookup) and "Seq Scan" on PostgreSQL.
        for scan in ["SCAN customers", "SCAN cards", "Seq Scan"] {
            assert!(!plan.contains(scan), "{term:?} scans:\n{plan}");
        }
    }
    // The found rows are the right ones on the large bank too.
    let hits = found(
        store.as_ref(),
        &[SearchTerm::NamePrefix(text("客户 1999"))],
        50,
    )
    .await;
    let mut expected: Vec<i64> = vec![
        1999, 19990, 19991, 19992, 19993, 19994, 19995, 19996, 19997, 19998, 19999,
    ];
    expected.sort_by_key(|n| format!("客户 {n}"));
    assert_eq!(
        hits.into_iter().map(|(_, id)| id).collect::<Vec<_>>(),
        expected
    );
}
