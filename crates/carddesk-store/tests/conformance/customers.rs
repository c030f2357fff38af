//! Customers: inserted, read, looked up, kept unique; and bulk inserts for
//! seeding.

use super::*;

pub(crate) async fn customers_insert_and_read(store: &dyn Store) {
    assert_eq!(store.customer(CustomerId(1)).await.expect("read"), None);
    assert_eq!(store.counts().await.expect("counts"), (0, 0));

    let (id1, c1) = add_customer(store, 1).await;
    let (id2, c2) = add_customer(store, 2).await;
    assert_ne!(id1, id2);

    assert_eq!(
        store.customer(id1).await.expect("read"),
        Some(customer_of(id1, &c1))
    );
    assert_eq!(
        store.customer(id2).await.expect("read"),
        Some(customer_of(id2, &c2))
    );
    let secrets = CustomerSecrets {
        id_digest: c1.id_digest.clone(),
        id_sealed: c1.id_sealed.clone(),
        language: c1.language.clone(),
    };
    assert_eq!(
        store.customer_secrets(id1).await.expect("secrets"),
        Some(secrets.clone())
    );
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.customer_secrets(id1).await.expect("secrets in tx"),
        Some(secrets)
    );
    assert_eq!(
        tx.customer_secrets(CustomerId(id2.0 + 100))
            .await
            .expect("secrets in tx"),
        None
    );
    drop(tx);
    assert_eq!(
        store
            .customer_secrets(CustomerId(id2.0 + 100))
            .await
            .expect("secrets"),
        None
    );
    assert_eq!(store.counts().await.expect("counts"), (2, 0));
}

pub(crate) async fn customers_lookup_by_id_digest_and_phone(store: &dyn Store) {
    let (id1, c1) = add_customer(store, 1).await;
    // Two customers sharing a phone (a family line), and one apart.
    let mut c2 = new_customer(2);
    c2.phone = c1.phone.clone();
    let mut tx = store.begin().await.expect("begin");
    let id2 = tx.insert_customer(&c2).await.expect("insert");
    tx.commit().await.expect("commit");
    let (id3, c3) = add_customer(store, 3).await;

    assert_eq!(
        store
            .customer_by_id_digest(&c2.id_digest)
            .await
            .expect("by digest"),
        Some(customer_of(id2, &c2))
    );
    assert_eq!(
        store
            .customer_by_id_digest(&c3.id_digest)
            .await
            .expect("by digest"),
        Some(customer_of(id3, &c3))
    );
    assert_eq!(
        store
            .customer_by_id_digest(&bytes("id-digest", 99))
            .await
            .expect("by digest"),
        None
    );
    // A prefix of a digest is not the digest.
    assert_eq!(
        store
            .customer_by_id_digest(&c1.id_digest[..c1.id_digest.len() - 1])
            .await
            .expect("by digest"),
        None
    );

    assert_eq!(
        store.customers_by_phone(&c1.phone).await.expect("by phone"),
        vec![customer_of(id1, &c1), customer_of(id2, &c2)]
    );
    assert_eq!(
        store.customers_by_phone(&c3.phone).await.expect("by phone"),
        vec![customer_of(id3, &c3)]
    );
    assert_eq!(
        store
            .customers_by_phone("+8613999999999")
            .await
            .expect("by phone"),
        Vec::new()
    );
}

pub(crate) async fn customers_duplicate_id_digest_is_conflict(store: &dyn Store) {
    let (id1, c1) = add_customer(store, 1).await;
    let mut dup = new_customer(2);
    dup.id_digest = c1.id_digest.clone();

    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .insert_customer(&dup)
        .await
        .expect_err("duplicate digest");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);

    // Nothing changed, and the store still takes writes.
    assert_eq!(store.counts().await.expect("counts"), (1, 0));
    assert_eq!(
        store
            .customer_by_id_digest(&c1.id_digest)
            .await
            .expect("read"),
        Some(customer_of(id1, &c1))
    );
    add_customer(store, 3).await;
}

pub(crate) async fn bulk_inserts_then_sync_sequences(store: &dyn Store) {
    // Syncing an empty database is harmless.
    let mut tx = store.begin().await.expect("begin");
    tx.sync_id_sequences().await.expect("sync empty");
    tx.commit().await.expect("commit");

    // More rows than one bulk statement takes, with gaps in the ids.
    let customers: Vec<(CustomerId, NewCustomer)> = (0..2_600_u32)
        .map(|n| (CustomerId(1_000 + 2 * i64::from(n)), new_customer(n)))
        .collect();
    let statuses = every_status();
    let cards: Vec<(CardId, NewCard)> = (0..2_300_u32)
        .map(|n| {
            let owner = customers[n as usize % customers.len()].0;
            let status = statuses[n as usize % statuses.len()];
            (
                CardId(50_000 + 3 * i64::from(n)),
                new_card(owner, n, status),
            )
        })
        .collect();
    let max_customer = customers.last().expect("some").0;
    let max_card = cards.last().expect("some").0;

    let mut tx = store.begin().await.expect("begin");
    tx.insert_customers_bulk(&customers)
        .await
        .expect("bulk customers");
    tx.insert_cards_bulk(&cards).await.expect("bulk cards");
    tx.sync_id_sequences().await.expect("sync");
    tx.commit().await.expect("commit");

    assert_eq!(store.counts().await.expect("counts"), (2_600, 2_300));
    for (id, c) in [&customers[0], &customers[1_234], &customers[2_599]] {
        assert_eq!(
            store.customer(*id).await.expect("read"),
            Some(customer_of(*id, c))
        );
    }
    for (id, c) in [&cards[0], &cards[7], &cards[2_001], &cards[2_299]] {
        assert_eq!(store.card(*id).await.expect("read"), Some(card_of(*id, c)));
    }

    // Plain inserts now get fresh ids past the seeded ones.
    let (fresh_customer, c) = add_customer(store, 9_000).await;
    assert!(fresh_customer > max_customer, "{fresh_customer:?}");
    assert_eq!(
        store.customer(fresh_customer).await.expect("read"),
        Some(customer_of(fresh_customer, &c))
    );
    let fresh_card = add_card(store, fresh_customer, 9_000, CardStatus::Active).await;
    assert!(fresh_card.id > max_card, "{:?}", fresh_card.id);
    assert_eq!(
        store.card(fresh_card.id).await.expect("read"),
        Some(fresh_card.clone())
    );
    let (second, _) = add_customer(store, 9_001).await;
    assert!(second > fresh_customer);
    assert_eq!(store.counts().await.expect("counts"), (2_602, 2_301));
}
