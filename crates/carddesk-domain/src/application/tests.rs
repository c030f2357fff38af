use std::collections::{BTreeSet, HashSet};

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::card::CardId;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap()
}

fn limits() -> ApplicationLimits {
    ApplicationLimits::default()
}

fn routed(existing: Option<CustomerId>) -> Application {
    let mut a = Application::submit(&VIRTUAL_PRODUCTS[0], t0(), &limits());
    a.route(existing, t0()).unwrap();
    a
}

fn all_ticked() -> Checklist {
    Checklist(ChecklistItem::ALL.into_iter().collect())
}

#[test]
fn the_table_allows_exactly_the_documented_moves() {
    use ApplicationState::*;
    let allowed: HashSet<_> = [
        (Submitted, Routed),
        (Routed, Authenticated),
        (Authenticated, Issued),
        (Submitted, Rejected),
        (Routed, Rejected),
        (Submitted, Expired),
        (Routed, Expired),
        (Authenticated, Expired),
        (Submitted, Withdrawn),
        (Routed, Withdrawn),
    ]
    .into_iter()
    .collect();
    for from in ApplicationState::ALL {
        for to in ApplicationState::ALL {
            assert_eq!(
                from.can_move_to(to),
                allowed.contains(&(from, to)),
                "{from:?} -> {to:?}"
            );
        }
        assert_eq!(ApplicationState::parse(from.as_str()), Some(from));
    }
}

#[test]
fn an_existing_customer_is_routed_to_two_cards_and_a_newcomer_to_the_interview() {
    assert_eq!(routed(Some(CustomerId(7))).route, Some(AuthRoute::TwoCard));
    assert_eq!(routed(Some(CustomerId(7))).customer_id, Some(CustomerId(7)));
    assert_eq!(routed(None).route, Some(AuthRoute::VideoInterview));
    let mut twice = routed(None);
    assert!(matches!(
        twice.route(None, t0()),
        Err(ApplicationError::IllegalMove { .. })
    ));
}

#[test]
fn two_cards_need_the_card_then_the_code_in_time() {
    let mut a = routed(Some(CustomerId(1)));
    assert_eq!(
        a.check_code_step(t0(), &limits()),
        Err(ApplicationError::OutOfOrder)
    );
    a.card_proven(CardId(5), t0(), &limits()).unwrap();
    assert_eq!(
        a.card_proven(CardId(5), t0(), &limits()),
        Err(ApplicationError::OutOfOrder)
    );
    assert_eq!(a.check_code_step(t0(), &limits()), Ok(CardId(5)));
    let late = t0() + limits().code_lifetime;
    assert_eq!(
        a.check_code_step(late, &limits()),
        Err(ApplicationError::Expired)
    );
    a.authenticate(t0()).unwrap();
    a.issue(CustomerId(1), t0()).unwrap();
    assert_eq!(a.state, ApplicationState::Issued);
}

#[test]
fn the_third_failure_rejects_and_nothing_follows() {
    let mut a = routed(Some(CustomerId(1)));
    assert_eq!(
        a.record_failure(t0(), &limits()),
        Ok(AttemptOutcome::Retry { remaining: 2 })
    );
    a.record_failure(t0(), &limits()).unwrap();
    assert!(matches!(
        a.record_failure(t0(), &limits()),
        Ok(AttemptOutcome::Rejected(_))
    ));
    assert_eq!(a.state, ApplicationState::Rejected);
    assert!(a.card_proven(CardId(1), t0(), &limits()).is_err());
}

#[test]
fn steps_of_the_other_route_are_refused() {
    let mut two = routed(Some(CustomerId(1)));
    assert_eq!(
        two.uploads_complete(t0(), &limits()),
        Err(ApplicationError::WrongRoute(AuthRoute::TwoCard))
    );
    let mut video = routed(None);
    assert_eq!(
        video.card_proven(CardId(1), t0(), &limits()),
        Err(ApplicationError::WrongRoute(AuthRoute::VideoInterview))
    );
}

