//! The guards `UnfreezeCase`'s methods add on top of the state table: which
//! cards a case may be opened for, the code's lifetime, the attempt limits,
//! approval and maker-checker.
//!
//! This file holds the fixtures the topic modules share: the clock, staff,
//! the card, and cases brought up to a given state.

mod approval;
mod attempts;
mod code_lifetime;
mod opening;
mod records;

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
