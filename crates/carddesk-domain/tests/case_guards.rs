//! The guards `UnfreezeCase`'s methods add on top of the state table: which
//! cards a case may be opened for, the code's lifetime, the attempt limits,
//! approval and maker-checker.

use carddesk_domain::case::{CaseTransition, FailureOutcome};
use carddesk_domain::{
    Card, CardId, CardStatus, CaseError, CaseState, CustomerId, FreezeReason, PolicyLimits, Role,
    StaffMember, UnfreezeCase, UnfreezePolicy,
};
use chrono::{DateTime, Duration, TimeZone, Utc};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0).unwrap()
}

fn minutes(m: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(m)
}

fn staff(username: &str, role: Role) -> StaffMember {
    StaffMember {
        username: username.to_owned(),
        role,
    }
}

fn card(status: CardStatus) -> Card {
    Card {
        id: CardId(7),
        customer_id: CustomerId(42),
        bin: "622848".to_owned(),
        last_four: "1234".to_owned(),
        pan_length: 19,
        product: "Great Wall Debit".to_owned(),
        status,
    }
}

fn frozen(reason: FreezeReason) -> CardStatus {
    CardStatus::Frozen {
        reason,
        since: t0() - Duration::days(3),
    }
}

/// Opens a case at `t0` by `opener` for a card frozen for `reason`, under the
/// default policy.
fn open_by(reason: FreezeReason, opener: &StaffMember) -> Result<UnfreezeCase, CaseError> {
    let policy = UnfreezePolicy::default();
    UnfreezeCase::open(&card(frozen(reason)), policy.rule(reason), opener, t0())
}

fn open(reason: FreezeReason) -> UnfreezeCase {
    open_by(reason, &staff("alice", Role::Agent)).unwrap()
}

/// A case brought to `challenged` at minute 1 (instructed at minute 0, so its
/// code runs out at minute 15).
fn challenged(reason: FreezeReason) -> UnfreezeCase {
    at(reason, CaseState::Challenged)
}

/// A case brought through the flow up to `target` (at most `challenged`),
/// instructed at minute 0.
fn at(reason: FreezeReason, target: CaseState) -> UnfreezeCase {
    let limits = PolicyLimits::default();
    let mut case = open(reason);
    while case.state != target {
        match case.state {
            CaseState::Marked => case.package(t0()),
            CaseState::Packaged => case.instruct(t0(), &limits),
            CaseState::Instructed => case.request(minutes(1)),
            CaseState::Requested => case.challenge(minutes(1)),
            other => panic!("cannot bring a case from {other:?} to {target:?}"),
        }
        .unwrap();
    }
    case
}

fn verified(reason: FreezeReason) -> UnfreezeCase {
    let mut case = challenged(reason);
    case.verify(minutes(2), &PolicyLimits::default()).unwrap();
    case
}

fn illegal(from: CaseState, to: CaseState) -> CaseError {
    CaseError::IllegalMove { from, to }
}

// Opening.

#[test]
fn open_starts_marked_with_the_rule_of_the_cards_reason() {
    let policy = UnfreezePolicy::default();
    for reason in FreezeReason::ALL
        .into_iter()
        .filter(|r| *r != FreezeReason::CourtOrder)
    {
        let case = open(reason);
        let rule = policy.rule(reason);
        assert_eq!(case.state, CaseState::Marked);
        assert_eq!(case.reason, reason);
        assert_eq!(
            (case.card_id, case.customer_id),
            (CardId(7), CustomerId(42))
        );
        assert_eq!(case.credentials, rule.credentials);
        assert_eq!(case.needs_approval, rule.supervisor_approval);
        assert_eq!(case.failed_attempts, 0);
        assert_eq!(case.opened_by, "agent:alice");
        assert_eq!((case.opened_at, case.updated_at), (t0(), t0()));
        assert_eq!(case.expires_at, None);
    }
}

#[test]
fn open_refuses_a_court_order() {
    assert_eq!(
        open_by(FreezeReason::CourtOrder, &staff("alice", Role::Agent)),
        Err(CaseError::NotRemote(FreezeReason::CourtOrder))
    );
}

#[test]
fn open_refuses_cards_that_are_not_frozen() {
    let policy = UnfreezePolicy::default();
    let rule = policy.rule(FreezeReason::WrongPinLimit);
    let alice = staff("alice", Role::Agent);
    for (status, name) in [
        (CardStatus::Active, "active"),
        (CardStatus::Lost, "lost"),
        (CardStatus::Stolen, "stolen"),
        (CardStatus::Closed, "closed"),
    ] {
        assert_eq!(
            UnfreezeCase::open(&card(status), rule, &alice, t0()),
            Err(CaseError::CardNotFrozen(name)),
            "{name}"
        );
    }
}

// The one-time code's lifetime.

#[test]
fn instruct_sets_the_deadline_from_the_code_lifetime() {
    let mut case = open(FreezeReason::Dormant);
    case.package(minutes(1)).unwrap();
    case.instruct(minutes(2), &PolicyLimits::default()).unwrap();
    assert_eq!(case.expires_at, Some(minutes(2 + 15)));

    let short = PolicyLimits {
        code_lifetime: Duration::minutes(3),
        ..PolicyLimits::default()
    };
    let mut case = open(FreezeReason::Dormant);
    case.package(minutes(1)).unwrap();
    case.instruct(minutes(2), &short).unwrap();
    assert_eq!(case.expires_at, Some(minutes(5)));
}

