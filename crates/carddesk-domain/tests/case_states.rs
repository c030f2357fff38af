//! The case state machine as a table: every ordered pair of states is checked
//! against the moves domain.md allows, written out literally below.

use carddesk_domain::CaseState::{self, *};

/// Every state, written out here rather than taken from the crate, so a state
/// added to the crate without a decision about its moves fails a test.
const STATES: [CaseState; 12] = [
    Marked, Packaged, Instructed, Requested, Challenged, Verified, Approved, Unfrozen, Locked,
    Expired, Cancelled, Rejected,
];

/// The legal moves of domain.md:
/// `marked → packaged → instructed → requested → challenged → verified →
/// (approved →) unfrozen`, with exits `locked`, `expired`, `cancelled`,
/// `rejected`. Everything not listed is an error.
const ALLOWED: &[(CaseState, CaseState)] = &[
    // The main flow.
    (Marked, Packaged),
    (Packaged, Instructed),
    (Instructed, Requested),
    (Requested, Challenged),
    (Challenged, Verified),
    // Unfreeze directly, or through a supervisor's approval.
    (Verified, Unfrozen),
    (Verified, Approved),
    (Approved, Unfrozen),
    // Too many failed verifications.
    (Challenged, Locked),
    // The one-time code runs out while it is live.
    (Instructed, Expired),
    (Requested, Expired),
    (Challenged, Expired),
    // An agent cancels, any time up to verification.
    (Marked, Cancelled),
    (Packaged, Cancelled),
    (Instructed, Cancelled),
    (Requested, Cancelled),
    (Challenged, Cancelled),
    (Verified, Cancelled),
    // A supervisor refuses.
    (Verified, Rejected),
];

const FINAL: [CaseState; 5] = [Unfrozen, Locked, Expired, Cancelled, Rejected];

#[test]
fn the_crate_lists_the_same_twelve_states() {
    assert_eq!(CaseState::ALL, STATES);
}

#[test]
fn every_ordered_pair_matches_the_table() {
    let mut wrong = Vec::new();
    for from in STATES {
        for to in STATES {
            let expected = ALLOWED.contains(&(from, to));
            if from.can_move_to(to) != expected {
                wrong.push(format!(
                    "{} -> {}: expected {}",
                    from.as_str(),
                    to.as_str(),
                    if expected { "allowed" } else { "refused" }
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "can_move_to disagrees with domain.md:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_state_moves_to_itself() {
    for s in STATES {
        assert!(!s.can_move_to(s), "{} -> itself", s.as_str());
    }
}

#[test]
fn final_states_are_exactly_the_five_exits_and_allow_no_move() {
    for s in STATES {
        assert_eq!(s.is_final(), FINAL.contains(&s), "is_final({})", s.as_str());
    }
    for from in FINAL {
        let moves: Vec<_> = STATES
            .into_iter()
            .filter(|to| from.can_move_to(*to))
            .collect();
        assert!(moves.is_empty(), "final {} allows {moves:?}", from.as_str());
    }
}

#[test]
fn every_non_final_state_can_still_end() {
    // No dead ends: every open state has at least one legal move.
    for s in STATES.into_iter().filter(|s| !s.is_final()) {
        assert!(
            STATES.iter().any(|to| s.can_move_to(*to)),
            "{} is a dead end",
            s.as_str()
        );
    }
}

#[test]
fn can_expire_is_exactly_the_states_that_may_move_to_expired() {
    for s in STATES {
        assert_eq!(
            s.can_expire(),
            ALLOWED.contains(&(s, Expired)),
            "can_expire({})",
            s.as_str()
        );
    }
}

#[test]
fn names_round_trip_and_are_the_stored_ones() {
    let names = [
        "marked",
        "packaged",
        "instructed",
        "requested",
        "challenged",
        "verified",
        "approved",
        "unfrozen",
        "locked",
        "expired",
        "cancelled",
        "rejected",
    ];
    for (s, name) in STATES.into_iter().zip(names) {
        assert_eq!(s.as_str(), name);
        assert_eq!(CaseState::parse(name), Some(s));
    }
    for bad in ["", "Marked", "UNFROZEN", "approve", " locked"] {
        assert_eq!(CaseState::parse(bad), None, "{bad:?}");
    }
}
