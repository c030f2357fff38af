//! Opening: which cards a case may be opened for, and what it starts with.

use super::*;

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
