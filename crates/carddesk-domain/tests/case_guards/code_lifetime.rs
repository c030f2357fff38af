//! The one-time code's lifetime: the deadline instructions set, the steps
//! refused past it, expiry, and instructions sent again.

use super::*;

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
