//! Wrong credentials: the failures that lock a case, and the customer's
//! allowance of failures over all their cases.

use super::*;

use std::sync::Arc;

use crate::common::*;
use carddesk_domain::{CardStatus, CaseState, FreezeReason};
use carddesk_processor::{Event, ProcessorError, VerifyOutcome};
use carddesk_store::{AuditRecord, Outcome, Store};
use chrono::Duration;

// ---------------------------------------------------------------------------
// 2. Wrong credentials until the case locks
// ---------------------------------------------------------------------------

pub(crate) async fn wrong_credentials_lock_the_case(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let person = desk
        .enrol(
            3,
            "zh-CN",
            &[
                frozen(FreezeReason::CustomerRequest),
                frozen(FreezeReason::CustomerRequest),
            ],
        )
        .await;
    let (a, sa) = desk.challenged(&alice, person.card(0)).await;
    let (b, sb) = desk.challenged(&alice, person.card(1)).await;
    let mut events = p.events().subscribe();

    // A wrong password on one case and a wrong ID number on another read
    // exactly alike, to the customer and in the audit log.
    let wrong_password = err(p.verify(&sa, person.wrong_password(), PHONE).await);
    assert!(
        matches!(
            wrong_password,
            ProcessorError::VerificationFailed { remaining: 2 }
        ),
        "{wrong_password:?}"
    );
    assert_eq!(wrong_password.code(), "verification_failed");
    let wrong_id = err(p.verify(&sb, person.wrong_id(), PHONE).await);
    assert!(
        matches!(
            wrong_id,
            ProcessorError::VerificationFailed { remaining: 2 }
        ),
        "{wrong_id:?}"
    );
    assert_eq!(wrong_password.to_string(), wrong_id.to_string());
    assert_eq!(format!("{wrong_password:?}"), format!("{wrong_id:?}"));
    assert_eq!(wrong_password.code(), wrong_id.code());
    let text = wrong_password.to_string().to_lowercase();
    for word in ["password", "id number", "identity", "document", "pin"] {
        assert!(!text.contains(word), "{text}");
    }
    let failure = |entries: Vec<AuditRecord>| {
        entries
            .into_iter()
            .filter(|r| r.entry.action == "case.verification")
            .map(|r| (r.entry.outcome, r.entry.detail))
            .collect::<Vec<_>>()
    };
    let failure_a = failure(timeline(&desk, a).await);
    assert_eq!(failure_a.len(), 1);
    assert_eq!(failure_a[0].0, Outcome::Failure);
    assert_eq!(failure_a, failure(timeline(&desk, b).await));

    let challenge = p.challenge(&sa, PHONE).await.expect("ask again");
    assert_eq!(challenge.attempts_left, 2);
    let case_a = stored_case(&desk, a).await;
    assert_eq!(
        (case_a.state, case_a.failed_attempts),
        (CaseState::Challenged, 1)
    );

    // Second failure: a wrong ID number.
    let second = err(p.verify(&sa, person.wrong_id(), PHONE).await);
    assert!(
        matches!(second, ProcessorError::VerificationFailed { remaining: 1 }),
        "{second:?}"
    );
    // Third: the case locks.
    let third = err(p
        .verify(&sa, upload(&resident_id(999), WRONG_PASSWORD), PHONE)
        .await);
    assert!(matches!(third, ProcessorError::Locked), "{third:?}");
    assert_eq!(third.code(), "locked");
    let case_a = stored_case(&desk, a).await;
    assert_eq!(
        (case_a.state, case_a.failed_attempts),
        (CaseState::Locked, 3)
    );
    assert!(is_frozen(
        desk.card_status(person.card(0)).await,
        FreezeReason::CustomerRequest
    ));
    assert!(history(&desk, person.card(0)).await.is_empty());
    let actions = desk.actions(a).await;
    assert_eq!(
        actions[actions.len() - 4..],
        [
            "case.verification",
            "case.verification",
            "case.verification",
            "case.locked"
        ]
    );

    // A locked case stays locked: the right credentials do not unfreeze.
    let after = err(p.verify(&sa, person.right(), PHONE).await);
    assert!(
        ["locked", "case_closed"].contains(&after.code()),
        "{after:?}"
    );
    let case_a = stored_case(&desk, a).await;
    assert_eq!(
        (case_a.state, case_a.failed_attempts),
        (CaseState::Locked, 3)
    );
    assert!(is_frozen(
        desk.card_status(person.card(0)).await,
        FreezeReason::CustomerRequest
    ));
    assert!(history(&desk, person.card(0)).await.is_empty());
    assert!(p.challenge(&sa, PHONE).await.is_err());
    let code_a = desk.code_for(a).await;
    assert!(matches!(
        err(p.request_unfreeze(&code_a, PHONE).await),
        ProcessorError::CodeUsed
    ));

    let events = drain(&mut events).await;
    assert!(events.contains(&Event::AttemptFailed {
        case_id: a,
        remaining: 2
    }));
    assert!(events.contains(&Event::AttemptFailed {
        case_id: a,
        remaining: 1
    }));
    assert!(events.contains(&Event::CaseChanged {
        case_id: a,
        state: CaseState::Locked
    }));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::CardChanged { .. }))
    );

    // The other case is its own: one failure, and (4 failures for the
    // customer so far, under the limit of 5) the right credentials work.
    let outcome = p
        .verify(&sb, person.right(), PHONE)
        .await
        .expect("verify b");
    assert_eq!(outcome, VerifyOutcome::Unfrozen);
    assert_eq!(desk.card_status(person.card(1)).await, CardStatus::Active);
    assert!(is_frozen(
        desk.card_status(person.card(0)).await,
        FreezeReason::CustomerRequest
    ));
    assert_chain_intact(&desk).await;
}

