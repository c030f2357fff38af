//! The customer's case locked by its code or session, the customer view
//! and the case lists.

use super::*;

/// What a customer's step reads: the case locked by the code or session,
/// with the card's last four and the document kind, in one statement; the
/// code spent and the case moved in one write; the case and its package by
/// the session.
pub(crate) async fn customer_case_locked_by_code_or_session(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::CustomerRequest).await;
    let case = add_case(store, &open_case(&card, &staff("li", Role::Agent), at(1))).await;
    let (code, session) = (bytes("code", 1), bytes("session", 1));
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.lock_customer_case(CaseKey::Code(&code))
            .await
            .expect("lock"),
        None,
        "no code set yet"
    );
    tx.set_case_code(case.id, &code).await.expect("set code");
    tx.commit().await.expect("commit");

    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.lock_customer_case(CaseKey::Code(&code))
            .await
            .expect("lock"),
        Some(CustomerCase {
            record: CaseRecord {
                case: case.clone(),
                code_used_at: None,
                assigned_to: case.opened_by.clone(),
            },
            card_last_four: card.last_four.clone(),
            // Customer 1 of the fixtures holds a passport.
            document_kind: DocumentKind::Passport,
        })
    );
    assert_eq!(
        tx.lock_customer_case(CaseKey::Session(&session))
            .await
            .expect("lock"),
        None,
        "no session before the code is used"
    );
    let requested = UnfreezeCase {
        state: CaseState::Requested,
        updated_at: at(minutes(3)),
        ..case.clone()
    };
    assert!(
        tx.use_case_code(&requested, &code, &session, at(minutes(3)))
            .await
            .expect("use code")
    );
    tx.commit().await.expect("commit");
    let opened = CaseRecord {
        case: requested,
        code_used_at: Some(at(minutes(3))),
        assigned_to: case.opened_by.clone(),
    };
    assert_eq!(
        store.case(case.id).await.expect("read"),
        Some(opened.clone()),
        "the code's use and the case's move written together"
    );
    let mut tx = store.begin().await.expect("begin");
    let by_session = tx
        .lock_customer_case(CaseKey::Session(&session))
        .await
        .expect("lock")
        .expect("the session opens it");
    assert_eq!(by_session.record, opened);
    drop(tx);

    assert_eq!(
        store
            .case_and_package_by_session(&session)
            .await
            .expect("read"),
        Some((opened.clone(), None)),
        "not packaged"
    );
    let package = add_package(store, &case, &card, at(minutes(2) + 17)).await;
    assert_eq!(
        store
            .case_and_package_by_session(&session)
            .await
            .expect("read"),
        Some((opened, Some(package)))
    );
    assert_eq!(
        store
            .case_and_package_by_session(&bytes("session", 2))
            .await
            .expect("read"),
        None
    );
}

/// A customer's request that reaches the case while a resend is replacing
/// its code waits for the resend, then finds nothing by the old code.
pub(crate) async fn customer_case_lock_misses_a_code_a_resend_replaced(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::CustomerRequest).await;
    let case = add_case(store, &open_case(&card, &staff("li", Role::Agent), at(1))).await;
    let (old, new) = (bytes("code", 1), bytes("code", 2));
    let mut tx = store.begin().await.expect("begin");
    tx.set_case_code(case.id, &old).await.expect("set code");
    tx.commit().await.expect("commit");

    let mut resend = store.begin().await.expect("begin");
    resend.set_case_code(case.id, &new).await.expect("new code");
    let request = async {
        let mut tx = store.begin().await.expect("begin");
        tx.lock_customer_case(CaseKey::Code(&old))
            .await
            .expect("lock")
    };
    let commit = async {
        // The request is waiting on the case's row (PostgreSQL) or the
        // writer's turn (SQLite) by now.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        resend.commit().await.expect("commit");
    };
    let (found, ()) = tokio::join!(request, commit);
    assert_eq!(found, None, "the replaced code opens nothing");
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.lock_customer_case(CaseKey::Code(&new))
            .await
            .expect("lock")
            .map(|c| c.record.case.id),
        Some(case.id)
    );
}

