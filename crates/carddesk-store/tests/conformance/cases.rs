//! Cases: insert, lock and save, one open per card, codes and sessions.

use super::*;

pub(crate) async fn cases_insert_lock_save_round_trip(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::SuspiciousTransaction).await;
    let agent = staff("li", Role::Agent);
    let case = add_case(store, &open_case(&card, &agent, at(1))).await;
    assert!(case.needs_approval);
    assert_eq!(
        case.credentials,
        vec![Credential::IdNumber, Credential::TransactionPassword]
    );

    let record = CaseRecord {
        case: case.clone(),
        code_used_at: None,
        // Nobody reassigned it: it is its opener's.
        assigned_to: "agent:li".to_owned(),
    };
    assert_eq!(
        store.case(case.id).await.expect("read"),
        Some(record.clone())
    );
    assert_eq!(store.case(CaseId(case.id.0 + 9)).await.expect("read"), None);

    // Walk it to its first failed verification, saving at each step.
    let limits = PolicyLimits::default();
    let mut tx = store.begin().await.expect("begin");
    let mut locked = tx.lock_case(case.id).await.expect("lock").expect("exists");
    assert_eq!(locked, record);
    assert_eq!(
        tx.lock_case(CaseId(case.id.0 + 9)).await.expect("lock"),
        None
    );
    locked.case.package(at(minutes(1) + 1)).expect("package");
    locked
        .case
        .instruct(at(minutes(2) + 2), &limits)
        .expect("instruct");
    tx.save_case(&locked.case).await.expect("save");
    tx.commit().await.expect("commit");
    let mut current = locked.case;
    assert_eq!(current.expires_at, Some(at(minutes(17) + 2)));
    assert_eq!(
        store.case(case.id).await.expect("read").map(|r| r.case),
        Some(current.clone())
    );

    current.request(at(minutes(3) + 3)).expect("request");
    current.challenge(at(minutes(4) + 4)).expect("challenge");
    current
        .record_failure(at(minutes(5) + 5), &limits, false)
        .expect("failure");
    save(store, &current).await;
    let read = store.case(case.id).await.expect("read").expect("exists");
    assert_eq!(read.case, current);
    assert_eq!(read.case.state, CaseState::Challenged);
    assert_eq!(read.case.failed_attempts, 1);
    assert_eq!(read.case.updated_at, at(minutes(5) + 5));
    assert_eq!(read.code_used_at, None);

    // An expiry can also be cleared.
    current.expires_at = None;
    save(store, &current).await;
    assert_eq!(
        store.case(case.id).await.expect("read").map(|r| r.case),
        Some(current)
    );
}

pub(crate) async fn cases_one_open_per_card(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::WrongPinLimit).await;
    let other = frozen_card(store, 2, FreezeReason::Dormant).await;
    let li = staff("li", Role::Agent);
    let wang = staff("wang", Role::Agent);
    let mut first = add_case(store, &open_case(&card, &li, at(1))).await;

    // A second agent marking the same card gets a conflict…
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .insert_case(&open_case(&card, &wang, at(2)))
        .await
        .expect_err("second open case");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);
    // …also once the first case has moved on but is still open…
    first.package(at(3)).expect("package");
    save(store, &first).await;
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .insert_case(&open_case(&card, &wang, at(4)))
        .await
        .expect_err("second open case");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);
    // …while another card is not affected.
    add_case(store, &open_case(&other, &wang, at(5))).await;

    // Once the first case is final, the card can have a new one.
    first.cancel(at(6)).expect("cancel");
    save(store, &first).await;
    let second = add_case(store, &open_case(&card, &wang, at(7))).await;
    assert_ne!(second.id, first.id);
    assert_eq!(
        store.case(second.id).await.expect("read").map(|r| r.case),
        Some(second.clone())
    );
    assert_eq!(
        store
            .case(first.id)
            .await
            .expect("read")
            .map(|r| r.case.state),
        Some(CaseState::Cancelled)
    );
    // And that one blocks a third.
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .insert_case(&open_case(&card, &li, at(8)))
        .await
        .expect_err("third open case");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
}

pub(crate) async fn case_codes_and_sessions(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::CustomerRequest).await;
    let other_card = frozen_card(store, 2, FreezeReason::CustomerRequest).await;
    let li = staff("li", Role::Agent);
    let case = add_case(store, &open_case(&card, &li, at(1))).await;
    let other = add_case(store, &open_case(&other_card, &li, at(2))).await;
    let code1 = bytes("code", 1);
    let code2 = bytes("code", 2);
    let session1 = bytes("session", 1);
    let session2 = bytes("session", 2);

    assert_eq!(
        store.case_by_code_digest(&code1).await.expect("by code"),
        None
    );

    let mut tx = store.begin().await.expect("begin");
    tx.set_case_code(case.id, &code1).await.expect("set code");
    tx.set_case_code(other.id, &bytes("code", 99))
        .await
        .expect("set code");
    tx.commit().await.expect("commit");
    let fresh = CaseRecord {
        case: case.clone(),
        code_used_at: None,
        assigned_to: case.opened_by.clone(),
    };
    assert_eq!(
        store.case_by_code_digest(&code1).await.expect("by code"),
        Some(fresh.clone())
    );

    let used_at = at(minutes(3) + 123_456);
    let mut tx = store.begin().await.expect("begin");
    assert!(
        !tx.use_case_code(&case, &code2, &session1, used_at)
            .await
            .expect("use another code"),
        "only the case's own code is accepted"
    );
    assert!(
        tx.use_case_code(&case, &code1, &session1, used_at)
            .await
            .expect("use code")
    );
    assert!(
        !tx.use_case_code(&case, &code1, &session2, used_at)
            .await
            .expect("use code again"),
        "a code is accepted once"
    );
    tx.commit().await.expect("commit");
    let used = CaseRecord {
        case: case.clone(),
        code_used_at: Some(used_at),
        assigned_to: case.opened_by.clone(),
    };
    assert_eq!(
        store
            .case_by_session_digest(&session1)
            .await
            .expect("by session"),
        Some(used.clone())
    );
    assert_eq!(
        store.case_by_code_digest(&code1).await.expect("by code"),
        Some(used.clone())
    );
    assert_eq!(store.case(case.id).await.expect("read"), Some(used));
    assert_eq!(
        store
            .case_by_session_digest(&session2)
            .await
            .expect("by session"),
        None
    );

    // A new code forgets the old code, its use and its session.
    let mut tx = store.begin().await.expect("begin");
    tx.set_case_code(case.id, &code2).await.expect("new code");
    tx.commit().await.expect("commit");
    assert_eq!(
        store.case_by_code_digest(&code1).await.expect("by code"),
        None
    );
    assert_eq!(
        store
            .case_by_session_digest(&session1)
            .await
            .expect("by session"),
        None
    );
    assert_eq!(
        store.case_by_code_digest(&code2).await.expect("by code"),
        Some(fresh.clone())
    );
    assert_eq!(store.case(case.id).await.expect("read"), Some(fresh));

    // A code digest belongs to one case only.
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .set_case_code(other.id, &code2)
        .await
        .expect_err("code digest reused");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);
    assert_eq!(
        store
            .case_by_code_digest(&bytes("code", 99))
            .await
            .expect("by code"),
        Some(CaseRecord {
            assigned_to: other.opened_by.clone(),
            case: other,
            code_used_at: None,
        })
    );
}
