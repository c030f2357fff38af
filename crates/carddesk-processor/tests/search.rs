//! Finding a caller through the processor, on both databases: every way an
//! agent can find one, the ranking when one query matches several ways,
//! searches that find nobody, input refused, Latin names in either case,
//! LIKE wildcards taken literally, and each hit's cards and open cases.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use std::sync::Arc;

use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{CardId, CardStatus, CaseState, CustomerId, FreezeReason};
use carddesk_processor::enrol::{card_record, customer_record};
use carddesk_processor::search::SearchOutcome;
use carddesk_store::Store;
use carddesk_wire::MatchKind;
use common::*;

on_both_databases! {
    finds_a_caller_every_way => sqlite_finds_a_caller_every_way, postgres_finds_a_caller_every_way;
    best_match_first_each_customer_once =>
        sqlite_best_match_first_each_customer_once, postgres_best_match_first_each_customer_once;
    finds_nobody => sqlite_finds_nobody, postgres_finds_nobody;
    bad_input_is_refused => sqlite_bad_input_is_refused, postgres_bad_input_is_refused;
    latin_names_in_either_case =>
        sqlite_latin_names_in_either_case, postgres_latin_names_in_either_case;
    wildcards_are_literal => sqlite_wildcards_are_literal, postgres_wildcards_are_literal;
    open_cases_come_with_the_hit =>
        sqlite_open_cases_come_with_the_hit, postgres_open_cases_come_with_the_hit;
}

// ---------------------------------------------------------------------------
// Fixtures: numbers with chosen last four digits
// ---------------------------------------------------------------------------

/// A well-formed password hash: searches never check it.
const FAKE_PHC: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$ZmFrZWhhc2hmYWtlaGFzaGZha2VoYXNo";

/// A resident ID number ending in `last4` (three digits and a digit or X);
/// `salt` (below 50) sets the year of birth, keeping numbers apart. The
/// day of birth moves until the check
/// character comes out right.
fn resident_id_ending(last4: &str, salt: u32) -> String {
    for day in 0..336 {
        let first17 = format!(
            "110105{}{:02}{:02}{}",
            1950 + salt % 50,
            1 + day / 28,
            1 + day % 28,
            &last4[..3]
        );
        let check = carddesk_domain::id_number::check_character(&first17).expect("digits");
        if last4.ends_with(check) {
            return format!("{first17}{check}");
        }
    }
    panic!("no resident ID ends in {last4}");
}

/// A Luhn-valid card number ending in `last4`.
fn card_ending(last4: &str, salt: u32) -> String {
    for k in 0..1_000 {
        let payload = format!("622848{:06}{}", salt * 1_000 + k, &last4[..3]);
        let check = carddesk_domain::luhn::check_digit(&payload).expect("digits");
        if last4.ends_with(char::from(b'0' + check)) {
            return format!("{payload}{check}");
        }
    }
    panic!("no card number ends in {last4}");
}

/// A mainland mobile number ending in `last4`.
fn phone_ending(last4: &str, salt: u32) -> String {
    format!("+86139{salt:04}{last4}")
}

/// Enrols a customer with the document, phone and cards given (each card
/// as its number and status); returns the id and the card ids.
async fn enrol_caller(
    desk: &Desk,
    name: &str,
    document: &IdDocument,
    phone: &str,
    cards: &[(&str, CardStatus)],
) -> (CustomerId, Vec<CardId>) {
    let phone = PhoneNumber::parse(phone).expect("phone");
    let mut tx = desk.store.begin().await.expect("begin");
    let record = customer_record(&desk.keys, name, document, &phone, "zh-CN");
    let id = tx.insert_customer(&record).await.expect("customer");
    let mut ids = Vec::new();
    for (number, status) in cards {
        let pan = CardNumber::parse(number).expect("card number");
        let record = card_record(&desk.keys, id, &pan, FAKE_PHC.to_owned(), "Debit", *status);
        ids.push(tx.insert_card(&record).await.expect("card"));
    }
    tx.commit().await.expect("commit");
    (id, ids)
}

