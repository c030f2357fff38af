//! The outbox: listing, idempotency, leases, settlements and concurrent
//! claims.

use super::*;

pub(crate) async fn outbox_listing_and_idempotency(backend: &Backend) {
    let store = backend.store.as_ref();
    let card = frozen_card(store, 1, FreezeReason::WrongPinLimit).await;
    let case = add_case(store, &open_case(&card, &staff("li", Role::Agent), at(1))).await;
    let message = |channel, key: &str, n: i64| NewOutboxMessage {
        subject: OutboxSubject::Case(case.id),
        channel,
        recipient: "+8613800000001".to_owned(),
        language: "zh-CN".to_owned(),
        body_sealed: bytes("body", u32::try_from(n).expect("small")),
        idempotency_key: key.to_owned(),
        created_at: at(n * 1_000_003),
    };
    let text = message(OutboxChannel::Text, "case-1-text-1", 1);
    let voice = message(OutboxChannel::Voice, "case-1-voice-1", 2);
    let text2 = message(OutboxChannel::Text, "case-1-text-2", 3);

    assert_eq!(store.outbox(None, 10).await.expect("outbox"), Vec::new());
    let mut tx = store.begin().await.expect("begin");
    let ids = [
        tx.insert_outbox(&text).await.expect("insert"),
        tx.insert_outbox(&voice).await.expect("insert"),
        tx.insert_outbox(&text2).await.expect("insert"),
    ];
    tx.commit().await.expect("commit");
    assert!(ids[0] < ids[1] && ids[1] < ids[2]);

    let pending = |id, message: &NewOutboxMessage| carddesk_store::OutboxMessage {
        id,
        message: message.clone(),
        status: "pending".to_owned(),
        attempts: 0,
    };
    let expected = vec![
        pending(ids[0], &text),
        pending(ids[1], &voice),
        pending(ids[2], &text2),
    ];
    assert_eq!(store.outbox(None, 10).await.expect("outbox"), expected);
    assert_eq!(
        store.outbox(Some("pending"), 10).await.expect("outbox"),
        expected
    );
    assert_eq!(
        store.outbox(Some("pending"), 2).await.expect("outbox"),
        expected[..2]
    );
    assert_eq!(
        store.outbox(Some("sent"), 10).await.expect("outbox"),
        Vec::new()
    );

    // The interface has no delivery update yet: mark one sent by hand to
    // see the status filter select.
    backend
        .exec(&format!(
            "UPDATE outbox SET status = 'sent', attempts = 1 WHERE id = {}",
            ids[1]
        ))
        .await
        .expect("mark sent");
    let sent = carddesk_store::OutboxMessage {
        status: "sent".to_owned(),
        attempts: 1,
        ..expected[1].clone()
    };
    assert_eq!(
        store.outbox(Some("sent"), 10).await.expect("outbox"),
        vec![sent.clone()]
    );
    assert_eq!(
        store.outbox(Some("pending"), 10).await.expect("outbox"),
        vec![expected[0].clone(), expected[2].clone()]
    );
    assert_eq!(
        store.outbox(None, 10).await.expect("outbox"),
        vec![expected[0].clone(), sent, expected[2].clone()]
    );

    // The same idempotency key twice is a conflict, whatever else differs.
    let mut tx = store.begin().await.expect("begin");
    let err = tx
        .insert_outbox(&NewOutboxMessage {
            channel: OutboxChannel::Voice,
            body_sealed: bytes("other body", 1),
            ..text.clone()
        })
        .await
        .expect_err("duplicate idempotency key");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);
    assert_eq!(store.outbox(None, 10).await.expect("outbox").len(), 3);
}

