//! Approval and unfreeze: who may approve or reject (maker-checker), and
//! cancelling up to verification.

use super::*;

#[test]
fn unfreeze_without_approval_from_verified() {
    for reason in [
        FreezeReason::WrongPinLimit,
        FreezeReason::CustomerRequest,
        FreezeReason::Dormant,
    ] {
        let mut case = verified(reason);
        assert!(!case.needs_approval);
        let t = case.unfreeze(minutes(3)).unwrap();
        assert_eq!((t.from, t.to), (CaseState::Verified, CaseState::Unfrozen));
        assert_eq!(case.state, CaseState::Unfrozen);
        assert_eq!(
            case.unfreeze(minutes(4)),
            Err(illegal(CaseState::Unfrozen, CaseState::Unfrozen)),
            "an unfreeze happens once"
        );
    }
}

#[test]
fn unfreeze_needing_approval_waits_for_a_supervisor() {
    for reason in [
        FreezeReason::SuspiciousTransaction,
        FreezeReason::RiskReview,
    ] {
        let mut case = verified(reason);
        assert!(case.needs_approval);
        assert_eq!(case.unfreeze(minutes(3)), Err(CaseError::Approval(true)));
        assert_eq!(case.state, CaseState::Verified);
        let t = case
            .approve(minutes(4), &staff("sue", Role::Supervisor))
            .unwrap();
        assert_eq!((t.from, t.to), (CaseState::Verified, CaseState::Approved));
        let t = case.unfreeze(minutes(5)).unwrap();
        assert_eq!((t.from, t.to), (CaseState::Approved, CaseState::Unfrozen));
    }
}

#[test]
fn approve_needs_a_supervisor_or_an_admin() {
    let mut case = verified(FreezeReason::SuspiciousTransaction);
    assert_eq!(
        case.approve(minutes(3), &staff("bob", Role::Agent)),
        Err(CaseError::NotSupervisor)
    );
    assert_eq!(case.state, CaseState::Verified);
    case.approve(minutes(3), &staff("root", Role::Admin))
        .unwrap();
    assert_eq!(case.state, CaseState::Approved);
}

#[test]
fn the_opener_cannot_approve() {
    let sam = staff("sam", Role::Supervisor);
    let mut case = open_by(FreezeReason::RiskReview, &sam).unwrap();
    let limits = PolicyLimits::default();
    case.package(t0()).unwrap();
    case.instruct(t0(), &limits).unwrap();
    case.request(t0()).unwrap();
    case.challenge(t0()).unwrap();
    case.verify(t0(), &limits).unwrap();
    assert_eq!(
        case.approve(minutes(1), &sam),
        Err(CaseError::SameMakerAndChecker)
    );
    assert_eq!(
        case.reject(minutes(1), &sam),
        Err(CaseError::SameMakerAndChecker)
    );
    assert_eq!(case.state, CaseState::Verified);
}

/// Maker-checker is about the person, not the role they held: an agent who
/// opened a case and has since become a supervisor (or admin) still may not
/// approve it.
#[test]
fn the_opener_cannot_approve_under_another_role() {
    for role in [Role::Supervisor, Role::Admin] {
        let mut case = verified(FreezeReason::SuspiciousTransaction); // opened by agent alice
        assert_eq!(
            case.approve(minutes(3), &staff("alice", role)),
            Err(CaseError::SameMakerAndChecker),
            "{role:?}"
        );
        assert_eq!(case.state, CaseState::Verified);
    }
}

#[test]
fn approve_a_case_that_needs_none_is_an_error() {
    let mut case = verified(FreezeReason::WrongPinLimit);
    assert_eq!(
        case.approve(minutes(3), &staff("sue", Role::Supervisor)),
        Err(CaseError::Approval(false))
    );
    assert_eq!(case.state, CaseState::Verified);
}

#[test]
fn approve_only_a_verified_case() {
    let mut case = challenged(FreezeReason::SuspiciousTransaction);
    assert_eq!(
        case.approve(minutes(3), &staff("sue", Role::Supervisor)),
        Err(illegal(CaseState::Challenged, CaseState::Approved))
    );
}

#[test]
fn reject_ends_a_verified_case() {
    let mut case = verified(FreezeReason::RiskReview);
    assert_eq!(
        case.reject(minutes(3), &staff("bob", Role::Agent)),
        Err(CaseError::NotSupervisor)
    );
    let t = case
        .reject(minutes(3), &staff("sue", Role::Supervisor))
        .unwrap();
    assert_eq!((t.from, t.to), (CaseState::Verified, CaseState::Rejected));
    assert!(case.unfreeze(minutes(4)).is_err());
    assert!(
        case.approve(minutes(4), &staff("sue", Role::Supervisor))
            .is_err()
    );
}

#[test]
fn cancel_up_to_verification_and_not_after_the_end() {
    let mut case = verified(FreezeReason::Dormant);
    let t = case.cancel(minutes(3)).unwrap();
    assert_eq!((t.from, t.to), (CaseState::Verified, CaseState::Cancelled));
    let mut done = verified(FreezeReason::Dormant);
    done.unfreeze(minutes(3)).unwrap();
    assert_eq!(
        done.cancel(minutes(4)),
        Err(illegal(CaseState::Unfrozen, CaseState::Cancelled))
    );
}