/// A customer with a resident ID ending in `id4`, a phone ending in
/// `phone4` and one active card per `cards` last four.
async fn caller(
    desk: &Desk,
    n: u32,
    name: &str,
    id4: &str,
    phone4: &str,
    cards: &[&str],
) -> CustomerId {
    let id = IdDocument::resident_id(&resident_id_ending(id4, n)).expect("valid ID");
    let numbers: Vec<String> = cards
        .iter()
        .enumerate()
        .map(|(i, l)| card_ending(l, n * 10 + i as u32))
        .collect();
    let cards: Vec<(&str, CardStatus)> = numbers
        .iter()
        .map(|c| (c.as_str(), CardStatus::Active))
        .collect();
    enrol_caller(desk, name, &id, &phone_ending(phone4, n), &cards)
        .await
        .0
}

async fn search(desk: &Desk, query: &str) -> SearchOutcome {
    desk.processor
        .search(query, 20)
        .await
        .unwrap_or_else(|e| panic!("search {query:?}: {e}"))
}

/// Who a search found and how, in order.
async fn hits(desk: &Desk, query: &str) -> Vec<(CustomerId, MatchKind)> {
    search(desk, query)
        .await
        .hits
        .into_iter()
        .map(|h| (h.customer.id, h.matched_by))
        .collect()
}

// ---------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------

