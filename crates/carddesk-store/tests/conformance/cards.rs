//! Cards: every status round trip, lookups, uniqueness and the status
//! history.

use super::*;

/// Every status a card can have, frozen ones with every reason and each
/// with its own `since` (one before 1970, to catch unsigned handling).
pub(crate) fn every_status() -> Vec<CardStatus> {
    let mut statuses = vec![CardStatus::Active];
    for (i, reason) in FreezeReason::ALL.into_iter().enumerate() {
        let i = i64::try_from(i).expect("small");
        statuses.push(frozen(reason, at(-minutes(600) + i * 7_654_321 + 1)));
    }
    statuses.push(frozen(
        FreezeReason::Dormant,
        DateTime::from_timestamp_micros(-86_400_000_001).expect("in range"),
    ));
    statuses.extend([CardStatus::Lost, CardStatus::Stolen, CardStatus::Closed]);
    statuses
}

pub(crate) async fn cards_round_trip_every_status(store: &dyn Store) {
    let (customer, _) = add_customer(store, 1).await;
    let mut tx = store.begin().await.expect("begin");
    let mut expected = Vec::new();
    for (n, status) in (10..).zip(every_status()) {
        let c = new_card(customer, n, status);
        let id = tx.insert_card(&c).await.expect("insert card");
        expected.push(card_of(id, &c));
    }
    tx.commit().await.expect("commit");

    for card in &expected {
        assert_eq!(store.card(card.id).await.expect("read"), Some(card.clone()));
    }
    let mut tx = store.begin().await.expect("begin");
    for card in &expected {
        assert_eq!(
            tx.lock_card(card.id).await.expect("lock"),
            Some(card.clone())
        );
    }
    assert_eq!(tx.lock_card(CardId(9_999)).await.expect("lock"), None);
    drop(tx);
    assert_eq!(store.card(CardId(9_999)).await.expect("read"), None);
    assert_eq!(
        store.counts().await.expect("counts"),
        (1, i64::try_from(expected.len()).expect("small"))
    );
}

pub(crate) async fn cards_of_customer_in_id_order(store: &dyn Store) {
    let (a, _) = add_customer(store, 1).await;
    let (b, _) = add_customer(store, 2).await;
    // Interleave the two customers' cards so that id order is not insertion
    // order per customer by accident.
    let a1 = add_card(store, a, 1, CardStatus::Active).await;
    let b1 = add_card(store, b, 2, CardStatus::Lost).await;
    let a2 = add_card(store, a, 3, frozen(FreezeReason::RiskReview, at(5))).await;
    let a3 = add_card(store, a, 4, CardStatus::Closed).await;
    assert!(a1.id < a2.id && a2.id < a3.id);

    assert_eq!(
        store.cards_of_customer(a).await.expect("cards"),
        vec![a1, a2, a3]
    );
    assert_eq!(store.cards_of_customer(b).await.expect("cards"), vec![b1]);
    let (c, _) = add_customer(store, 3).await;
    assert_eq!(store.cards_of_customer(c).await.expect("cards"), Vec::new());
}

pub(crate) async fn cards_by_pan_digest_and_secrets(store: &dyn Store) {
    let (customer, holder) = add_customer(store, 1).await;
    let n1 = new_card(customer, 1, CardStatus::Active);
    let n2 = new_card(customer, 2, frozen(FreezeReason::WrongPinLimit, at(0)));
    let mut tx = store.begin().await.expect("begin");
    let id1 = tx.insert_card(&n1).await.expect("insert");
    let id2 = tx.insert_card(&n2).await.expect("insert");
    tx.commit().await.expect("commit");

    for card in [id1, id2] {
        assert_eq!(
            store.customer_of_card(card).await.expect("holder"),
            Some(customer_of(customer, &holder))
        );
    }
    assert_eq!(
        store
            .customer_of_card(CardId(id2.0 + 50))
            .await
            .expect("holder"),
        None
    );

    assert_eq!(
        store
            .card_by_pan_digest(&n2.pan_digest)
            .await
            .expect("by pan"),
        Some(card_of(id2, &n2))
    );
    assert_eq!(
        store
            .card_by_pan_digest(&n1.pan_digest)
            .await
            .expect("by pan"),
        Some(card_of(id1, &n1))
    );
    assert_eq!(
        store
            .card_by_pan_digest(&bytes("pan-digest", 77))
            .await
            .expect("by pan"),
        None
    );

    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.card_secrets(id1).await.expect("secrets"),
        Some(CardSecrets {
            pan_sealed: n1.pan_sealed.clone(),
            password_hash: n1.password_hash.clone(),
        })
    );
    assert_eq!(
        tx.card_secrets(id2).await.expect("secrets"),
        Some(CardSecrets {
            pan_sealed: n2.pan_sealed.clone(),
            password_hash: n2.password_hash.clone(),
        })
    );
    assert_eq!(
        tx.card_secrets(CardId(id2.0 + 50)).await.expect("secrets"),
        None
    );
}