/// Queues `n` messages on `case`; returns their ids.
async fn queue(store: &dyn Store, case: CaseId, n: u32) -> Vec<i64> {
    let mut tx = store.begin().await.expect("begin");
    let mut ids = Vec::new();
    for i in 0..n {
        let m = NewOutboxMessage {
            subject: OutboxSubject::Case(case),
            channel: if i % 2 == 0 {
                OutboxChannel::Text
            } else {
                OutboxChannel::Voice
            },
            recipient: "+8613800000001".to_owned(),
            language: "zh-CN".to_owned(),
            body_sealed: bytes("body", i),
            idempotency_key: format!("case-{}-message-{i}", case.0),
            created_at: at(i64::from(i)),
        };
        ids.push(tx.insert_outbox(&m).await.expect("insert"));
    }
    tx.commit().await.expect("commit");
    ids
}

async fn claim(
    store: &dyn Store,
    now: DateTime<Utc>,
    lease: i64,
    claimant: &str,
    limit: u32,
) -> Vec<OutboxMessage> {
    let mut tx = store.begin().await.expect("begin");
    let claimed = tx
        .claim_outbox(now, now + Duration::microseconds(lease), claimant, limit)
        .await
        .expect("claim");
    tx.commit().await.expect("commit");
    claimed
}

async fn settle(store: &dyn Store, id: i64, claimant: &str, s: &OutboxSettlement) -> bool {
    let mut tx = store.begin().await.expect("begin");
    let held = tx.settle_outbox(id, claimant, s).await.expect("settle");
    tx.commit().await.expect("commit");
    held
}

async fn delivery(store: &dyn Store, id: i64) -> OutboxDelivery {
    store
        .outbox_delivery(id)
        .await
        .expect("read")
        .expect("the message exists")
}