async fn finds_a_caller_every_way(store: Arc<dyn Store>, db: TestDb) {
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

async fn best_match_first_each_customer_once(store: Arc<dyn Store>, db: TestDb) {
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

async fn finds_nobody(store: Arc<dyn Store>, db: TestDb) {
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

async fn bad_input_is_refused(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    caller(&desk, 1, "Zhang Wei", "1234", "1234", &["1234"]).await;
    let bad_card = {
        let good = card_ending("1234", 1);
        let last = good.as_bytes()[good.len() - 1] - b'0';
        format!("{}{}", &good[..good.len() - 1], (last + 1) % 10)
    };
    // 18 digits that are neither an ID number nor a card number.
    let bad_id = {
        let good = resident_id_ending("1235", 1);
        (0..10)
            .map(|d| format!("{}{d}", &good[..17]))
            .find(|c| IdDocument::resident_id(c).is_err() && CardNumber::parse(c).is_err())
            .expect("a digit that fails both checks")
    };
    for query in [
        "",
        "   ",
        "z",
        "Z",
        "1",
        "12",
        "123",
        "12345",
        "%",
        "--",
        bad_card.as_str(),
        bad_id.as_str(),
        "王1",
    ] {
        let e = desk.processor.search(query, 20).await.expect_err(query);
        assert_eq!(e.code(), "invalid_input", "{query:?}: {e}");
        if query.trim().len() > 4 {
            assert!(
                !e.to_string().contains(query.trim()),
                "{query:?} echoed: {e}"
            );
        }
    }
    for limit in [0, 51, u32::MAX] {
        let e = desk
            .processor
            .search("1234", limit)
            .await
            .expect_err("limit");
        assert_eq!(e.code(), "invalid_input", "{limit}");
    }
    let long = "z".repeat(65);
    assert_eq!(
        desk.processor
            .search(&long, 20)
            .await
            .expect_err("long")
            .code(),
        "invalid_input"
    );
}

async fn latin_names_in_either_case(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let bo = caller(&desk, 1, "Wang Bo", "0001", "0001", &[]).await;
    let an = caller(&desk, 2, "wang an", "0002", "0002", &[]).await;
    let an_upper = caller(&desk, 3, "WANG AN", "0003", "0003", &[]).await;
    caller(&desk, 4, "Wong", "0004", "0004", &[]).await;
    let by_name = |ids: &[CustomerId]| {
        ids.iter()
            .map(|id| (*id, MatchKind::NamePrefix))
            .collect::<Vec<_>>()
    };
    // By name with case folded, then id.
    for query in ["wang", "WANG", "wAnG", " Wang "] {
        assert_eq!(
            hits(&desk, query).await,
            by_name(&[an, an_upper, bo]),
            "{query:?}"
        );
    }
    assert_eq!(hits(&desk, "WANG A").await, by_name(&[an, an_upper]));
    assert_eq!(hits(&desk, "wang   bo").await, by_name(&[bo]));
}

async fn wildcards_are_literal(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let under = caller(&desk, 1, "Wang_Li", "0001", "0001", &[]).await;
    caller(&desk, 2, "WangXLi", "0002", "0002", &[]).await;
    caller(&desk, 3, "Zhang Wei", "0003", "0003", &[]).await;
    let percent = caller(&desk, 4, "Wang%Fang", "0004", "0004", &[]).await;
    assert_eq!(
        hits(&desk, "Wang_").await,
        vec![(under, MatchKind::NamePrefix)]
    );
    assert_eq!(
        hits(&desk, "wang%").await,
        vec![(percent, MatchKind::NamePrefix)]
    );
    for query in ["Zh%", "_hang", "%ang", "W_ng", "Wang\\", "Zhang%Wei"] {
        assert_eq!(hits(&desk, query).await, Vec::new(), "{query:?}");
    }
}

async fn open_cases_come_with_the_hit(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let alice = agent("alice");
    let wrong_pin = || frozen(FreezeReason::WrongPinLimit);
    let numbers: Vec<String> = (0..4).map(|i| card_ending("8888", 10 + i)).collect();
    let (who, cards) = enrol_caller(
        &desk,
        "Chen Jing",
        &IdDocument::resident_id(&resident_id_ending("0001", 1)).expect("valid"),
        &phone_ending("0001", 1),
        &[
            (&numbers[0], wrong_pin()),
            (&numbers[1], wrong_pin()),
            (&numbers[2], wrong_pin()),
            (&numbers[3], CardStatus::Active),
        ],
    )
    .await;
    let (other, other_cards) = enrol_caller(
        &desk,
        "Chen Ming",
        &IdDocument::resident_id(&resident_id_ending("0002", 2)).expect("valid"),
        &phone_ending("0002", 2),
        &[(&card_ending("9999", 20), wrong_pin())],
    )
    .await;
    let p = &desk.processor;
    let first = p.mark(&alice, cards[0], CONSOLE).await.expect("mark").id;
    let cancelled = p.mark(&alice, cards[1], CONSOLE).await.expect("mark").id;
    p.cancel(&alice, cancelled, "customer hung up", CONSOLE)
        .await
        .expect("cancel");
    let packaged = p.mark(&alice, cards[2], CONSOLE).await.expect("mark").id;
    p.package(&alice, packaged, CONSOLE).await.expect("package");
    let others = p
        .mark(&alice, other_cards[0], CONSOLE)
        .await
        .expect("mark")
        .id;
    // A supervisor gave the first case to bob.
    let mut tx = desk.store.begin().await.expect("begin");
    tx.lock_case(first).await.expect("lock").expect("case");
    tx.assign_case(first, "agent:bob", desk.processor.now())
        .await
        .expect("assign");
    tx.commit().await.expect("commit");

    let found = search(&desk, "chen").await;
    let by_customer: Vec<_> = found
        .hits
        .iter()
        .map(|h| {
            let cases: Vec<_> = h
                .open_cases
                .iter()
                .map(|r| (r.case.id, r.case.state, r.assigned_to.as_str()))
                .collect();
            (h.customer.id, h.cards.len(), cases)
        })
        .collect();
    assert_eq!(
        by_customer,
        vec![
            (
                who,
                4,
                vec![
                    (packaged, CaseState::Packaged, "agent:alice"),
                    (first, CaseState::Marked, "agent:bob"),
                ]
            ),
            (other, 1, vec![(others, CaseState::Marked, "agent:alice")]),
        ]
    );
    // The same whichever way the customer is found.
    let by_card = search(&desk, "8888").await;
    assert_eq!(by_card.hits.len(), 1);
    assert_eq!(by_card.hits[0].open_cases, found.hits[0].open_cases);
}
