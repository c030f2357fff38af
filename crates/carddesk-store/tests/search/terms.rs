//! Each search term alone and several at once.

use super::Backend;
use super::fixtures::*;
use carddesk_domain::{CardStatus, CustomerId};
use carddesk_store::SearchTerm;

pub(crate) async fn each_term_finds_its_customers(backend: Backend) {
    let store = backend.store();
    let s = store.as_ref();
    let wang = add(s, &customer(1, "王小明", "1234", "123X")).await;
    let zhang = add(s, &customer(2, "Zhang Wei", "5678", "1234")).await;
    let other = add(s, &customer(3, "Li Na", "9012", "9012")).await;
    add_card(s, &card(wang, 1, "5678", CardStatus::Active)).await;
    add_card(s, &card(other, 2, "1234", CardStatus::Active)).await;
    add_card(s, &card(other, 3, "1234", CardStatus::Closed)).await;

    let id = |c: CustomerId| vec![c.0];
    assert_eq!(
        one(
            s,
            SearchTerm::IdDigests(vec![digest("id", 9), digest("id", 2)])
        )
        .await,
        id(zhang)
    );
    assert_eq!(
        one(s, SearchTerm::IdDigests(Vec::new())).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        one(s, SearchTerm::PanDigest(digest("pan", 3))).await,
        id(other)
    );
    assert_eq!(
        one(s, SearchTerm::PanDigest(digest("pan", 9))).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        one(s, SearchTerm::Phone(text("+8613900011234"))).await,
        id(wang)
    );
    assert_eq!(
        one(s, SearchTerm::Phone(text("+8613900011235"))).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        one(s, SearchTerm::PhoneLastFour(text("5678"))).await,
        id(zhang)
    );
    // A customer with two cards ending alike comes once.
    assert_eq!(
        one(s, SearchTerm::CardLastFour(text("1234"))).await,
        id(other)
    );
    assert_eq!(
        one(s, SearchTerm::CardLastFour(text("5678"))).await,
        id(wang)
    );
    assert_eq!(one(s, SearchTerm::IdLastFour(text("123X"))).await, id(wang));
    assert_eq!(
        one(s, SearchTerm::IdLastFour(text("1234"))).await,
        id(zhang)
    );
    assert_eq!(
        one(s, SearchTerm::IdLastFour(text("0000"))).await,
        Vec::<i64>::new()
    );
    assert_eq!(one(s, SearchTerm::NamePrefix(text("王"))).await, id(wang));
    assert_eq!(one(s, SearchTerm::NamePrefix(text("zh"))).await, id(zhang));
    assert_eq!(
        one(s, SearchTerm::NamePrefix(text("li na"))).await,
        id(other)
    );
    assert_eq!(
        one(s, SearchTerm::NamePrefix(text("li nab"))).await,
        Vec::<i64>::new()
    );
    assert!(found(s, &[], 10).await.is_empty());

    // The customer comes back whole.
    let m = store
        .search_customers(&[SearchTerm::PhoneLastFour(text("5678"))], 5)
        .await
        .expect("search");
    assert_eq!(
        Some(&m[0].customer),
        store.customer(zhang).await.expect("read").as_ref()
    );
}

pub(crate) async fn several_terms_by_term_then_name_then_id(backend: Backend) {
    let store = backend.store();
    let s = store.as_ref();
    // Inserted out of name order; two fold to the same name.
    let b = add(s, &customer(1, "zhang wei", "4321", "0001")).await;
    let a = add(s, &customer(2, "Zhang An", "4321", "0002")).await;
    let c = add(s, &customer(3, "ZHANG WEI", "4321", "0003")).await;
    let d = add(s, &customer(4, "Zhao", "0000", "4321")).await;
    add_card(s, &card(a, 1, "4321", CardStatus::Active)).await;

    let terms = [
        SearchTerm::PhoneLastFour(text("4321")),
        SearchTerm::CardLastFour(text("4321")),
        SearchTerm::IdLastFour(text("4321")),
    ];
    assert_eq!(
        found(s, &terms, 10).await,
        vec![(0, a.0), (0, b.0), (0, c.0), (1, a.0), (2, d.0)]
    );
    // At most `per_term` for each term, the first by name then id.
    assert_eq!(
        found(s, &terms, 2).await,
        vec![(0, a.0), (0, b.0), (1, a.0), (2, d.0)]
    );
    // Terms in another order come in that order.
    let reversed: Vec<SearchTerm> = terms.iter().rev().cloned().collect();
    assert_eq!(
        found(s, &reversed, 1).await,
        vec![(0, d.0), (1, a.0), (2, a.0)]
    );
}

pub(crate) async fn name_prefix_folds_ascii_and_has_no_wildcards(backend: Backend) {
    let store = backend.store();
    let s = store.as_ref();
    let under = add(s, &customer(1, "Wang_Li", "0001", "0001")).await;
    let plain = add(s, &customer(2, "WangXLi", "0002", "0002")).await;
    let percent = add(s, &customer(3, "Wang%", "0003", "0003")).await;
    let chinese = add(s, &customer(4, "王芳", "0004", "0004")).await;
    let near = add(s, &customer(5, "汪洋", "0005", "0005")).await;
    let accent = add(s, &customer(6, "Élodie", "0006", "0006")).await;
    let name = |p: &str| SearchTerm::NamePrefix(p.to_owned());

    assert_eq!(
        one(s, name("wang")).await,
        vec![percent.0, under.0, plain.0]
    );
    assert_eq!(
        one(s, name("WANG")).await,
        vec![percent.0, under.0, plain.0]
    );
    // `_` and `%` are themselves, never wildcards.
    assert_eq!(one(s, name("wang_")).await, vec![under.0]);
    assert_eq!(one(s, name("_ang")).await, Vec::<i64>::new());
    assert_eq!(one(s, name("wang%")).await, vec![percent.0]);
    assert_eq!(one(s, name("%")).await, Vec::<i64>::new());
    assert_eq!(one(s, name("w%")).await, Vec::<i64>::new());
    // Chinese matches exactly; a near character is another name.
    assert_eq!(one(s, name("王")).await, vec![chinese.0]);
    assert_eq!(one(s, name("汪")).await, vec![near.0]);
    assert_eq!(one(s, name("王芳")).await, vec![chinese.0]);
    assert_eq!(one(s, name("王芳芳")).await, Vec::<i64>::new());
    // Only ASCII letters fold, alike on both databases.
    assert_eq!(one(s, name("Élo")).await, vec![accent.0]);
    assert_eq!(one(s, name("élo")).await, Vec::<i64>::new());
}