pub(crate) async fn outbox_claim_lease_and_settle(store: &dyn Store) {
    let card = frozen_card(store, 1, FreezeReason::WrongPinLimit).await;
    let case = add_case(store, &open_case(&card, &staff("li", Role::Agent), at(1))).await;
    let ids = queue(store, case.id, 3).await;
    assert_eq!(store.outbox_delivery(ids[2] + 1).await.expect("read"), None);

    // A new message is due at once and held by no one.
    let fresh = delivery(store, ids[0]).await;
    assert_eq!(fresh.message.status, "pending");
    assert_eq!(fresh.message.attempts, 0);
    assert_eq!(fresh.next_attempt_at, DateTime::UNIX_EPOCH);
    assert_eq!(
        (
            fresh.claimed_until,
            fresh.last_attempt_at,
            fresh.sent_at,
            fresh.last_error_code.clone(),
            fresh.delivered_via.clone()
        ),
        (None, None, None, None, None)
    );

    // Claims take the oldest first, count the attempt, and never hand out
    // a leased message again while its lease runs.
    let t0 = at(minutes(10));
    let lease = minutes(1);
    let first = claim(store, t0, lease, "w1", 2).await;
    assert_eq!(first.iter().map(|m| m.id).collect::<Vec<_>>(), ids[..2]);
    assert!(
        first
            .iter()
            .all(|m| m.attempts == 1 && m.status == "pending")
    );
    let leased = delivery(store, ids[0]).await;
    assert_eq!(
        leased.claimed_until,
        Some(t0 + Duration::microseconds(lease))
    );
    assert_eq!(leased.last_attempt_at, Some(t0));
    let second = claim(store, t0, lease, "w2", 10).await;
    assert_eq!(second.iter().map(|m| m.id).collect::<Vec<_>>(), ids[2..]);
    assert_eq!(
        claim(store, t0 + Duration::seconds(59), lease, "w3", 10).await,
        Vec::new()
    );

    // Only the holder settles.
    let sent = OutboxSettlement::Sent {
        at: t0 + Duration::seconds(2),
        via: "sms-gateway".to_owned(),
    };
    assert!(!settle(store, ids[0], "w2", &sent).await);
    assert_eq!(delivery(store, ids[0]).await, leased);
    assert!(settle(store, ids[0], "w1", &sent).await);
    let done = delivery(store, ids[0]).await;
    assert_eq!(done.message.status, "sent");
    assert_eq!(done.sent_at, Some(t0 + Duration::seconds(2)));
    assert_eq!(done.delivered_via.as_deref(), Some("sms-gateway"));
    assert_eq!(done.claimed_until, None);
    // Settled is settled: the same holder cannot settle it again.
    assert!(
        !settle(
            store,
            ids[0],
            "w1",
            &OutboxSettlement::Failed {
                error_code: "late".to_owned()
            }
        )
        .await
    );
    assert_eq!(delivery(store, ids[0]).await.message.status, "sent");

    // A retry releases the lease and makes the message due later.
    let retry_at = t0 + Duration::minutes(5);
    assert!(
        settle(
            store,
            ids[1],
            "w1",
            &OutboxSettlement::Retry {
                next_attempt_at: retry_at,
                error_code: "http_503".to_owned(),
            }
        )
        .await
    );
    let waiting = delivery(store, ids[1]).await;
    assert_eq!(waiting.message.status, "pending");
    assert_eq!(waiting.next_attempt_at, retry_at);
    assert_eq!(waiting.last_error_code.as_deref(), Some("http_503"));
    assert_eq!(waiting.claimed_until, None);

    // w2's lease runs out unsettled (a worker that died): w3 takes the
    // message over, and w2's late outcome no longer counts.
    let t1 = t0 + Duration::minutes(2);
    let taken_over = claim(store, t1, lease, "w3", 10).await;
    assert_eq!(
        taken_over.iter().map(|m| m.id).collect::<Vec<_>>(),
        [ids[2]]
    );
    assert_eq!(taken_over[0].attempts, 2);
    assert!(!settle(store, ids[2], "w2", &sent).await);
    assert!(
        settle(
            store,
            ids[2],
            "w3",
            &OutboxSettlement::Failed {
                error_code: "http_400".to_owned()
            }
        )
        .await
    );
    let failed = delivery(store, ids[2]).await;
    assert_eq!(failed.message.status, "failed");
    assert_eq!(failed.last_error_code.as_deref(), Some("http_400"));

    // The retried message comes due at its time, not before; sent and
    // failed ones never come back.
    assert_eq!(
        claim(store, retry_at - Duration::microseconds(1), lease, "w4", 10).await,
        Vec::new()
    );
    let again = claim(store, retry_at, lease, "w4", 10).await;
    assert_eq!(again.iter().map(|m| m.id).collect::<Vec<_>>(), [ids[1]]);
    assert_eq!(again[0].attempts, 2);
    assert!(settle(store, ids[1], "w4", &sent).await);
    assert_eq!(
        claim(store, at(minutes(24 * 60)), lease, "w5", 10).await,
        Vec::new()
    );
    let statuses: Vec<String> = store
        .outbox(None, 10)
        .await
        .expect("outbox")
        .into_iter()
        .map(|m| m.status)
        .collect();
    assert_eq!(statuses, ["sent", "sent", "failed"]);
}

pub(crate) async fn outbox_concurrent_claims_are_disjoint(backend: &Backend) {
    const MESSAGES: u32 = 60;
    const CLAIMANTS: u32 = 6;
    let store = backend.store.clone();
    let card = frozen_card(store.as_ref(), 1, FreezeReason::WrongPinLimit).await;
    let case = add_case(
        store.as_ref(),
        &open_case(&card, &staff("li", Role::Agent), at(1)),
    )
    .await;
    let mut ids = queue(store.as_ref(), case.id, MESSAGES).await;
    let now = at(minutes(10));
    let mut tasks = Vec::new();
    for c in 0..CLAIMANTS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let mut tx = store.begin().await?;
                let claimed = tx
                    .claim_outbox(now, now + Duration::minutes(1), &format!("w{c}"), 3)
                    .await?;
                tx.commit().await?;
                if claimed.is_empty() {
                    return Ok::<_, StoreError>(mine);
                }
                mine.extend(claimed.into_iter().map(|m| m.id));
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.expect("task ran").expect("claims"));
    }
    claimed.sort_unstable();
    ids.sort_unstable();
    // Every message claimed, none twice.
    assert_eq!(claimed, ids);
}