#[test]
fn an_interview_is_queued_claimed_and_decided_by_its_reviewer_only() {
    let mut a = routed(None);
    assert_eq!(
        a.claim("agent:li", false, t0(), &limits()),
        Err(ApplicationError::OutOfOrder)
    );
    a.uploads_complete(t0(), &limits()).unwrap();
    a.claim("agent:li", false, t0(), &limits()).unwrap();
    assert_eq!(
        a.claim("agent:wang", false, t0(), &limits()),
        Err(ApplicationError::NotReviewer)
    );
    let pass = Verdict::Pass {
        checklist: all_ticked(),
    };
    assert_eq!(
        a.decide("agent:wang", &pass, t0(), &limits()),
        Err(ApplicationError::NotReviewer)
    );
    // A supervisor reassigns; the first reviewer may no longer decide.
    a.claim("agent:wang", true, t0(), &limits()).unwrap();
    assert_eq!(
        a.decide("agent:li", &pass, t0(), &limits()),
        Err(ApplicationError::NotReviewer)
    );
    assert!(matches!(
        a.decide("agent:wang", &pass, t0(), &limits()),
        Ok(VerdictOutcome::Authenticated(_))
    ));
}

#[test]
fn a_retry_asks_for_uploads_again_and_a_fail_rejects() {
    let reasons: BTreeSet<_> = [VerdictReason::PhotoUnreadable].into();
    let mut a = routed(None);
    a.uploads_complete(t0(), &limits()).unwrap();
    a.claim("agent:li", false, t0(), &limits()).unwrap();
    let retry = Verdict::Retry {
        reasons: reasons.clone(),
    };
    assert_eq!(
        a.decide("agent:li", &retry, t0(), &limits()),
        Ok(VerdictOutcome::Retry)
    );
    assert_eq!(a.interview, InterviewStep::AwaitingUploads);
    a.uploads_complete(t0(), &limits()).unwrap();
    a.claim("agent:li", false, t0(), &limits()).unwrap();
    let empty = Verdict::Fail {
        reasons: BTreeSet::new(),
    };
    assert_eq!(
        a.decide("agent:li", &empty, t0(), &limits()),
        Err(ApplicationError::Verdict(VerdictError::NoReason))
    );
    assert!(matches!(
        a.decide("agent:li", &Verdict::Fail { reasons }, t0(), &limits()),
        Ok(VerdictOutcome::Rejected(_))
    ));
    assert_eq!(a.state, ApplicationState::Rejected);
}

fn staff(username: &str, role: crate::Role) -> crate::StaffMember {
    crate::StaffMember {
        username: username.to_owned(),
        role,
    }
}

/// Claimed by `claimer`, passed with liveness unticked by `reviewer`.
fn awaiting_override(claimer: &str, reviewer: &str) -> Application {
    let mut a = routed(None);
    a.uploads_complete(t0(), &limits()).unwrap();
    a.claim(claimer, false, t0(), &limits()).unwrap();
    a.claim(reviewer, true, t0(), &limits()).unwrap();
    let mut partial = all_ticked();
    partial.0.remove(&ChecklistItem::Liveness);
    assert_eq!(
        a.decide(
            reviewer,
            &Verdict::Pass { checklist: partial },
            t0(),
            &limits()
        ),
        Ok(VerdictOutcome::AwaitingOverride)
    );
    a
}

#[test]
fn a_pass_with_an_item_unticked_needs_another_supervisor() {
    use crate::Role::{Admin, Supervisor};
    let mut a = awaiting_override("supervisor:zhang", "supervisor:zhang");
    assert_eq!(
        a.approve_override(&staff("zhang", Supervisor), [], t0(), &limits()),
        Err(ApplicationError::SameMakerAndChecker)
    );
    // The person, not the label: the reviewer under another role is still
    // the reviewer.
    assert_eq!(
        a.approve_override(&staff("zhang", Admin), [], t0(), &limits()),
        Err(ApplicationError::SameMakerAndChecker)
    );
    a.approve_override(&staff("liu", Supervisor), [], t0(), &limits())
        .unwrap();
    assert_eq!(a.state, ApplicationState::Authenticated);
}

#[test]
fn nobody_who_claimed_reassigned_or_reviewed_decides_the_override() {
    use crate::Role::{Admin, Supervisor};
    // Zhang claimed and gave it to li, who passed it: zhang is a maker
    // though the application names only li.
    let mut a = awaiting_override("supervisor:zhang", "agent:li");
    let makers = ["supervisor:zhang", "supervisor:zhang", "agent:li"];
    for checker in [
        staff("zhang", Supervisor),
        staff("li", Supervisor),
        staff("li", Admin),
    ] {
        assert_eq!(
            a.approve_override(&checker, makers, t0(), &limits()),
            Err(ApplicationError::SameMakerAndChecker),
            "{checker:?}"
        );
        assert_eq!(
            a.decline_override(&checker, makers, t0(), &limits()),
            Err(ApplicationError::SameMakerAndChecker),
            "{checker:?}"
        );
    }
    // A label that is no staff member's names nobody.
    a.decline_override(&staff("7", Supervisor), ["applicant:7"], t0(), &limits())
        .unwrap();
    assert_eq!(a.state, ApplicationState::Rejected);
    assert!(
        a.approve_override(&staff("wu", Supervisor), [], t0(), &limits())
            .is_err()
    );
}

