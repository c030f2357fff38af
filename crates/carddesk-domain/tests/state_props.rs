//! Property tests: random sequences of operations on unfreeze cases and on
//! card statuses, with errors ignored, never break the invariants.

use carddesk_domain::case::{CaseTransition, FailureOutcome};
use carddesk_domain::{
    Actor, Card, CardId, CardStatus, CardStatusKind, CardTransition, CaseError, CaseState,
    CustomerId, FreezeReason, PolicyLimits, Role, StaffMember, UnfreezeCase, UnfreezePolicy,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0).unwrap()
}

fn staff(username: &str, role: Role) -> StaffMember {
    StaffMember {
        username: username.to_owned(),
        role,
    }
}

/// Who approves or rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// An agent other than the opener.
    Agent,
    /// A supervisor other than the opener.
    OtherSupervisor,
    /// The opener, now acting as a supervisor.
    Opener,
}

impl Who {
    fn member(self) -> StaffMember {
        match self {
            Who::Agent => staff("alan", Role::Agent),
            Who::OtherSupervisor => staff("sue", Role::Supervisor),
            Who::Opener => staff("olga", Role::Supervisor),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Package,
    Instruct,
    Request,
    Challenge,
    Fail {
        customer_limit: bool,
    },
    Verify,
    Approve(Who),
    Reject(Who),
    Unfreeze,
    Expire,
    Cancel,
    /// Moves the clock on; not an operation on the case.
    Advance {
        minutes: i64,
    },
    /// Whichever of the above takes the case one step along the main flow
    /// from where it stands, so that random sequences often get far.
    Proceed,
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        Just(Who::Agent),
        Just(Who::OtherSupervisor),
        Just(Who::Opener)
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => Just(Op::Proceed),
        3 => Just(Op::Package),
        3 => Just(Op::Instruct),
        3 => Just(Op::Request),
        3 => Just(Op::Challenge),
        3 => prop::bool::weighted(0.2).prop_map(|customer_limit| Op::Fail { customer_limit }),
        3 => Just(Op::Verify),
        2 => who().prop_map(Op::Approve),
        1 => who().prop_map(Op::Reject),
        2 => Just(Op::Unfreeze),
        1 => Just(Op::Expire),
        1 => Just(Op::Cancel),
        2 => (0i64..=20).prop_map(|minutes| Op::Advance { minutes }),
    ]
}

/// The operation that takes `case` one step along the main flow.
fn proceed(case: &UnfreezeCase) -> Op {
    match case.state {
        CaseState::Marked => Op::Package,
        CaseState::Packaged => Op::Instruct,
        CaseState::Instructed => Op::Request,
        CaseState::Requested => Op::Challenge,
        CaseState::Challenged => Op::Verify,
        CaseState::Verified if case.needs_approval => Op::Approve(Who::OtherSupervisor),
        // From approved, and from every final state (where it must fail).
        _ => Op::Unfreeze,
    }
}

/// Applies `op`; `Ok(None)` is a counted failure that left the state alone.
fn apply(
    case: &mut UnfreezeCase,
    op: Op,
    now: DateTime<Utc>,
    limits: &PolicyLimits,
) -> Result<Option<CaseTransition>, CaseError> {
    let moved = match op {
        Op::Package => case.package(now),
        Op::Instruct => case.instruct(now, limits),
        Op::Request => case.request(now),
        Op::Challenge => case.challenge(now),
        Op::Fail { customer_limit } => {
            return case
                .record_failure(now, limits, customer_limit)
                .map(|outcome| match outcome {
                    FailureOutcome::Retry { .. } => None,
                    FailureOutcome::Locked(t) => Some(t),
                });
        }
        Op::Verify => case.verify(now, limits),
        Op::Approve(who) => case.approve(now, &who.member()),
        Op::Reject(who) => case.reject(now, &who.member()),
        Op::Unfreeze => case.unfreeze(now),
        Op::Expire => case.expire(now),
        Op::Cancel => case.cancel(now),
        Op::Advance { .. } => unreachable!("the clock is not a case operation"),
        Op::Proceed => unreachable!("resolved by `proceed`"),
    };
    moved.map(Some)
}

fn open_case(reason_index: usize, opener_role: Role) -> UnfreezeCase {
    let policy = UnfreezePolicy::default();
    // Court orders are never opened; pick among the remote reasons.
    let remote: Vec<FreezeReason> = FreezeReason::ALL
        .into_iter()
        .filter(|r| policy.rule(*r).remote_unfreeze)
        .collect();
    let reason = remote[reason_index % remote.len()];
    let card = Card {
        id: CardId(1),
        customer_id: CustomerId(1),
        bin: "622848".to_owned(),
        last_four: "0004".to_owned(),
        pan_length: 16,
        product: "Great Wall Debit".to_owned(),
        status: CardStatus::Frozen {
            reason,
            since: t0(),
        },
    };
    UnfreezeCase::open(
        &card,
        policy.rule(reason),
        &staff("olga", opener_role),
        t0(),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn case_invariants_hold_after_every_step(
        reason_index in 0usize..5,
        opener_role in prop_oneof![Just(Role::Agent), Just(Role::Supervisor)],
        ops in prop::collection::vec(op(), 0..=40),
    ) {
        let limits = PolicyLimits::default();
        let mut case = open_case(reason_index, opener_role);
        let mut now = t0();
        let mut history: Vec<CaseTransition> = Vec::new();
        let mut final_state: Option<CaseState> = None;

        for op in ops {
            let op = match op {
                Op::Advance { minutes } => {
                    now += Duration::minutes(minutes);
                    continue;
                }
                Op::Proceed => proceed(&case),
                op => op,
            };
            let before = case.clone();
            let result = apply(&mut case, op, now, &limits);

            match &result {
                Ok(Some(t)) => {
                    // (d) every successful transition is in the table, and is
                    // what happened.
                    prop_assert!(t.from.can_move_to(t.to), "{op:?}: illegal {t:?}");
                    prop_assert_eq!(t.from, before.state);
                    prop_assert_eq!(t.to, case.state);
                    prop_assert_eq!(t.at, now);
                    history.push(*t);
                }
                Ok(None) => {
                    prop_assert_eq!(case.state, before.state, "{:?}", op);
                    prop_assert_eq!(case.failed_attempts, before.failed_attempts + 1);
                }
                Err(_) => {
                    prop_assert_eq!(&case, &before, "{:?} failed but changed the case", op);
                }
            }

            // Approval only ever comes from a supervisor other than the opener.
            if let (Op::Approve(who) | Op::Reject(who), Ok(_)) = (op, &result) {
                prop_assert_eq!(who, Who::OtherSupervisor);
            }

            // (a) unfrozen only after verification, and after approval when needed.
            if case.state == CaseState::Unfrozen {
                let reached = |s: CaseState| history.iter().any(|t| t.to == s);
                prop_assert!(reached(CaseState::Verified), "unfrozen unverified: {history:?}");
                if case.needs_approval {
                    prop_assert!(reached(CaseState::Approved), "unfrozen unapproved: {history:?}");
                }
            }

            // (b) never more failures than the case allows.
            prop_assert!(case.failed_attempts <= limits.attempts_per_case);

            // (c) a final state never changes, and everything after it fails.
            if let Some(end) = final_state {
                prop_assert!(result.is_err(), "{op:?} succeeded on a {end:?} case");
                prop_assert_eq!(case.state, end);
            } else if case.state.is_final() {
                final_state = Some(case.state);
            }
        }
    }
}

/// The card-status moves the rules allow, written out: freeze an active card,
/// unfreeze a frozen one, and end either as lost, stolen or closed.
fn card_move_allowed(from: CardStatusKind, to: CardStatusKind) -> bool {
    use CardStatusKind::*;
    matches!(
        (from, to),
        (Active, Frozen) | (Frozen, Active) | (Active | Frozen, Lost | Stolen | Closed)
    )
}

fn card_status() -> impl Strategy<Value = CardStatus> {
    prop_oneof![
        Just(CardStatus::Active),
        (0usize..6, 0i64..100_000).prop_map(|(i, m)| CardStatus::Frozen {
            reason: FreezeReason::ALL[i],
            since: t0() + Duration::minutes(m),
        }),
        Just(CardStatus::Lost),
        Just(CardStatus::Stolen),
        Just(CardStatus::Closed),
    ]
}

#[test]
fn card_moves_match_the_table_for_every_pair_of_kinds() {
    let sample = |k: CardStatusKind| match k {
        CardStatusKind::Active => CardStatus::Active,
        CardStatusKind::Frozen => CardStatus::Frozen {
            reason: FreezeReason::Dormant,
            since: t0(),
        },
        CardStatusKind::Lost => CardStatus::Lost,
        CardStatusKind::Stolen => CardStatus::Stolen,
        CardStatusKind::Closed => CardStatus::Closed,
    };
    for from in CardStatusKind::ALL {
        for to in CardStatusKind::ALL {
            let ok = sample(from).check_move(&sample(to)).is_ok();
            assert_eq!(ok, card_move_allowed(from, to), "{from:?} -> {to:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn card_statuses_move_only_as_the_table_allows(
        start in card_status(),
        targets in prop::collection::vec(card_status(), 0..=40),
    ) {
        let actor = Actor::Staff(staff("alice", Role::Agent));
        let mut status = start;
        let mut ended = status.kind().is_final();
        for (i, to) in targets.into_iter().enumerate() {
            let at = t0() + Duration::minutes(i64::try_from(i).unwrap());
            let checked = status.check_move(&to);
            let record = CardTransition::new(CardId(9), &status, &to, &actor, at);
            prop_assert_eq!(checked.is_ok(), record.is_ok(), "check_move and new disagree");
            prop_assert_eq!(
                checked.is_ok(),
                card_move_allowed(status.kind(), to.kind()),
                "{:?} -> {:?}", status, to
            );
            if ended {
                prop_assert!(checked.is_err(), "a final {:?} card moved", status);
            }
            if let Ok(t) = record {
                prop_assert_eq!((t.from, t.to), (status.kind(), to.kind()));
                prop_assert_eq!(t.card_id, CardId(9));
                prop_assert_eq!(t.at, at);
                prop_assert_eq!(t.actor.as_str(), "agent:alice");
                // Freezing records the new reason, unfreezing the lifted one.
                match (status, to) {
                    (_, CardStatus::Frozen { reason, .. }) => prop_assert_eq!(t.reason, Some(reason)),
                    (CardStatus::Frozen { reason, .. }, CardStatus::Active) => {
                        prop_assert_eq!(t.reason, Some(reason));
                    }
                    (CardStatus::Active, _) => prop_assert_eq!(t.reason, None),
                    _ => {}
                }
                status = to;
                ended = status.kind().is_final();
            }
        }
    }
}
