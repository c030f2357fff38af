//! What a move records (its states and time), and what a refusal says to
//! the agent.

use carddesk_domain::case::CaseTransition;

use super::*;

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
