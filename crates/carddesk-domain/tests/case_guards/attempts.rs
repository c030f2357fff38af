//! Attempts: failures counted up to the lock, the limits that lock at once,
//! and verification only from `challenged`.

use carddesk_domain::case::{CaseTransition, FailureOutcome};

use super::*;

#[test]
fn three_failures_lock_the_case() {
    let limits = PolicyLimits::default();
    let mut case = challenged(FreezeReason::CustomerRequest);
    assert_eq!(
        case.record_failure(minutes(2), &limits, false),
        Ok(FailureOutcome::Retry { remaining: 2 })
    );
    assert_eq!(
        case.record_failure(minutes(3), &limits, false),
        Ok(FailureOutcome::Retry { remaining: 1 })
    );
    assert_eq!(case.state, CaseState::Challenged);
    assert_eq!(
        case.record_failure(minutes(4), &limits, false),
        Ok(FailureOutcome::Locked(CaseTransition {
            from: CaseState::Challenged,
            to: CaseState::Locked,
            at: minutes(4),
        }))
    );
    assert_eq!((case.state, case.failed_attempts), (CaseState::Locked, 3));
    assert_eq!(case.updated_at, minutes(4));
}

#[test]
fn the_customers_limit_locks_at_once() {
    let mut case = challenged(FreezeReason::CustomerRequest);
    let outcome = case.record_failure(minutes(2), &PolicyLimits::default(), true);
    assert!(
        matches!(outcome, Ok(FailureOutcome::Locked(_))),
        "{outcome:?}"
    );
    assert_eq!((case.state, case.failed_attempts), (CaseState::Locked, 1));
}

#[test]
fn a_locked_case_takes_no_more_attempts() {
    let limits = PolicyLimits::default();
    let mut case = challenged(FreezeReason::CustomerRequest);
    for _ in 0..3 {
        case.record_failure(minutes(2), &limits, false).unwrap();
    }
    let locked = illegal(CaseState::Locked, CaseState::Verified);
    assert_eq!(case.verify(minutes(3), &limits), Err(locked.clone()));
    assert_eq!(case.record_failure(minutes(3), &limits, false), Err(locked));
    assert_eq!(case.failed_attempts, 3);
    assert!(case.challenge(minutes(3)).is_err());
    assert!(case.cancel(minutes(3)).is_err());
}

#[test]
fn lock_locks_a_challenged_case_without_counting_an_attempt() {
    let mut case = challenged(FreezeReason::CustomerRequest);
    case.lock(minutes(2)).unwrap();
    assert_eq!((case.state, case.failed_attempts), (CaseState::Locked, 0));
    let mut early = open(FreezeReason::CustomerRequest);
    assert_eq!(
        early.lock(t0()),
        Err(illegal(CaseState::Marked, CaseState::Locked))
    );
}

#[test]
fn attempts_used_up_under_stricter_limits_are_refused() {
    // Two failures under the default limits, then the limit drops to two.
    let mut case = challenged(FreezeReason::CustomerRequest);
    case.record_failure(minutes(2), &PolicyLimits::default(), false)
        .unwrap();
    case.record_failure(minutes(2), &PolicyLimits::default(), false)
        .unwrap();
    let strict = PolicyLimits {
        attempts_per_case: 2,
        ..PolicyLimits::default()
    };
    assert_eq!(
        case.verify(minutes(3), &strict),
        Err(CaseError::AttemptsExhausted)
    );
    assert_eq!(
        case.record_failure(minutes(3), &strict, false),
        Err(CaseError::AttemptsExhausted)
    );
    assert_eq!(case.failed_attempts, 2);
}

#[test]
fn verify_only_from_challenged() {
    let mut case = open(FreezeReason::Dormant);
    case.package(t0()).unwrap();
    case.instruct(t0(), &PolicyLimits::default()).unwrap();
    case.request(minutes(1)).unwrap();
    assert_eq!(
        case.verify(minutes(1), &PolicyLimits::default()),
        Err(illegal(CaseState::Requested, CaseState::Verified))
    );
}