pub(crate) async fn cards_duplicate_pan_digest_is_conflict(store: &dyn Store) {
    let (customer, _) = add_customer(store, 1).await;
    let first = add_card(store, customer, 1, CardStatus::Active).await;
    let mut dup = new_card(customer, 2, CardStatus::Active);
    dup.pan_digest = bytes("pan-digest", 1);

    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .insert_card(&dup)
        .await
        .expect_err("duplicate pan digest");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);
    assert_eq!(
        store.cards_of_customer(customer).await.expect("cards"),
        vec![first]
    );
}

pub(crate) async fn card_status_change_writes_history(store: &dyn Store) {
    let (customer, _) = add_customer(store, 1).await;
    let since = at(-minutes(90) + 3);
    let card = add_card(
        store,
        customer,
        1,
        frozen(FreezeReason::WrongPinLimit, since),
    )
    .await;
    let other = add_card(store, customer, 2, CardStatus::Active).await;
    assert_eq!(
        store.card_history(card.id).await.expect("history"),
        Vec::new()
    );

    let agent = Actor::Staff(staff("li", Role::Agent));
    let steps = [
        // The customer unfreezes it remotely…
        (CardStatus::Active, Actor::Customer(customer), at(11)),
        // …an agent freezes it again as dormant…
        (
            frozen(FreezeReason::Dormant, at(minutes(30) + 7)),
            agent.clone(),
            at(minutes(30) + 7),
        ),
        // …and the system closes it.
        (CardStatus::Closed, Actor::System, at(minutes(45) + 999_999)),
    ];
    let mut status = card.status;
    let mut history = Vec::new();
    for (to, actor, when) in steps {
        let t = CardTransition::new(card.id, &status, &to, &actor, when).expect("legal move");
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(
            tx.lock_card(card.id).await.expect("lock").map(|c| c.status),
            Some(status)
        );
        tx.set_card_status(&to, &t).await.expect("set status");
        tx.commit().await.expect("commit");
        history.push(t);
        status = to;
        assert_eq!(
            store.card(card.id).await.expect("read"),
            Some(Card {
                status,
                ..card.clone()
            })
        );
    }

    let read = store.card_history(card.id).await.expect("history");
    assert_eq!(read, history);
    // Spelled out, what the first transition recorded.
    assert_eq!(read[0].from, carddesk_domain::CardStatusKind::Frozen);
    assert_eq!(read[0].to, carddesk_domain::CardStatusKind::Active);
    assert_eq!(read[0].reason, Some(FreezeReason::WrongPinLimit));
    assert_eq!(read[0].channel, carddesk_domain::Channel::Customer);
    assert_eq!(read[0].actor, format!("customer:{}", customer.0));
    assert_eq!(read[0].at, at(11));
    assert_eq!(read[1].actor, "agent:li");
    assert_eq!(read[2].channel, carddesk_domain::Channel::System);

    // The other card's history is its own.
    let to = frozen(FreezeReason::CustomerRequest, at(3));
    let t = CardTransition::new(other.id, &other.status, &to, &agent, at(3)).expect("legal");
    let mut tx = store.begin().await.expect("begin");
    tx.set_card_status(&to, &t).await.expect("set status");
    tx.commit().await.expect("commit");
    assert_eq!(
        store.card_history(other.id).await.expect("history"),
        vec![t]
    );
    assert_eq!(store.card_history(card.id).await.expect("history"), history);
    assert_eq!(
        store.card(other.id).await.expect("read").map(|c| c.status),
        Some(to)
    );
}
