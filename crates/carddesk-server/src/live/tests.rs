//! The event log's numbering, replay and resync.

use super::*;

fn case(case_id: i64) -> Logged {
    Logged::Event(Event::CaseChanged {
        case_id: carddesk_domain::case::CaseId(case_id),
        state: carddesk_domain::CaseState::Marked,
    })
}

fn heard(case_id: i64) -> DeskEvent {
    DeskEvent::Case {
        case_id,
        state: carddesk_wire::CaseState::Marked,
    }
}

fn staff(role: carddesk_domain::Role, username: &str) -> StaffMember {
    StaffMember {
        username: username.to_owned(),
        role,
    }
}

fn alice() -> StaffMember {
    staff(carddesk_domain::Role::Agent, "alice")
}

#[test]
fn resumes_after_a_known_id_and_resyncs_otherwise() {
    let log = EventLog::new();
    for id in 1..=3 {
        log.push(case(id));
    }
    let id = |seq: u64| format!("{}-{seq}", log.epoch);
    let all = EventFilter::default();

    let (ready, _, seen) = log.connect(Some(&id(1)), &alice(), all);
    assert_eq!(ready, [(2, heard(2)), (3, heard(3))]);
    assert_eq!(seen, 3);
    let (ready, _, _) = log.connect(Some(&id(3)), &alice(), all);
    assert!(ready.is_empty(), "nothing missed");
    let (ready, _, _) = log.connect(Some(&id(0)), &alice(), all);
    assert_eq!(ready.len(), 3, "everything kept since the start");
    let (ready, _, _) = log.connect(Some(&id(2)), &alice(), EventFilter { case: Some(1) });
    assert!(ready.is_empty(), "the filter holds for replays");

    for unknown in [
        id(4),
        "00000000-1".to_owned(),
        "garbage".to_owned(),
        String::new(),
    ] {
        let (ready, _, _) = log.connect(Some(&unknown), &alice(), all);
        assert_eq!(ready, [(3, DeskEvent::Resync)], "{unknown:?}");
    }
    let (ready, _, _) = log.connect(None, &alice(), all);
    assert!(ready.is_empty(), "a fresh stream starts now");
}

#[test]
fn keeps_only_the_latest_events() {
    let log = EventLog::new();
    for id in 0..i64::try_from(KEPT).expect("small") + 10 {
        log.push(case(id));
    }
    let id = |seq: u64| format!("{}-{seq}", log.epoch);
    let (ready, _, _) = log.connect(Some(&id(5)), &alice(), EventFilter::default());
    assert_eq!(ready[0].1, DeskEvent::Resync, "too old to resume");
    let (ready, _, _) = log.connect(Some(&id(10)), &alice(), EventFilter::default());
    assert_eq!(ready.len(), KEPT, "the oldest kept is 11");
}

#[test]
fn replays_an_instruction_only_to_whoever_may_hear_it() {
    use carddesk_domain::Role;
    let log = EventLog::new();
    log.push(case(1));
    log.push(Logged::Event(Event::InstructionQueued {
        case_id: carddesk_domain::case::CaseId(1),
        outbox_id: 9,
        holder: "agent:alice".to_owned(),
    }));
    let id = format!("{}-0", log.epoch);
    let all = EventFilter::default();
    let outbox = DeskEvent::Instruction {
        case_id: 1,
        outbox_id: 9,
    };
    for (who, hears) in [
        (alice(), true),
        (staff(Role::Supervisor, "zhang"), true),
        (staff(Role::Agent, "bob"), false),
    ] {
        let (ready, _, _) = log.connect(Some(&id), &who, all);
        let events: Vec<_> = ready.into_iter().map(|(_, e)| e).collect();
        let expected = if hears {
            vec![heard(1), outbox.clone()]
        } else {
            vec![heard(1)]
        };
        assert_eq!(events, expected, "{}", who.username);
    }
}
