//! Every way of finding a caller, the ranking, and searches that find nobody.

use std::sync::Arc;

use carddesk_domain::customer::IdDocument;
use carddesk_domain::{CardStatus, CustomerId, FreezeReason};
use carddesk_store::Store;
use carddesk_wire::MatchKind;

use super::common::*;
use super::fixtures::*;

pub(crate) async fn finds_a_caller_every_way(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let zhang_id = resident_id_ending("123X", 1);
    let zhang_frozen = card_ending("2222", 1);
    let zhang_active = card_ending("3333", 2);
    let (zhang, zhang_cards) = enrol_caller(
        &desk,
        "张伟",
        &IdDocument::resident_id(&zhang_id).expect("valid"),
        &phone_ending("1111", 1),
        &[
            (&zhang_frozen, frozen(FreezeReason::WrongPinLimit)),
            (&zhang_active, CardStatus::Active),
        ],
    )
    .await;
    let smith_card = card_ending("5555", 3);
    let (smith, _) = enrol_caller(
        &desk,
        "John Smith",
        &IdDocument::passport("GBR", "P12345678").expect("valid"),
        &phone_ending("4444", 2),
        &[(&smith_card, CardStatus::Active)],
    )
    .await;
    let li_id = resident_id_ending("6666", 3);
    let (li, _) = enrol_caller(
        &desk,
        "Li Na",
        &IdDocument::resident_id(&li_id).expect("valid"),
        &phone_ending("7777", 3),
        &[],
    )
    .await;

    use MatchKind::*;
    let spaced = |s: &str| {
        s.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).expect("ASCII"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let expectations: Vec<(String, CustomerId, MatchKind)> = vec![
        (zhang_id.to_lowercase(), zhang, IdNumber),
        (format!(" {} ", spaced(&zhang_id)), zhang, IdNumber),
        (li_id.clone(), li, IdNumber),
        ("GBR P12345678".to_owned(), smith, IdNumber),
        ("gbr:p12345678".to_owned(), smith, IdNumber),
        ("P12345678".to_owned(), smith, IdNumber),
        (spaced(&zhang_frozen), zhang, CardNumber),
        (spaced(&smith_card).replace(' ', "-"), smith, CardNumber),
        ("139-0001-1111".to_owned(), zhang, Phone),
        ("+86 139 0001 1111".to_owned(), zhang, Phone),
        ("1111".to_owned(), zhang, PhoneLastFour),
        ("2222".to_owned(), zhang, CardLastFour),
        ("3333".to_owned(), zhang, CardLastFour),
        ("123x".to_owned(), zhang, IdLastFour),
        ("6666".to_owned(), li, IdLastFour),
        ("张".to_owned(), zhang, NamePrefix),
        ("张伟".to_owned(), zhang, NamePrefix),
        ("john".to_owned(), smith, NamePrefix),
        ("Li N".to_owned(), li, NamePrefix),
    ];
    for (query, who, how) in expectations {
        assert_eq!(hits(&desk, &query).await, vec![(who, how)], "{query:?}");
    }

    // The hit carries the customer and every card, masked.
    let found = search(&desk, "1111").await;
    assert!(!found.truncated);
    let hit = &found.hits[0];
    assert_eq!(
        Some(&hit.customer),
        desk.store.customer(zhang).await.expect("read").as_ref()
    );
    assert_eq!(
        hit.cards,
        desk.store.cards_of_customer(zhang).await.expect("cards")
    );
    assert_eq!(
        hit.cards.iter().map(|c| c.id).collect::<Vec<_>>(),
        zhang_cards
    );
    for (card, number) in hit.cards.iter().zip([&zhang_frozen, &zhang_active]) {
        assert_eq!(
            card.masked_number(),
            format!("622848******{}", &number[12..])
        );
    }
    assert!(!format!("{found:?}").contains(&zhang_id));
    assert!(!format!("{found:?}").contains(&zhang_frozen));
    assert!(hit.open_cases.is_empty());
}

pub(crate) async fn best_match_first_each_customer_once(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    // Alpha matches "4321" twice: by phone and by card.
    let alpha = caller(&desk, 1, "Alpha", "0001", "4321", &["4321"]).await;
    let beta = caller(&desk, 2, "Beta", "0002", "0002", &["4321", "0000"]).await;
    let gamma = caller(&desk, 3, "Gamma", "4321", "0003", &[]).await;
    let delta = caller(&desk, 4, "Delta", "4321", "0004", &[]).await;
    caller(&desk, 5, "Epsilon", "0005", "0005", &["1234"]).await;

    use MatchKind::*;
    let all = vec![
        (alpha, PhoneLastFour),
        (beta, CardLastFour),
        (delta, IdLastFour),
        (gamma, IdLastFour),
    ];
    assert_eq!(hits(&desk, "4321").await, all);
    for limit in 1..=5_u32 {
        let found = desk.processor.search("4321", limit).await.expect("search");
        let got: Vec<_> = found
            .hits
            .iter()
            .map(|h| (h.customer.id, h.matched_by))
            .collect();
        let shown = all.len().min(limit as usize);
        assert_eq!(got, all[..shown], "limit {limit}");
        assert_eq!(
            found.truncated,
            (limit as usize) < all.len(),
            "limit {limit}"
        );
    }
}

pub(crate) async fn finds_nobody(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    caller(&desk, 1, "Zhang Wei", "1234", "1234", &["1234"]).await;
    let nobody_id = resident_id_ending("1234", 9);
    let nobody_card = card_ending("1234", 9);
    for query in [
        "9999",
        "999x",
        "13900091234",
        "+44 20 7946 0000",
        "Wang",
        "王",
        "Zhang Weii",
        "P7654321",
        nobody_id.as_str(),
        nobody_card.as_str(),
    ] {
        let found = search(&desk, query).await;
        assert!(found.hits.is_empty(), "{query:?}: {found:?}");
        assert!(!found.truncated);
    }
}
