//! Packages, the customer's failed credential checks and the policy table.

use super::*;

pub(crate) async fn packages_round_trip(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::WrongPinLimit).await;
    let case = add_case(store, &open_case(&card, &staff("li", Role::Agent), at(1))).await;
    assert_eq!(store.package(case.id).await.expect("read"), None);

    let package = add_package(store, &case, &card, at(minutes(1) + 17)).await;
    assert_eq!(
        store.package(case.id).await.expect("read"),
        Some(package.clone())
    );

    // One package per case.
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .insert_package(&Package {
            created_at: at(minutes(2)),
            ..package.clone()
        })
        .await
        .expect_err("second package");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);

    // A package asking for a single credential round-trips too.
    let card2 = frozen_card(store, 2, FreezeReason::Dormant).await;
    let case2 = add_case(store, &open_case(&card2, &staff("li", Role::Agent), at(2))).await;
    let single = Package {
        case_id: case2.id,
        card_id: card2.id,
        credentials: vec![Credential::TransactionPassword],
        ..package.clone()
    };
    let mut tx = store.begin().await.expect("begin");
    tx.insert_package(&single).await.expect("insert package");
    tx.commit().await.expect("commit");
    assert_eq!(store.package(case2.id).await.expect("read"), Some(single));
    assert_eq!(store.package(case.id).await.expect("read"), Some(package));
}

pub(crate) async fn credential_failures_counted_since(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::WrongPinLimit).await;
    let other_card = frozen_card(store, 2, FreezeReason::WrongPinLimit).await;
    let li = staff("li", Role::Agent);
    let case = add_case(store, &open_case(&card, &li, at(1))).await;
    let other_case = add_case(store, &open_case(&other_card, &li, at(1))).await;
    let customer = card.customer_id;
    let now = at(minutes(48 * 60));
    let window_start = now - Duration::hours(24);

    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.lock_customer_failures(customer, window_start)
            .await
            .expect("count"),
        0
    );
    for when in [
        window_start - Duration::hours(1),
        window_start - Duration::microseconds(1),
        window_start + Duration::microseconds(1),
        now - Duration::hours(2),
        now,
    ] {
        tx.record_credential_failure(customer, FailedCheck::Case(case.id), when)
            .await
            .expect("record");
    }
    let other = FailedCheck::Case(other_case.id);
    tx.record_credential_failure(other_card.customer_id, other, now)
        .await
        .expect("record");
    // Counted inside the same transaction…
    assert_eq!(
        tx.lock_customer_failures(customer, window_start)
            .await
            .expect("count"),
        3
    );
    tx.commit().await.expect("commit");

    // …and after it.
    let mut tx = store.begin().await.expect("begin");
    assert_eq!(
        tx.lock_customer_failures(customer, window_start)
            .await
            .expect("count"),
        3
    );
    assert_eq!(
        tx.lock_customer_failures(customer, now - Duration::hours(3))
            .await
            .expect("count"),
        2
    );
    assert_eq!(
        tx.lock_customer_failures(customer, at(0))
            .await
            .expect("count"),
        5
    );
    assert_eq!(
        tx.lock_customer_failures(other_card.customer_id, window_start)
            .await
            .expect("count"),
        1
    );
    assert_eq!(
        tx.lock_customer_failures(CustomerId(customer.0 + 100), window_start)
            .await
            .expect("count"),
        0
    );
}

pub(crate) async fn policy_round_trip(store: &dyn Store) {
    assert_eq!(store.policy().await.expect("policy"), Vec::new());

    let default = UnfreezePolicy::default();
    let mut tx = store.begin().await.expect("begin");
    tx.save_policy(default.rules()).await.expect("save");
    tx.commit().await.expect("commit");
    let loaded = store.policy().await.expect("policy");
    assert_eq!(loaded, default.rules());
    assert_eq!(UnfreezePolicy::new(loaded).expect("valid"), default);

    // Saving replaces the whole table.
    let mut rules = default.rules().to_vec();
    for rule in &mut rules {
        if rule.reason == FreezeReason::Dormant {
            rule.supervisor_approval = true;
            rule.credentials = vec![Credential::TransactionPassword];
        }
    }
    let mut tx = store.begin().await.expect("begin");
    tx.save_policy(&rules).await.expect("save");
    tx.commit().await.expect("commit");
    assert_eq!(store.policy().await.expect("policy"), rules);

    // Rules saved in any order come back in the domain's order.
    let mut shuffled = rules.clone();
    shuffled.reverse();
    let mut tx = store.begin().await.expect("begin");
    tx.save_policy(&shuffled).await.expect("save");
    tx.commit().await.expect("commit");
    assert_eq!(store.policy().await.expect("policy"), rules);

    let court: Vec<PolicyRule> = rules
        .iter()
        .filter(|r| r.reason == FreezeReason::CourtOrder)
        .cloned()
        .collect();
    assert!(court[0].credentials.is_empty());
    let mut tx = store.begin().await.expect("begin");
    tx.save_policy(&court).await.expect("save");
    tx.commit().await.expect("commit");
    assert_eq!(store.policy().await.expect("policy"), court);
}
