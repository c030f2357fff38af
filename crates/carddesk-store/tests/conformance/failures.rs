//! The customer's failed credential checks over both jobs (a case's upload
//! and an application's card proof, migration 0012), and the lock on a
//! customer's cards that the issue of a virtual card decides under.

use super::*;

use carddesk_domain::application::{Application, ApplicationId, ApplicationLimits, VirtualProduct};
use carddesk_store::{Applicant, NewApplication};

/// Stores an application by the holder of `customer`'s document.
async fn add_application(store: &dyn Store, customer: &NewCustomer, n: u32) -> ApplicationId {
    let product = VirtualProduct::find("virtual_debit").expect("a product");
    let application = Application::submit(product, at(minutes(1)), &ApplicationLimits::default());
    let new = NewApplication {
        application,
        applicant: Applicant {
            name: customer.name.clone(),
            document_kind: customer.document_kind,
            document_masked: customer.document_masked.clone(),
            id_digest: customer.id_digest.clone(),
            id_sealed: customer.id_sealed.clone(),
            phone: customer.phone.clone(),
            language: customer.language.clone(),
        },
        origin: "203.0.113.9".to_owned(),
        consent_version: "v1".to_owned(),
        consent_at: at(minutes(1)),
        session_digest: bytes("session", n),
    };
    let mut tx = store.begin().await.expect("begin");
    let id = tx
        .insert_application(&new)
        .await
        .expect("insert application");
    tx.commit().await.expect("commit");
    id
}

/// Each row's `(case_id, application_id)`, by id.
async fn subjects(backend: &Backend) -> Vec<(Option<i64>, Option<i64>)> {
    let sql = "SELECT case_id, application_id FROM credential_failures ORDER BY id";
    match &backend.raw {
        RawPool::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await,
        RawPool::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await,
    }
    .expect("read the rows")
}

pub(crate) async fn credential_failures_name_a_case_or_an_application(backend: &Backend) {
    let store = backend.store.as_ref();
    let (customer, new) = add_customer(store, 1).await;
    let card = add_card(store, customer, 1, frozen(FreezeReason::Dormant, at(0))).await;
    let case = add_case(store, &open_case(&card, &staff("li", Role::Agent), at(1))).await;
    let application = add_application(store, &new, 1).await;
    let (other, other_new) = add_customer(store, 2).await;
    let other_application = add_application(store, &other_new, 2).await;
    let now = at(minutes(48 * 60));
    let since = now - Duration::hours(24);

    let mut tx = store.begin().await.expect("begin");
    for (check, when) in [
        (FailedCheck::Case(case.id), now - Duration::hours(1)),
        (
            FailedCheck::Application(application),
            now - Duration::hours(2),
        ),
        (FailedCheck::Application(application), now),
        // Out of the window.
        (FailedCheck::Application(application), since),
    ] {
        tx.record_credential_failure(customer, check, when)
            .await
            .expect("record");
    }
    tx.record_credential_failure(other, FailedCheck::Application(other_application), now)
        .await
        .expect("record");
    // Both kinds count alike, in the transaction that recorded them…
    assert_eq!(
        tx.lock_customer_failures(customer, since)
            .await
            .expect("count"),
        3
    );
    // …and not outside it before it commits.
    assert_eq!(
        store
            .credential_failures_since(customer, since)
            .await
            .expect("count"),
        0
    );
    tx.commit().await.expect("commit");

    // After it: locked or not, the same count.
    assert_eq!(
        store
            .credential_failures_since(customer, since)
            .await
            .expect("count"),
        3
    );
    assert_eq!(
        store
            .credential_failures_since(customer, since - Duration::microseconds(1))
            .await
            .expect("count"),
        4
    );
    assert_eq!(
        store
            .credential_failures_since(other, since)
            .await
            .expect("count"),
        1
    );
    assert_eq!(
        store
            .credential_failures_since(CustomerId(other.0 + 100), since)
            .await
            .expect("count"),
        0
    );
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.lock_customer_failures(customer, since)
            .await
            .expect("count"),
        3
    );
    drop(tx);

    // Each row names exactly what it was made for.
    let (c, a, b) = (
        Some(case.id.0),
        Some(application.0),
        Some(other_application.0),
    );
    assert_eq!(
        subjects(backend).await,
        vec![(c, None), (None, a), (None, a), (None, a), (None, b)]
    );
    // The database refuses a row naming neither, or both.
    let both = format!("{}, {}", case.id.0, application.0);
    for subjects in ["NULL, NULL".to_owned(), both] {
        let sql = format!(
            "INSERT INTO credential_failures (customer_id, case_id, application_id, at) \
             VALUES ({}, {subjects}, 0)",
            customer.0
        );
        assert!(backend.exec(&sql).await.is_err(), "{sql}");
    }
    assert_eq!(subjects(backend).await.len(), 5);
}

pub(crate) async fn customer_cards_locked_in_id_order(backend: &Backend) {
    let store = backend.store.as_ref();
    let (a, _) = add_customer(store, 1).await;
    let (b, _) = add_customer(store, 2).await;
    let a1 = add_card(store, a, 1, CardStatus::Active).await;
    let b1 = add_card(store, b, 2, CardStatus::Active).await;
    let a2 = add_card(store, a, 3, frozen(FreezeReason::CourtOrder, at(5))).await;
    let a3 = add_card(store, a, 4, CardStatus::Lost).await;

    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.lock_customer_cards(a).await.expect("lock"),
        vec![a1.clone(), a2.clone(), a3]
    );
    assert_eq!(
        tx.lock_customer_cards(CustomerId(b.0 + 100))
            .await
            .expect("lock"),
        Vec::new()
    );

    // Held until the transaction ends: another one locking a card of
    // them waits (on SQLite, already to begin).
    let other = backend.store.clone();
    let card = a2.id;
    let waiting = tokio::spawn(async move {
        let mut tx = other.begin().await.expect("begin");
        let locked = tx.lock_card(card).await.expect("lock");
        tx.commit().await.expect("commit");
        locked
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the card's lock is held");
    drop(tx);
    let locked = tokio::time::timeout(std::time::Duration::from_secs(10), waiting)
        .await
        .expect("the lock was released")
        .expect("task ran");
    assert_eq!(locked, Some(a2));

    // Another customer's cards are theirs alone.
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(tx.lock_customer_cards(b).await.expect("lock"), vec![b1]);
    drop(tx);
    assert_eq!(store.card(a1.id).await.expect("read"), Some(a1));
}