// ---------------------------------------------------------------------------
// 3. The customer's allowance over all cases
// ---------------------------------------------------------------------------

pub(crate) async fn customer_failure_limit(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let dormant = frozen(FreezeReason::Dormant);
    let person = desk.enrol(4, "en", &[dormant, dormant, dormant]).await;
    let bystander = desk.enrol(5, "en", &[dormant]).await;

    // Case A: three failures lock it.
    let (a, sa) = desk.challenged(&alice, person.card(0)).await;
    for remaining in [2, 1] {
        let e = err(p.verify(&sa, person.wrong_password(), PHONE).await);
        assert!(
            matches!(e, ProcessorError::VerificationFailed { remaining: r } if r == remaining),
            "{e:?}"
        );
        desk.advance(Duration::minutes(1));
    }
    let e = err(p.verify(&sa, person.wrong_password(), PHONE).await);
    assert!(matches!(e, ProcessorError::Locked), "{e:?}");

    // Case B, an hour later: the fifth failure of the day locks it at its
    // second attempt.
    desk.advance(Duration::hours(1));
    let (b, sb) = desk.challenged(&alice, person.card(1)).await;
    let e = err(p.verify(&sb, person.wrong_id(), PHONE).await);
    assert!(
        matches!(e, ProcessorError::VerificationFailed { remaining: 2 }),
        "{e:?}"
    );
    let e = err(p.verify(&sb, person.wrong_id(), PHONE).await);
    assert!(matches!(e, ProcessorError::Locked), "{e:?}");
    let case_b = stored_case(&desk, b).await;
    assert_eq!(
        (case_b.state, case_b.failed_attempts),
        (CaseState::Locked, 2)
    );

    // Case C: locked at its first attempt, right credentials or not.
    desk.advance(Duration::hours(1));
    let (c, sc) = desk.challenged(&alice, person.card(2)).await;
    let e = err(p.verify(&sc, person.right(), PHONE).await);
    assert!(matches!(e, ProcessorError::Locked), "{e:?}");
    let case_c = stored_case(&desk, c).await;
    assert_eq!(
        (case_c.state, case_c.failed_attempts),
        (CaseState::Locked, 0)
    );
    assert!(is_frozen(
        desk.card_status(person.card(2)).await,
        FreezeReason::Dormant
    ));
    assert!(history(&desk, person.card(2)).await.is_empty());
    let last = timeline(&desk, c).await.pop().expect("entries");
    assert_eq!(last.entry.action, "case.locked");
    assert_eq!(last.entry.outcome, Outcome::Refused);
    for (case, state) in [(a, CaseState::Locked), (b, CaseState::Locked)] {
        assert_eq!(stored_case(&desk, case).await.state, state);
    }

    // Another customer's allowance is their own.
    let (_, sd) = desk.challenged(&alice, bystander.card(0)).await;
    assert_eq!(
        p.verify(&sd, bystander.right(), PHONE)
            .await
            .expect("verify"),
        VerifyOutcome::Unfrozen
    );

    // A day after the last failure, a fresh case works again.
    desk.advance(Duration::hours(24) + Duration::minutes(1));
    let (e_case, se) = desk.challenged(&alice, person.card(2)).await;
    assert_eq!(
        p.verify(&se, person.right(), PHONE).await.expect("verify"),
        VerifyOutcome::Unfrozen
    );
    assert_eq!(stored_case(&desk, e_case).await.state, CaseState::Unfrozen);
    assert_eq!(desk.card_status(person.card(2)).await, CardStatus::Active);
    for card in [person.card(0), person.card(1)] {
        assert!(is_frozen(
            desk.card_status(card).await,
            FreezeReason::Dormant
        ));
    }
    assert_chain_intact(&desk).await;
}
