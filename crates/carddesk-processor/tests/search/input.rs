//! Input refused, Latin names in either case, wildcards taken literally.

use std::sync::Arc;

use carddesk_domain::CustomerId;
use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::IdDocument;
use carddesk_store::Store;
use carddesk_wire::MatchKind;

use super::common::*;
use super::fixtures::*;

pub(crate) async fn bad_input_is_refused(store: Arc<dyn Store>, db: TestDb) {
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

pub(crate) async fn latin_names_in_either_case(store: Arc<dyn Store>, db: TestDb) {
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

pub(crate) async fn wildcards_are_literal(store: Arc<dyn Store>, db: TestDb) {
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
