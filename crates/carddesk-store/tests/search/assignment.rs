//! The search page's batch reads, reassignment and the case filters.

use super::Backend;
use super::fixtures::*;
use carddesk_domain::case::UnfreezeCase;
use carddesk_domain::{
    Card, CardStatus, CaseState, CustomerId, FreezeReason, Role, StaffMember, UnfreezePolicy,
};
use carddesk_store::CaseFilter;

pub(crate) async fn cards_of_many_customers(backend: Backend) {
    let store = backend.store();
    let s = store.as_ref();
    let x = add(s, &customer(1, "X", "0001", "0001")).await;
    let y = add(s, &customer(2, "Y", "0002", "0002")).await;
    let z = add(s, &customer(3, "Z", "0003", "0003")).await;
    let y1 = add_card(s, &card(y, 1, "1111", CardStatus::Active)).await;
    let x1 = add_card(s, &card(x, 2, "2222", CardStatus::Lost)).await;
    let y2 = add_card(s, &card(y, 3, "3333", CardStatus::Active)).await;
    add_card(s, &card(z, 4, "4444", CardStatus::Active)).await;

    let ids = |cards: Vec<Card>| cards.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let got = store.cards_of_customers(&[y, x]).await.expect("cards");
    assert_eq!(got[0], store.card(x1).await.expect("read").expect("card"));
    assert_eq!(ids(got), vec![x1, y1, y2]);
    assert!(
        store
            .cards_of_customers(&[])
            .await
            .expect("none")
            .is_empty()
    );
    assert!(
        store
            .cards_of_customers(&[CustomerId(x.0 + 100)])
            .await
            .expect("unknown")
            .is_empty()
    );
}

pub(crate) async fn cases_reassigned_and_filtered(backend: Backend) {
    let store = backend.store();
    let s = store.as_ref();
    let li = StaffMember {
        username: "li".to_owned(),
        role: Role::Agent,
    };
    let policy = UnfreezePolicy::default();
    let frozen = CardStatus::Frozen {
        reason: FreezeReason::Dormant,
        since: at(0),
    };
    let mut cases: Vec<UnfreezeCase> = Vec::new();
    let mut customers = Vec::new();
    for n in 1..=3 {
        let who = add(s, &customer(n, "C", "0000", "0000")).await;
        let card_id = add_card(s, &card(who, n, "0000", frozen)).await;
        let card = store.card(card_id).await.expect("read").expect("card");
        let mut case = UnfreezeCase::open(&card, policy.rule(FreezeReason::Dormant), &li, at(1))
            .expect("open");
        let mut tx = store.begin().await.expect("begin");
        case.id = tx.insert_case(&case).await.expect("insert case");
        tx.commit().await.expect("commit");
        cases.push(case);
        customers.push(who);
    }

    // A supervisor gives the second case to wang, under its lock.
    let mut tx = store.begin().await.expect("begin");
    let locked = tx
        .lock_case(cases[1].id)
        .await
        .expect("lock")
        .expect("case");
    assert_eq!(locked.assigned_to, "agent:li");
    tx.assign_case(cases[1].id, "agent:wang", at(5))
        .await
        .expect("assign");
    let relocked = tx
        .lock_case(cases[1].id)
        .await
        .expect("lock")
        .expect("case");
    assert_eq!(relocked.assigned_to, "agent:wang");
    tx.commit().await.expect("commit");

    let read = store.case(cases[1].id).await.expect("read").expect("case");
    assert_eq!(read.assigned_to, "agent:wang");
    assert_eq!(read.case.opened_by, "agent:li");
    assert_eq!(read.case.updated_at, at(5));
    assert_eq!(read.case.state, CaseState::Marked);
    let untouched = store.case(cases[0].id).await.expect("read").expect("case");
    assert_eq!(untouched.assigned_to, "agent:li");

    // An assignment not committed is not kept.
    let mut tx = store.begin().await.expect("begin");
    tx.assign_case(cases[0].id, "agent:zhao", at(6))
        .await
        .expect("assign");
    drop(tx);
    let after = store.case(cases[0].id).await.expect("read").expect("case");
    assert_eq!(after, untouched);

    let list = |filter: CaseFilter| {
        let store = store.clone();
        async move {
            let records = store.cases(&filter).await.expect("cases");
            records
                .into_iter()
                .map(|r| (r.case.id, r.assigned_to))
                .collect::<Vec<_>>()
        }
    };
    let all = CaseFilter {
        limit: 10,
        ..CaseFilter::default()
    };
    let (a, b, c) = (cases[0].id, cases[1].id, cases[2].id);
    let (li_label, wang) = (text("agent:li"), text("agent:wang"));
    assert_eq!(
        list(all.clone()).await,
        vec![
            (c, li_label.clone()),
            (b, wang.clone()),
            (a, li_label.clone())
        ]
    );
    assert_eq!(
        list(CaseFilter {
            assigned_to: Some(wang.clone()),
            ..all.clone()
        })
        .await,
        vec![(b, wang.clone())]
    );
    // The opener no longer has the reassigned case, whatever opened_by says.
    assert_eq!(
        list(CaseFilter {
            assigned_to: Some(li_label.clone()),
            ..all.clone()
        })
        .await,
        vec![(c, li_label.clone()), (a, li_label.clone())]
    );
    assert_eq!(
        list(CaseFilter {
            opened_by: Some(li_label.clone()),
            ..all.clone()
        })
        .await
        .len(),
        3
    );
    assert_eq!(
        list(CaseFilter {
            customers: vec![customers[2], customers[0]],
            ..all.clone()
        })
        .await,
        vec![(c, li_label.clone()), (a, li_label.clone())]
    );
    assert_eq!(
        list(CaseFilter {
            customers: vec![customers[0], customers[1]],
            assigned_to: Some(wang.clone()),
            ..all.clone()
        })
        .await,
        vec![(b, wang.clone())]
    );
    assert_eq!(
        list(CaseFilter {
            customers: vec![CustomerId(customers[2].0 + 100)],
            ..all.clone()
        })
        .await,
        Vec::new()
    );
}