#[test]
fn instruct_from_the_wrong_state_sets_no_deadline() {
    let mut case = open(FreezeReason::Dormant);
    assert_eq!(
        case.instruct(t0(), &PolicyLimits::default()),
        Err(illegal(CaseState::Marked, CaseState::Instructed))
    );
    assert_eq!(case.expires_at, None);
}

#[test]
fn the_code_works_until_just_before_the_deadline() {
    let limits = PolicyLimits::default();
    let mut case = open(FreezeReason::Dormant);
    case.package(t0()).unwrap();
    case.instruct(t0(), &limits).unwrap();
    let last_moment = minutes(15) - Duration::seconds(1);
    case.request(last_moment).unwrap();
    case.challenge(last_moment).unwrap();
    case.verify(last_moment, &limits).unwrap();
    assert_eq!(case.state, CaseState::Verified);
}

/// Each step a customer takes with the code, done at the deadline, is refused
/// as expired and leaves the case as it was; `expire` then ends the case.
#[test]
fn steps_after_the_deadline_are_refused_and_the_case_expires() {
    type Step = fn(&mut UnfreezeCase, DateTime<Utc>) -> Result<(), CaseError>;
    let steps: [(&str, CaseState, Step); 4] = [
        ("request", CaseState::Instructed, |c, now| {
            c.request(now).map(drop)
        }),
        ("challenge", CaseState::Requested, |c, now| {
            c.challenge(now).map(drop)
        }),
        ("verify", CaseState::Challenged, |c, now| {
            c.verify(now, &PolicyLimits::default()).map(drop)
        }),
        ("record_failure", CaseState::Challenged, |c, now| {
            c.record_failure(now, &PolicyLimits::default(), false)
                .map(drop)
        }),
    ];
    for (name, state, step) in steps {
        let mut case = at(FreezeReason::WrongPinLimit, state);
        let before = case.clone();
        for late in [minutes(15), minutes(16), minutes(60 * 24)] {
            assert_eq!(step(&mut case, late), Err(CaseError::CodeExpired), "{name}");
            assert_eq!(case, before, "{name} changed an expired case");
        }
        let t = case.expire(minutes(16)).unwrap();
        assert_eq!(
            (t.from, t.to, t.at),
            (state, CaseState::Expired, minutes(16)),
            "{name}"
        );
        assert_eq!(case.state, CaseState::Expired);
    }
}

#[test]
fn expire_before_the_deadline_is_an_error() {
    let mut case = challenged(FreezeReason::Dormant);
    let before = case.clone();
    assert_eq!(
        case.expire(minutes(14)),
        Err(illegal(CaseState::Challenged, CaseState::Expired))
    );
    assert_eq!(case, before);
}

#[test]
fn only_live_codes_expire() {
    // Before instructions there is no code; after verification it is spent.
    let mut marked = open(FreezeReason::Dormant);
    assert!(marked.expire(minutes(600)).is_err());
    let mut packaged = open(FreezeReason::Dormant);
    packaged.package(t0()).unwrap();
    assert!(packaged.expire(minutes(600)).is_err());
    let mut done = verified(FreezeReason::Dormant);
    assert_eq!(
        done.expire(minutes(600)),
        Err(illegal(CaseState::Verified, CaseState::Expired))
    );
    assert_eq!(done.state, CaseState::Verified);
    done.unfreeze(minutes(600)).unwrap();
}

// Attempts.

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

// Approval and unfreeze.

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

#[test]
fn transitions_record_the_move_and_its_time() {
    let mut case = open(FreezeReason::Dormant);
    let t = case.package(minutes(1)).unwrap();
    assert_eq!(
        t,
        CaseTransition {
            from: CaseState::Marked,
            to: CaseState::Packaged,
            at: minutes(1)
        }
    );
    assert_eq!(case.updated_at, minutes(1));
    assert_eq!(case.opened_at, t0());
}

#[test]
fn error_messages_speak_to_the_agent() {
    assert_eq!(
        CaseError::NotRemote(FreezeReason::CourtOrder).to_string(),
        "a card frozen for court_order cannot be unfrozen remotely: the customer must visit a branch"
    );
    assert_eq!(
        illegal(CaseState::Locked, CaseState::Verified).to_string(),
        "a case cannot move from locked to verified"
    );
    assert_eq!(
        CaseError::Approval(true).to_string(),
        "this case needs a supervisor's approval first"
    );
    assert_eq!(
        CaseError::Approval(false).to_string(),
        "this case needs no approval"
    );
}

#[test]
fn instructions_can_be_sent_again_only_before_the_code_is_used() {
    let limits = PolicyLimits::default();
    let mut case = at(FreezeReason::WrongPinLimit, CaseState::Instructed);
    // Even after the first code ran out, a resend gives a fresh lifetime.
    let later = minutes(40);
    case.reinstruct(later, &limits).expect("resend");
    assert_eq!(case.state, CaseState::Instructed);
    assert_eq!(case.expires_at, Some(later + limits.code_lifetime));
    assert!(!case.is_expired_at(later + Duration::minutes(14)));
    case.request(later + Duration::minutes(1)).expect("request");
    assert_eq!(
        case.reinstruct(later + Duration::minutes(2), &limits),
        Err(illegal(CaseState::Requested, CaseState::Instructed))
    );
}