/// The customer view's read: the customer, their cards (none of another
/// customer's), and their cases not yet final, newest first, up to the
/// limit; a customer without a card has an empty view, an unknown one is
/// `None`.
pub(crate) async fn customer_overview_reads_what_the_view_shows(store: &dyn Store) {
    let li = staff("li", Role::Agent);
    let (id, c) = add_customer(store, 1).await;
    let dormant = add_card(
        store,
        id,
        1,
        frozen(FreezeReason::Dormant, at(-minutes(60))),
    )
    .await;
    let second = add_card(
        store,
        id,
        2,
        frozen(FreezeReason::Dormant, at(-minutes(30))),
    )
    .await;
    let active = add_card(store, id, 3, CardStatus::Active).await;
    let mut ended = add_case(store, &open_case(&dormant, &li, at(1))).await;
    ended.cancel(at(2)).expect("cancel");
    save(store, &ended).await;
    let reopened = add_case(store, &open_case(&dormant, &li, at(3))).await;
    let mut packaged = add_case(store, &open_case(&second, &li, at(4))).await;
    packaged.package(at(5)).expect("package");
    save(store, &packaged).await;
    let elsewhere = frozen_card(store, 9, FreezeReason::Dormant).await;
    add_case(store, &open_case(&elsewhere, &li, at(6))).await;

    // One given to another agent: every field of the records, against the
    // case list.
    let mut tx = store.begin().await.expect("begin");
    tx.assign_case(reopened.id, "agent:wang", at(7))
        .await
        .expect("assign");
    tx.commit().await.expect("commit");

    let found = store
        .customer_overview(id, 50)
        .await
        .expect("read")
        .expect("the customer");
    assert_eq!(found.customer, customer_of(id, &c));
    assert_eq!(found.cards, vec![dormant, second, active]);
    let listed = store
        .cases(&CaseFilter {
            states: CaseState::ALL
                .into_iter()
                .filter(|s| !s.is_final())
                .collect(),
            customers: vec![id],
            limit: 50,
            ..CaseFilter::default()
        })
        .await
        .expect("cases");
    assert_eq!(
        found.open_cases, listed,
        "the same records as the case list"
    );
    assert_eq!(found.open_cases[1].assigned_to, "agent:wang");
    let open: Vec<_> = found.open_cases.iter().map(|r| r.case.id).collect();
    assert_eq!(open, vec![packaged.id, reopened.id], "newest first");
    assert!(found.virtual_cards.is_empty());

    let newest = store
        .customer_overview(id, 1)
        .await
        .expect("read")
        .expect("the customer");
    let open: Vec<_> = newest.open_cases.into_iter().map(|r| r.case).collect();
    assert_eq!(open, vec![packaged]);
    let (bare, b) = add_customer(store, 2).await;
    let cardless = store
        .customer_overview(bare, 50)
        .await
        .expect("read")
        .expect("a customer without a card");
    assert_eq!(cardless.customer, customer_of(bare, &b));
    assert!(cardless.cards.is_empty() && cardless.open_cases.is_empty());
    assert_eq!(
        store
            .customer_overview(CustomerId(id.0 + 1_000), 50)
            .await
            .expect("read"),
        None
    );
}

pub(crate) async fn cases_filtered_and_paginated(store: &dyn Store) {
    let li = staff("li", Role::Agent);
    let wang = staff("wang", Role::Agent);
    let mut cards = Vec::new();
    for n in 1..=4 {
        cards.push(frozen_card(store, n, FreezeReason::Dormant).await);
    }
    let a = add_case(store, &open_case(&cards[0], &li, at(1))).await;
    let mut b = add_case(store, &open_case(&cards[1], &wang, at(2))).await;
    b.package(at(20)).expect("package");
    save(store, &b).await;
    let mut c = add_case(store, &open_case(&cards[2], &li, at(3))).await;
    c.cancel(at(30)).expect("cancel");
    save(store, &c).await;
    let d = add_case(store, &open_case(&cards[2], &li, at(4))).await;
    let e = add_case(store, &open_case(&cards[3], &wang, at(5))).await;
    assert!(a.id < b.id && b.id < c.id && c.id < d.id && d.id < e.id);

    let list = |filter: CaseFilter| async move {
        let records = store.cases(&filter).await.expect("cases");
        records.into_iter().map(|r| r.case).collect::<Vec<_>>()
    };
    let all = CaseFilter {
        limit: 100,
        ..CaseFilter::default()
    };

    assert_eq!(
        list(all.clone()).await,
        vec![e.clone(), d.clone(), c.clone(), b.clone(), a.clone()]
    );
    assert_eq!(
        list(CaseFilter {
            states: vec![CaseState::Marked],
            ..all.clone()
        })
        .await,
        vec![e.clone(), d.clone(), a.clone()]
    );
    assert_eq!(
        list(CaseFilter {
            states: vec![CaseState::Packaged, CaseState::Marked],
            ..all.clone()
        })
        .await,
        vec![e.clone(), d.clone(), b.clone(), a.clone()]
    );
    assert_eq!(
        list(CaseFilter {
            states: vec![CaseState::Unfrozen],
            ..all.clone()
        })
        .await,
        Vec::new()
    );
    assert_eq!(
        list(CaseFilter {
            opened_by: Some("agent:li".to_owned()),
            ..all.clone()
        })
        .await,
        vec![d.clone(), c.clone(), a.clone()]
    );
    assert_eq!(
        list(CaseFilter {
            states: vec![CaseState::Marked],
            opened_by: Some("agent:li".to_owned()),
            ..all.clone()
        })
        .await,
        vec![d.clone(), a.clone()]
    );
    assert_eq!(
        list(CaseFilter {
            opened_by: Some("agent:nobody".to_owned()),
            ..all.clone()
        })
        .await,
        Vec::new()
    );

    // By age: only the cases opened before a moment.
    assert_eq!(
        list(CaseFilter {
            opened_before: Some(at(3)),
            ..all.clone()
        })
        .await,
        vec![b.clone(), a.clone()]
    );

    // Keyset pagination, two at a time, newest first.
    let page = |before_id: Option<i64>| CaseFilter {
        before_id,
        limit: 2,
        ..CaseFilter::default()
    };
    assert_eq!(list(page(None)).await, vec![e.clone(), d.clone()]);
    assert_eq!(list(page(Some(d.id.0))).await, vec![c.clone(), b.clone()]);
    assert_eq!(list(page(Some(b.id.0))).await, vec![a.clone()]);
    assert_eq!(list(page(Some(a.id.0))).await, Vec::new());
    // Pagination combines with the other filters.
    assert_eq!(
        list(CaseFilter {
            states: vec![CaseState::Marked],
            before_id: Some(e.id.0),
            limit: 1,
            ..CaseFilter::default()
        })
        .await,
        vec![d.clone()]
    );
    assert_eq!(
        list(CaseFilter {
            opened_by: Some("agent:wang".to_owned()),
            before_id: Some(e.id.0),
            limit: 10,
            ..CaseFilter::default()
        })
        .await,
        vec![b]
    );
}