#[test]
fn a_retry_past_the_attempts_rejects() {
    let reasons: BTreeSet<_> = [VerdictReason::PhotoUnreadable].into();
    let retry = Verdict::Retry { reasons };
    let mut a = routed(None);
    for _ in 1..limits().max_attempts {
        a.uploads_complete(t0(), &limits()).unwrap();
        a.claim("agent:li", false, t0(), &limits()).unwrap();
        assert_eq!(
            a.decide("agent:li", &retry, t0(), &limits()),
            Ok(VerdictOutcome::Retry)
        );
    }
    a.uploads_complete(t0(), &limits()).unwrap();
    a.claim("agent:li", false, t0(), &limits()).unwrap();
    assert!(matches!(
        a.decide("agent:li", &retry, t0(), &limits()),
        Ok(VerdictOutcome::RetriesUsedUp(_))
    ));
    assert_eq!(a.state, ApplicationState::Rejected);
    assert_eq!(a.failed_attempts, limits().max_attempts);
}

#[test]
fn an_application_expires_only_once_its_day_is_over() {
    let mut a = routed(None);
    assert!(a.expire(t0() + Duration::hours(23)).is_err());
    let late = t0() + limits().application_lifetime;
    assert_eq!(
        a.uploads_complete(late, &limits()),
        Err(ApplicationError::Expired)
    );
    a.expire(late).unwrap();
    assert_eq!(a.state, ApplicationState::Expired);
    assert!(!a.is_expired_at(late), "a final state no longer runs out");
}

fn keyed(r: u8, h: u32) -> u32 {
    // A stand-in for the processor's keyed hash: any fixed mixing will do.
    let x = (u64::from(h) << 8 | u64::from(r)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x >> 29) as u32
}

#[test]
fn issued_numbers_are_luhn_valid_inside_the_bin_and_unique() {
    let product = &VIRTUAL_PRODUCTS[0];
    let perm = SerialPermutation::new(keyed);
    let mut seen = HashSet::new();
    for serial in 0..100_000 {
        let issued = product.issue(serial, &perm, t0()).unwrap();
        let digits = issued.number.expose();
        assert_eq!(digits.len(), 16);
        assert!(digits.starts_with(product.bin));
        assert!(crate::luhn::is_valid(digits));
        assert!(seen.insert(digits.to_owned()), "serial {serial} repeated");
    }
    // The shuffle hides the order: consecutive serials are far apart.
    let a = product.issue(0, &perm, t0()).unwrap();
    let b = product.issue(1, &perm, t0()).unwrap();
    assert_ne!(a.number.last_four(), b.number.last_four());
}

#[test]
fn expiry_is_the_validity_in_months_from_the_issue() {
    let issued = VIRTUAL_PRODUCTS[0]
        .issue(0, &SerialPermutation::new(keyed), t0())
        .unwrap();
    assert_eq!((issued.expiry_year, issued.expiry_month), (2029, 11));
    let december = Utc.with_ymd_and_hms(2026, 12, 31, 0, 0, 0).unwrap();
    let issued = VIRTUAL_PRODUCTS[0]
        .issue(0, &SerialPermutation::new(keyed), december)
        .unwrap();
    assert_eq!((issued.expiry_year, issued.expiry_month), (2029, 12));
    assert_eq!(
        VIRTUAL_PRODUCTS[0].issue(
            VIRTUAL_PRODUCTS[0].capacity(),
            &SerialPermutation::new(keyed),
            t0()
        ),
        Err(ProductError::Exhausted)
    );
    assert_eq!(VirtualProduct::find("platinum"), Err(ProductError::Unknown));
}

proptest! {
    #[test]
    fn the_permutation_is_a_bijection_on_small_domains(capacity in 2u64..3_000, key in any::<u32>()) {
        let perm = SerialPermutation::new(move |r, h| keyed(r, h ^ key));
        let images: HashSet<u64> = (0..capacity).map(|v| perm.apply(v, capacity)).collect();
        prop_assert_eq!(images.len() as u64, capacity);
        prop_assert!(images.iter().all(|&v| v < capacity));
    }
}
