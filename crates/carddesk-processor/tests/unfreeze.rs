//! Remote unfreeze end to end, through the processor, on both databases.
//!
//! Each scenario is written once as a generic `async fn` over the store
//! interface and run by `on_both_databases!` as `sqlite_<name>` and
//! `postgres_<name>`, each on a fresh database (`#[sqlx::test]`) migrated by
//! the store itself. The races (`concurrent_uploads_unfreeze_once`,
//! `many_instructs_at_once`) have hand-written pairs instead: on SQLite they
//! use the WAL file and pool the console opens, and the upload race runs on
//! a multi-threaded runtime, which `#[sqlx::test]`'s is not.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`.

mod common;

use std::sync::Arc;

use carddesk_domain::card::{CardNumber, CardTransition};
use carddesk_domain::case::{CaseId, UnfreezeCase};
use carddesk_domain::customer::{DocumentKind, IdDocument, PhoneNumber};
use carddesk_domain::{
    Card, CardStatus, CardStatusKind, CaseState, Channel, Credential, FreezeReason, PolicyLimits,
};
use carddesk_processor::enrol::{card_record, customer_record};
use carddesk_processor::{
    Clock, CustomerQuery, Event, ProcessorError, Purpose, VerifyOutcome, passwords,
};
use carddesk_store::{AuditRecord, CaseFilter, ChainReport, OutboxChannel, Outcome, Store};
use chrono::Duration;
use common::*;
use secrecy::SecretString;

on_both_databases! {
    whole_flow => sqlite_whole_flow, postgres_whole_flow;
    wrong_credentials_lock_the_case =>
        sqlite_wrong_credentials_lock_the_case, postgres_wrong_credentials_lock_the_case;
    customer_failure_limit => sqlite_customer_failure_limit, postgres_customer_failure_limit;
    codes_expire => sqlite_codes_expire, postgres_codes_expire;
    resend_gives_a_fresh_code => sqlite_resend_gives_a_fresh_code, postgres_resend_gives_a_fresh_code;
    expire_due_reaches_the_oldest_cases =>
        sqlite_expire_due_reaches_the_oldest_cases, postgres_expire_due_reaches_the_oldest_cases;
    codes_and_sessions_open_one_case_once =>
        sqlite_codes_and_sessions_open_one_case_once, postgres_codes_and_sessions_open_one_case_once;
    refusals_at_mark => sqlite_refusals_at_mark, postgres_refusals_at_mark;
    approval_needs_another_supervisor =>
        sqlite_approval_needs_another_supervisor, postgres_approval_needs_another_supervisor;
    audit_tampering_is_detected =>
        sqlite_audit_tampering_is_detected, postgres_audit_tampering_is_detected;
}

const BOTH: [Credential; 2] = [Credential::IdNumber, Credential::TransactionPassword];

async fn stored_case(desk: &Desk, case: CaseId) -> UnfreezeCase {
    desk.processor.case(case).await.expect("read case")
}

async fn history(desk: &Desk, card: carddesk_domain::CardId) -> Vec<CardTransition> {
    desk.store.card_history(card).await.expect("card history")
}

async fn timeline(desk: &Desk, case: CaseId) -> Vec<AuditRecord> {
    desk.processor.timeline(case).await.expect("timeline")
}

async fn assert_chain_intact(desk: &Desk) {
    let all = desk
        .store
        .audit_entries(None, 0, 100_000)
        .await
        .expect("audit entries");
    assert_eq!(
        desk.processor.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact {
            entries: all.len() as u64
        }
    );
}

fn is_frozen(status: CardStatus, reason: FreezeReason) -> bool {
    status.kind() == CardStatusKind::Frozen && status.freeze_reason() == Some(reason)
}

// ---------------------------------------------------------------------------
// 1. The whole flow
// ---------------------------------------------------------------------------

async fn whole_flow(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let p = &desk.processor;
    let mut events = p.events().subscribe();
    let alice = agent("alice");
    let person = desk
        .enrol(
            1,
            "zh-CN",
            &[frozen(FreezeReason::WrongPinLimit), CardStatus::Active],
        )
        .await;
    let english = desk.enrol(2, "en", &[frozen(FreezeReason::Dormant)]).await;
    let card = person.card(0);
    let pan = person.cards[0].number.clone();

    // Step 1: look up, by document, phone and card number: the customer and
    // both cards, masked only.
    let queries = [
        CustomerQuery::Document(IdDocument::resident_id(&person.id_number).expect("id")),
        CustomerQuery::Phone(PhoneNumber::parse(&person.phone).expect("phone")),
        CustomerQuery::CardNumber(CardNumber::parse(&person.cards[1].number).expect("pan")),
    ];
    for query in &queries {
        let found = p.look_up(query).await.expect("look up");
        assert_eq!(found.len(), 1, "{query:?}");
        let got = &found[0];
        assert_eq!(got.customer.id, person.id);
        assert_eq!(got.customer.phone.as_str(), person.phone);
        assert_eq!(
            got.cards.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![person.card(0), person.card(1)]
        );
        assert!(is_frozen(got.cards[0].status, FreezeReason::WrongPinLimit));
        assert_eq!(got.cards[1].status, CardStatus::Active);
        let id = &person.id_number;
        assert_eq!(
            got.customer.document_masked,
            format!("{}{}{}", &id[..3], "*".repeat(11), &id[14..])
        );
        assert_eq!(
            got.cards[0].masked_number(),
            format!("{}******{}", &pan[..6], &pan[12..])
        );
        let shown = format!("{found:?}");
        assert!(!shown.contains(id.as_str()), "{shown}");
        for c in &person.cards {
            assert!(!shown.contains(&c.number), "{shown}");
        }
    }
    let nobody = CustomerQuery::Document(IdDocument::resident_id(&resident_id(998)).expect("id"));
    assert!(p.look_up(&nobody).await.expect("look up").is_empty());

    // Mark: a case is opened.
    let case = p.mark(&alice, card, CONSOLE).await.expect("mark");
    assert_eq!(case.state, CaseState::Marked);
    assert_eq!(case.card_id, card);
    assert_eq!(case.customer_id, person.id);
    assert_eq!(case.reason, FreezeReason::WrongPinLimit);
    assert_eq!(case.credentials, BOTH);
    assert!(!case.needs_approval);
    assert_eq!(case.opened_by, "agent:alice");
    let id = case.id;
    assert_eq!(stored_case(&desk, id).await.state, CaseState::Marked);

    // Step 2: package, only in protected form.
    desk.advance(Duration::minutes(1));
    let packaged = p.package(&alice, id, CONSOLE).await.expect("package");
    assert_eq!(packaged.state, CaseState::Packaged);
    assert_eq!(stored_case(&desk, id).await.state, CaseState::Packaged);
    let package = desk
        .store
        .package(id)
        .await
        .expect("read package")
        .expect("package stored");
    assert_eq!(package.card_id, card);
    assert_eq!(package.credentials, BOTH);
    let canonical = format!("resident_id:{}", person.id_number);
    for (what, value) in [
        ("sealed PAN", &package.pan_sealed),
        ("ID digest", &package.id_digest),
        ("sealed ID", &package.id_sealed),
    ] {
        assert_ne!(value.as_slice(), pan.as_bytes(), "{what}");
        assert_ne!(value.as_slice(), person.id_number.as_bytes(), "{what}");
        assert_ne!(value.as_slice(), canonical.as_bytes(), "{what}");
        assert!(!contains(value, pan.as_bytes()), "{what}");
        assert!(!contains(value, person.id_number.as_bytes()), "{what}");
    }
    // What was sealed and hashed is what the card and customer hold.
    let keys = &desk.keys;
    assert_eq!(
        &**keys
            .open(Purpose::CardNumber, &package.pan_sealed)
            .expect("opens"),
        pan.as_bytes()
    );
    assert_eq!(
        &**keys
            .open(Purpose::IdDocument, &package.id_sealed)
            .expect("opens"),
        canonical.as_bytes()
    );
    assert_eq!(
        package.id_digest,
        keys.digest(Purpose::IdDocument, canonical.as_bytes())
    );
    assert!(
        package
            .password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        package.password_hash
    );
    assert!(!package.password_hash.contains(PASSWORD));
    assert!(passwords::verify(
        &package.password_hash,
        &SecretString::from(PASSWORD.to_owned())
    ));

    // Step 3: instructions by text and voice, in the customer's language.
    desk.advance(Duration::minutes(1));
    let instructed_at = desk.clock.now();
    let instructed = p
        .instruct(&alice, id, TEXT_AND_VOICE, CONSOLE)
        .await
        .expect("instruct");
    let expires_at = Some(instructed_at + Duration::minutes(15));
    assert_eq!(instructed.state, CaseState::Instructed);
    assert_eq!(instructed.expires_at, expires_at);
    let stored = stored_case(&desk, id).await;
    assert_eq!(stored.state, CaseState::Instructed);
    assert_eq!(stored.expires_at, expires_at);
    let outbox: Vec<_> = p
        .local_outbox(1_000)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|m| m.case_id == id)
        .collect();
    assert_eq!(
        outbox.iter().map(|m| m.channel).collect::<Vec<_>>(),
        vec![OutboxChannel::Text, OutboxChannel::Voice]
    );
    let code = parse_code(&outbox[0].body).expect("code in the text");
    let last_four = &pan[12..];
    for m in &outbox {
        assert_eq!(m.recipient, person.phone);
        assert_eq!(m.language, "zh-CN");
        assert!(m.body.contains("解冻码"), "{}", m.body);
    }
    assert!(outbox[0].body.contains(&code) && outbox[0].body.contains(last_four));
    assert!(
        outbox[1].body.contains(&spelled(&code)),
        "{}",
        outbox[1].body
    );
    // The queued rows keep the bodies sealed.
    for row in desk.store.outbox(None, 1_000).await.expect("outbox rows") {
        assert!(!contains(&row.message.body_sealed, code.as_bytes()));
        assert_eq!(row.status, "pending");
    }

    // An English-speaking customer gets English.
    let en_case = p
        .mark(&alice, english.card(0), CONSOLE)
        .await
        .expect("mark")
        .id;
    p.package(&alice, en_case, CONSOLE).await.expect("package");
    p.instruct(&alice, en_case, TEXT_AND_VOICE, CONSOLE)
        .await
        .expect("instruct");
    let en: Vec<_> = p
        .local_outbox(1_000)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|m| m.case_id == en_case)
        .collect();
    assert_eq!(en.len(), 2);
    let en_code = parse_code(&en[0].body).expect("code");
    assert_ne!(en_code, code);
    assert!(en.iter().all(|m| m.language == "en" && m.body.is_ascii()));
    assert!(
        en[0].body.contains(&format!("code {en_code}")),
        "{}",
        en[0].body
    );
    assert!(en[1].body.contains(&spelled(&en_code)), "{}", en[1].body);

    // Step 4: the customer's client asks, with the code.
    desk.advance(Duration::minutes(2));
    let session = p.request_unfreeze(&code, PHONE).await.expect("request");
    assert_eq!(session.case_id, id);
    assert_eq!(session.card_last_four, last_four);
    let record = desk
        .store
        .case(id)
        .await
        .expect("read")
        .expect("case exists");
    assert_eq!(record.case.state, CaseState::Requested);
    assert_eq!(record.code_used_at, Some(desk.clock.now()));

    // Step 5: the challenge says what to give.
    desk.advance(Duration::minutes(1));
    let challenge = p.challenge(&session.token, PHONE).await.expect("challenge");
    assert_eq!(challenge.case_id, id);
    assert_eq!(challenge.credentials, BOTH);
    assert_eq!(challenge.attempts_left, 3);
    assert_eq!(challenge.expires_at, expires_at);
    assert_eq!(challenge.document_kind, DocumentKind::ResidentId);
    assert_eq!(challenge.card_last_four, last_four);
    assert_eq!(stored_case(&desk, id).await.state, CaseState::Challenged);

    // Steps 6 and 7: upload, verify, unfreeze.
    desk.advance(Duration::minutes(1));
    let outcome = p
        .verify(&session.token, person.right(), PHONE)
        .await
        .expect("verify");
    assert_eq!(outcome, VerifyOutcome::Unfrozen);
    assert_eq!(desk.card_status(card).await, CardStatus::Active);
    assert_eq!(desk.card_status(person.card(1)).await, CardStatus::Active);
    assert!(is_frozen(
        desk.card_status(english.card(0)).await,
        FreezeReason::Dormant
    ));
    let done = stored_case(&desk, id).await;
    assert_eq!(done.state, CaseState::Unfrozen);
    assert_eq!(done.failed_attempts, 0);

    let transitions = history(&desk, card).await;
    assert_eq!(transitions.len(), 1, "{transitions:?}");
    let t = &transitions[0];
    assert_eq!(
        (t.from, t.to),
        (CardStatusKind::Frozen, CardStatusKind::Active)
    );
    assert_eq!(t.channel, Channel::Customer);
    assert_eq!(t.actor, format!("customer:{}", person.id.0));
    assert_eq!(t.reason, Some(FreezeReason::WrongPinLimit));
    assert_eq!(t.at, desk.clock.now());

    // The timeline, in order, every step a success with its actor and origin.
    let entries = timeline(&desk, id).await;
    let actions: Vec<&str> = entries.iter().map(|r| r.entry.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "case.marked",
            "case.packaged",
            "case.instructed",
            "case.requested",
            "case.challenged",
            "case.verified",
            "card.unfrozen",
        ]
    );
    let customer = format!("customer:{}", person.id.0);
    for (i, r) in entries.iter().enumerate() {
        assert_eq!(r.entry.outcome, Outcome::Success, "{r:?}");
        let (actor, origin) = if i < 3 {
            ("agent:alice", CONSOLE)
        } else {
            (customer.as_str(), PHONE)
        };
        assert_eq!(r.entry.actor, actor, "{r:?}");
        assert_eq!(r.entry.origin, origin, "{r:?}");
    }
    assert!(entries.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_chain_intact(&desk).await;

    // The events told a watcher every move of the case, then the card.
    let events = drain(&mut events).await;
    let moves: Vec<CaseState> = events
        .iter()
        .filter_map(|e| match e {
            Event::CaseChanged { case_id, state } if *case_id == id => Some(*state),
            _ => None,
        })
        .collect();
    assert_eq!(
        moves,
        [
            CaseState::Marked,
            CaseState::Packaged,
            CaseState::Instructed,
            CaseState::Requested,
            CaseState::Challenged,
            CaseState::Unfrozen,
        ]
    );
    let queued = events
        .iter()
        .filter(|e| matches!(e, Event::InstructionQueued { case_id, .. } if *case_id == id))
        .count();
    assert_eq!(queued, 2);
    let unfrozen_at = events
        .iter()
        .position(|e| {
            *e == Event::CaseChanged {
                case_id: id,
                state: CaseState::Unfrozen,
            }
        })
        .expect("case unfrozen event");
    let card_at = events
        .iter()
        .position(|e| {
            *e == Event::CardChanged {
                card_id: card,
                status: CardStatusKind::Active,
            }
        })
        .expect("card changed event");
    assert!(unfrozen_at < card_at);
}

// ---------------------------------------------------------------------------
// 2. Wrong credentials until the case locks
// ---------------------------------------------------------------------------

async fn wrong_credentials_lock_the_case(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let person = desk
        .enrol(
            3,
            "zh-CN",
            &[
                frozen(FreezeReason::CustomerRequest),
                frozen(FreezeReason::CustomerRequest),
            ],
        )
        .await;
    let (a, sa) = desk.challenged(&alice, person.card(0)).await;
    let (b, sb) = desk.challenged(&alice, person.card(1)).await;
    let mut events = p.events().subscribe();

    // A wrong password on one case and a wrong ID number on another read
    // exactly alike, to the customer and in the audit log.
    let wrong_password = err(p.verify(&sa, person.wrong_password(), PHONE).await);
    assert!(
        matches!(
            wrong_password,
            ProcessorError::VerificationFailed { remaining: 2 }
        ),
        "{wrong_password:?}"
    );
    assert_eq!(wrong_password.code(), "verification_failed");
    let wrong_id = err(p.verify(&sb, person.wrong_id(), PHONE).await);
    assert!(
        matches!(
            wrong_id,
            ProcessorError::VerificationFailed { remaining: 2 }
        ),
        "{wrong_id:?}"
    );
    assert_eq!(wrong_password.to_string(), wrong_id.to_string());
    assert_eq!(format!("{wrong_password:?}"), format!("{wrong_id:?}"));
    assert_eq!(wrong_password.code(), wrong_id.code());
    let text = wrong_password.to_string().to_lowercase();
    for word in ["password", "id number", "identity", "document", "pin"] {
        assert!(!text.contains(word), "{text}");
    }
    let failure = |entries: Vec<AuditRecord>| {
        entries
            .into_iter()
            .filter(|r| r.entry.action == "case.verification")
            .map(|r| (r.entry.outcome, r.entry.detail))
            .collect::<Vec<_>>()
    };
    let failure_a = failure(timeline(&desk, a).await);
    assert_eq!(failure_a.len(), 1);
    assert_eq!(failure_a[0].0, Outcome::Failure);
    assert_eq!(failure_a, failure(timeline(&desk, b).await));

    let challenge = p.challenge(&sa, PHONE).await.expect("ask again");
    assert_eq!(challenge.attempts_left, 2);
    let case_a = stored_case(&desk, a).await;
    assert_eq!(
        (case_a.state, case_a.failed_attempts),
        (CaseState::Challenged, 1)
    );

    // Second failure: a wrong ID number.
    let second = err(p.verify(&sa, person.wrong_id(), PHONE).await);
    assert!(
        matches!(second, ProcessorError::VerificationFailed { remaining: 1 }),
        "{second:?}"
    );
    // Third: the case locks.
    let third = err(p
        .verify(&sa, upload(&resident_id(999), WRONG_PASSWORD), PHONE)
        .await);
    assert!(matches!(third, ProcessorError::Locked), "{third:?}");
    assert_eq!(third.code(), "locked");
    let case_a = stored_case(&desk, a).await;
    assert_eq!(
        (case_a.state, case_a.failed_attempts),
        (CaseState::Locked, 3)
    );
    assert!(is_frozen(
        desk.card_status(person.card(0)).await,
        FreezeReason::CustomerRequest
    ));
    assert!(history(&desk, person.card(0)).await.is_empty());
    let actions = desk.actions(a).await;
    assert_eq!(
        actions[actions.len() - 4..],
        [
            "case.verification",
            "case.verification",
            "case.verification",
            "case.locked"
        ]
    );

    // A locked case stays locked: the right credentials do not unfreeze.
    let after = err(p.verify(&sa, person.right(), PHONE).await);
    assert!(
        ["locked", "case_closed"].contains(&after.code()),
        "{after:?}"
    );
    let case_a = stored_case(&desk, a).await;
    assert_eq!(
        (case_a.state, case_a.failed_attempts),
        (CaseState::Locked, 3)
    );
    assert!(is_frozen(
        desk.card_status(person.card(0)).await,
        FreezeReason::CustomerRequest
    ));
    assert!(history(&desk, person.card(0)).await.is_empty());
    assert!(p.challenge(&sa, PHONE).await.is_err());
    let code_a = desk.code_for(a).await;
    assert!(matches!(
        err(p.request_unfreeze(&code_a, PHONE).await),
        ProcessorError::CodeUsed
    ));

    let events = drain(&mut events).await;
    assert!(events.contains(&Event::AttemptFailed {
        case_id: a,
        remaining: 2
    }));
    assert!(events.contains(&Event::AttemptFailed {
        case_id: a,
        remaining: 1
    }));
    assert!(events.contains(&Event::CaseChanged {
        case_id: a,
        state: CaseState::Locked
    }));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::CardChanged { .. }))
    );

    // The other case is its own: one failure, and (4 failures for the
    // customer so far, under the limit of 5) the right credentials work.
    let outcome = p
        .verify(&sb, person.right(), PHONE)
        .await
        .expect("verify b");
    assert_eq!(outcome, VerifyOutcome::Unfrozen);
    assert_eq!(desk.card_status(person.card(1)).await, CardStatus::Active);
    assert!(is_frozen(
        desk.card_status(person.card(0)).await,
        FreezeReason::CustomerRequest
    ));
    assert_chain_intact(&desk).await;
}

// ---------------------------------------------------------------------------
// 3. The customer's allowance over all cases
// ---------------------------------------------------------------------------

async fn customer_failure_limit(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let dormant = frozen(FreezeReason::Dormant);
    let person = desk.enrol(4, "en", &[dormant, dormant, dormant]).await;
    let bystander = desk.enrol(5, "en", &[dormant]).await;

    // Case A: three failures lock it.
    let (a, sa) = desk.challenged(&alice, person.card(0)).await;
    for remaining in [2, 1] {
        let e = err(p.verify(&sa, person.wrong_password(), PHONE).await);
        assert!(
            matches!(e, ProcessorError::VerificationFailed { remaining: r } if r == remaining),
            "{e:?}"
        );
        desk.advance(Duration::minutes(1));
    }
    let e = err(p.verify(&sa, person.wrong_password(), PHONE).await);
    assert!(matches!(e, ProcessorError::Locked), "{e:?}");

    // Case B, an hour later: the fifth failure of the day locks it at its
    // second attempt.
    desk.advance(Duration::hours(1));
    let (b, sb) = desk.challenged(&alice, person.card(1)).await;
    let e = err(p.verify(&sb, person.wrong_id(), PHONE).await);
    assert!(
        matches!(e, ProcessorError::VerificationFailed { remaining: 2 }),
        "{e:?}"
    );
    let e = err(p.verify(&sb, person.wrong_id(), PHONE).await);
    assert!(matches!(e, ProcessorError::Locked), "{e:?}");
    let case_b = stored_case(&desk, b).await;
    assert_eq!(
        (case_b.state, case_b.failed_attempts),
        (CaseState::Locked, 2)
    );

    // Case C: locked at its first attempt, right credentials or not.
    desk.advance(Duration::hours(1));
    let (c, sc) = desk.challenged(&alice, person.card(2)).await;
    let e = err(p.verify(&sc, person.right(), PHONE).await);
    assert!(matches!(e, ProcessorError::Locked), "{e:?}");
    let case_c = stored_case(&desk, c).await;
    assert_eq!(
        (case_c.state, case_c.failed_attempts),
        (CaseState::Locked, 0)
    );
    assert!(is_frozen(
        desk.card_status(person.card(2)).await,
        FreezeReason::Dormant
    ));
    assert!(history(&desk, person.card(2)).await.is_empty());
    let last = timeline(&desk, c).await.pop().expect("entries");
    assert_eq!(last.entry.action, "case.locked");
    assert_eq!(last.entry.outcome, Outcome::Refused);
    for (case, state) in [(a, CaseState::Locked), (b, CaseState::Locked)] {
        assert_eq!(stored_case(&desk, case).await.state, state);
    }

    // Another customer's allowance is their own.
    let (_, sd) = desk.challenged(&alice, bystander.card(0)).await;
    assert_eq!(
        p.verify(&sd, bystander.right(), PHONE)
            .await
            .expect("verify"),
        VerifyOutcome::Unfrozen
    );

    // A day after the last failure, a fresh case works again.
    desk.advance(Duration::hours(24) + Duration::minutes(1));
    let (e_case, se) = desk.challenged(&alice, person.card(2)).await;
    assert_eq!(
        p.verify(&se, person.right(), PHONE).await.expect("verify"),
        VerifyOutcome::Unfrozen
    );
    assert_eq!(stored_case(&desk, e_case).await.state, CaseState::Unfrozen);
    assert_eq!(desk.card_status(person.card(2)).await, CardStatus::Active);
    for card in [person.card(0), person.card(1)] {
        assert!(is_frozen(
            desk.card_status(card).await,
            FreezeReason::Dormant
        ));
    }
    assert_chain_intact(&desk).await;
}

// ---------------------------------------------------------------------------
// 4. Expiry
// ---------------------------------------------------------------------------

async fn codes_expire(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let wrong_pin = frozen(FreezeReason::WrongPinLimit);
    let person = desk.enrol(6, "zh-CN", &[wrong_pin, wrong_pin]).await;
    let card = person.card(0);
    let mut events = p.events().subscribe();

    // The code runs out before the customer uses it.
    let (a, code_a) = desk.instructed(&alice, card).await;
    desk.advance(Duration::minutes(16));
    let e = err(p.request_unfreeze(&code_a, PHONE).await);
    assert!(matches!(e, ProcessorError::Expired), "{e:?}");
    assert_eq!(e.code(), "expired");
    assert_eq!(stored_case(&desk, a).await.state, CaseState::Expired);
    let last = timeline(&desk, a).await.pop().expect("entries");
    assert_eq!(
        (
            last.entry.action.as_str(),
            last.entry.actor.as_str(),
            last.entry.outcome
        ),
        ("case.expired", "system", Outcome::Success)
    );
    assert!(drain(&mut events).await.contains(&Event::CaseChanged {
        case_id: a,
        state: CaseState::Expired
    }));
    let again = err(p.request_unfreeze(&code_a, PHONE).await);
    assert!(
        ["expired", "case_closed"].contains(&again.code()),
        "{again:?}"
    );
    assert_eq!(stored_case(&desk, a).await.state, CaseState::Expired);

    // The session runs out between the challenge and the upload.
    let (b, sb) = desk.challenged(&alice, card).await;
    desk.advance(Duration::minutes(14));
    let challenge = p.challenge(&sb, PHONE).await.expect("still live");
    assert_eq!(challenge.attempts_left, 3);
    desk.advance(Duration::minutes(2));
    let e = err(p.verify(&sb, person.right(), PHONE).await);
    assert!(matches!(e, ProcessorError::Expired), "{e:?}");
    let case_b = stored_case(&desk, b).await;
    assert_eq!(
        (case_b.state, case_b.failed_attempts),
        (CaseState::Expired, 0)
    );
    assert!(is_frozen(
        desk.card_status(card).await,
        FreezeReason::WrongPinLimit
    ));
    assert!(history(&desk, card).await.is_empty());
    let again = err(p.verify(&sb, person.right(), PHONE).await);
    assert!(
        ["expired", "case_closed"].contains(&again.code()),
        "{again:?}"
    );
    assert!(is_frozen(
        desk.card_status(card).await,
        FreezeReason::WrongPinLimit
    ));

    // The sweep expires what ran out, and only that.
    let (c, _) = desk.instructed(&alice, card).await;
    desk.advance(Duration::minutes(10));
    let (d, code_d) = desk.instructed(&alice, person.card(1)).await;
    desk.advance(Duration::minutes(6));
    assert_eq!(p.expire_due().await.expect("sweep"), 1);
    assert_eq!(stored_case(&desk, c).await.state, CaseState::Expired);
    assert_eq!(stored_case(&desk, d).await.state, CaseState::Instructed);
    assert_eq!(p.expire_due().await.expect("sweep"), 0);
    desk.advance(Duration::minutes(10));
    assert_eq!(p.expire_due().await.expect("sweep"), 1);
    assert_eq!(stored_case(&desk, d).await.state, CaseState::Expired);
    let e = err(p.request_unfreeze(&code_d, PHONE).await);
    assert!(["expired", "case_closed"].contains(&e.code()), "{e:?}");
    for card in [person.card(0), person.card(1)] {
        assert!(is_frozen(
            desk.card_status(card).await,
            FreezeReason::WrongPinLimit
        ));
    }
    assert_chain_intact(&desk).await;
}

/// More open cases than one page of the store's listing: the sweep must
/// still reach the oldest, which are the ones that run out first.
async fn expire_due_reaches_the_oldest_cases(store: Arc<dyn Store>, db: TestDb) {
    const CASES: u32 = 501;
    let desk = Desk::new(store, &db).await;
    let alice = agent("alice");
    let keys = &desk.keys;
    let limits = PolicyLimits::default();
    let rule = desk.processor.policy().rule(FreezeReason::Dormant).clone();
    let status = frozen(FreezeReason::Dormant);
    let password_hash = passwords::hash(&SecretString::from(PASSWORD.to_owned()));
    let document = IdDocument::resident_id(&resident_id(20)).expect("id");
    let phone_number = PhoneNumber::parse(&phone(20)).expect("phone");
    let mut tx = desk.store.begin().await.expect("begin");
    let customer = tx
        .insert_customer(&customer_record(
            keys,
            "Many Cards",
            &document,
            &phone_number,
            "en",
        ))
        .await
        .expect("customer");
    let mut ids = Vec::new();
    for i in 0..CASES {
        let pan = CardNumber::parse(&card_number(5_000 + i)).expect("pan");
        let card_id = tx
            .insert_card(&card_record(
                keys,
                customer,
                &pan,
                password_hash.clone(),
                "Debit",
                status,
            ))
            .await
            .expect("card");
        let card = Card {
            id: card_id,
            customer_id: customer,
            bin: pan.bin().to_owned(),
            last_four: pan.last_four().to_owned(),
            pan_length: 16,
            product: "Debit".to_owned(),
            status,
        };
        // The first case was instructed 20 minutes ago, the others now.
        let at = if i == 0 {
            start() - Duration::minutes(20)
        } else {
            start()
        };
        let mut case = UnfreezeCase::open(&card, &rule, &alice, at).expect("open");
        case.package(at).expect("package");
        case.instruct(at, &limits).expect("instruct");
        ids.push(tx.insert_case(&case).await.expect("case"));
    }
    tx.commit().await.expect("commit");

    assert_eq!(desk.processor.expire_due().await.expect("sweep"), 1);
    assert_eq!(stored_case(&desk, ids[0]).await.state, CaseState::Expired);
    assert_eq!(
        stored_case(&desk, ids[ids.len() - 1]).await.state,
        CaseState::Instructed
    );
    let open = desk
        .store
        .cases(&CaseFilter {
            states: vec![CaseState::Instructed],
            limit: 1_000,
            ..Default::default()
        })
        .await
        .expect("cases");
    assert_eq!(open.len(), CASES as usize - 1);
}

// ---------------------------------------------------------------------------
// 5. Codes are spent once; a session opens its own case only
// ---------------------------------------------------------------------------

async fn codes_and_sessions_open_one_case_once(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let request = frozen(FreezeReason::CustomerRequest);
    let person = desk.enrol(7, "en", &[request, request]).await;
    let (a, code_a) = desk.instructed(&alice, person.card(0)).await;
    let (b, code_b) = desk.instructed(&alice, person.card(1)).await;
    assert_ne!(code_a, code_b);

    let sa = p.request_unfreeze(&code_a, PHONE).await.expect("request a");
    assert_eq!(sa.case_id, a);
    let reused = err(p.request_unfreeze(&code_a, PHONE).await);
    assert!(matches!(reused, ProcessorError::CodeUsed), "{reused:?}");
    assert_eq!(reused.code(), "code_used");
    // The same code typed another way is the same spent code.
    let typed = code_a.to_lowercase().replace('-', " ");
    assert!(matches!(
        err(p.request_unfreeze(&typed, PHONE).await),
        ProcessorError::CodeUsed
    ));
    let refused: Vec<_> = timeline(&desk, a)
        .await
        .into_iter()
        .filter(|r| r.entry.action == "case.request")
        .collect();
    assert_eq!(refused.len(), 2);
    assert!(refused.iter().all(|r| r.entry.outcome == Outcome::Refused));
    assert_eq!(stored_case(&desk, a).await.state, CaseState::Requested);

    let before = desk
        .store
        .audit_entries(None, 0, 100_000)
        .await
        .expect("audit")
        .len();
    for malformed in ["", "ABCD", "ABCDE-FGHJU", "ABCDE-FGHJK-M", "ABCDE_FGHJK"] {
        let e = err(p.request_unfreeze(malformed, PHONE).await);
        assert!(
            matches!(e, ProcessorError::InvalidInput(_)),
            "{malformed}: {e:?}"
        );
        assert_eq!(e.code(), "invalid_input");
    }
    let unknown = ["00000-00000", "ZZZZZ-ZZZZZ"]
        .into_iter()
        .find(|c| *c != code_a && *c != code_b)
        .expect("an unknown code");
    let e = err(p.request_unfreeze(unknown, PHONE).await);
    assert!(matches!(e, ProcessorError::NotFound(_)), "{e:?}");
    assert_eq!(e.code(), "not_found");
    let after = desk
        .store
        .audit_entries(None, 0, 100_000)
        .await
        .expect("audit")
        .len();
    assert_eq!(before, after, "codes that name no case touch no case");

    // Two sessions, two cases: each acts on its own alone.
    let sb = p.request_unfreeze(&code_b, PHONE).await.expect("request b");
    assert_eq!(sb.case_id, b);
    assert_eq!(p.challenge(&sa.token, PHONE).await.expect("a").case_id, a);
    assert_eq!(p.challenge(&sb.token, PHONE).await.expect("b").case_id, b);
    let e = err(p.verify(&sa.token, person.wrong_password(), PHONE).await);
    assert!(matches!(
        e,
        ProcessorError::VerificationFailed { remaining: 2 }
    ));
    assert_eq!(stored_case(&desk, a).await.failed_attempts, 1);
    assert_eq!(stored_case(&desk, b).await.failed_attempts, 0);
    assert_eq!(
        p.verify(&sa.token, person.right(), PHONE).await.expect("a"),
        VerifyOutcome::Unfrozen
    );
    assert_eq!(desk.card_status(person.card(0)).await, CardStatus::Active);
    assert!(is_frozen(
        desk.card_status(person.card(1)).await,
        FreezeReason::CustomerRequest
    ));
    let case_b = stored_case(&desk, b).await;
    assert_eq!(
        (case_b.state, case_b.failed_attempts),
        (CaseState::Challenged, 0)
    );
    // Session A is spent on case A; it cannot reach case B.
    let e = err(p.verify(&sa.token, person.right(), PHONE).await);
    assert_eq!(e.code(), "case_closed", "{e:?}");
    assert_eq!(
        err(p.challenge(&sa.token, PHONE).await).code(),
        "case_closed"
    );
    assert!(is_frozen(
        desk.card_status(person.card(1)).await,
        FreezeReason::CustomerRequest
    ));
    assert_eq!(stored_case(&desk, b).await.state, CaseState::Challenged);
    let bogus = SecretString::from("00".repeat(32));
    assert!(matches!(
        err(p.verify(&bogus, person.right(), PHONE).await),
        ProcessorError::NotFound(_)
    ));

    assert_eq!(
        p.verify(&sb.token, person.right(), PHONE).await.expect("b"),
        VerifyOutcome::Unfrozen
    );
    assert_eq!(desk.card_status(person.card(1)).await, CardStatus::Active);
    for card in [person.card(0), person.card(1)] {
        assert_eq!(history(&desk, card).await.len(), 1);
    }
    assert_chain_intact(&desk).await;
}

// ---------------------------------------------------------------------------
// 6. Refusals when marking
// ---------------------------------------------------------------------------

async fn refusals_at_mark(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let bob = agent("bob");
    let person = desk
        .enrol(
            8,
            "zh-CN",
            &[
                frozen(FreezeReason::CourtOrder),
                CardStatus::Active,
                CardStatus::Lost,
                frozen(FreezeReason::WrongPinLimit),
            ],
        )
        .await;
    let (court, active, lost, wrong_pin) = (
        person.card(0),
        person.card(1),
        person.card(2),
        person.card(3),
    );

    let e = err(p.mark(&alice, court, CONSOLE).await);
    assert_eq!(e.code(), "not_remote", "{e:?}");
    assert!(e.to_string().contains("branch"), "{e}");
    let mut refusals = vec![(court, e.to_string())];
    for card in [active, lost] {
        let e = err(p.mark(&alice, card, CONSOLE).await);
        assert_eq!(e.code(), "card_not_frozen", "{e:?}");
        refusals.push((card, e.to_string()));
    }
    let all_cases = CaseFilter {
        limit: 100,
        ..Default::default()
    };
    assert!(
        desk.store
            .cases(&all_cases)
            .await
            .expect("cases")
            .is_empty()
    );
    for (card, message) in &refusals {
        let object = format!("card:{}", card.0);
        let entries = desk
            .store
            .audit_entries(Some(&object), 0, 100)
            .await
            .expect("audit");
        assert_eq!(entries.len(), 1, "{entries:?}");
        let entry = &entries[0].entry;
        assert_eq!(entry.action, "case.mark");
        assert_eq!(entry.outcome, Outcome::Refused);
        assert_eq!(entry.actor, "agent:alice");
        assert_eq!(entry.origin, CONSOLE);
        assert_eq!(&entry.detail, message);
    }

    let case = p.mark(&alice, wrong_pin, CONSOLE).await.expect("mark");
    let e = err(p.mark(&bob, wrong_pin, CONSOLE).await);
    assert!(matches!(e, ProcessorError::CaseAlreadyOpen), "{e:?}");
    assert_eq!(e.code(), "case_open");
    let object = format!("card:{}", wrong_pin.0);
    let entries = desk
        .store
        .audit_entries(Some(&object), 0, 100)
        .await
        .expect("audit");
    let last = &entries.last().expect("refusal entry").entry;
    assert_eq!(
        (last.action.as_str(), last.actor.as_str(), last.outcome),
        ("case.mark", "agent:bob", Outcome::Refused)
    );
    assert_eq!(desk.store.cases(&all_cases).await.expect("cases").len(), 1);
    assert_eq!(stored_case(&desk, case.id).await.state, CaseState::Marked);

    // Once the open case is cancelled, the card can be marked again.
    let cancelled = p
        .cancel(&alice, case.id, "the customer hung up", CONSOLE)
        .await
        .expect("cancel");
    assert_eq!(cancelled.state, CaseState::Cancelled);
    let again = p.mark(&bob, wrong_pin, CONSOLE).await.expect("mark again");
    assert_ne!(again.id, case.id);

    assert!(is_frozen(
        desk.card_status(court).await,
        FreezeReason::CourtOrder
    ));
    assert_eq!(desk.card_status(active).await, CardStatus::Active);
    assert_eq!(desk.card_status(lost).await, CardStatus::Lost);
    assert_chain_intact(&desk).await;
}

// ---------------------------------------------------------------------------
// 7. Approval (maker-checker)
// ---------------------------------------------------------------------------

async fn approval_needs_another_supervisor(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let sam = supervisor("sam");
    let sue = supervisor("sue");
    let suspicious = frozen(FreezeReason::SuspiciousTransaction);
    let person = desk.enrol(9, "en", &[suspicious, suspicious]).await;
    let card = person.card(0);

    // Sam opens the case; the customer's credentials match; the card waits.
    let (a, sa) = desk.challenged(&sam, card).await;
    assert!(stored_case(&desk, a).await.needs_approval);
    assert_eq!(
        p.verify(&sa, person.right(), PHONE).await.expect("verify"),
        VerifyOutcome::AwaitingApproval
    );
    assert_eq!(stored_case(&desk, a).await.state, CaseState::Verified);
    assert!(is_frozen(
        desk.card_status(card).await,
        FreezeReason::SuspiciousTransaction
    ));
    assert!(history(&desk, card).await.is_empty());

    let e = err(p.approve(&alice, a, CONSOLE).await);
    assert_eq!(e.code(), "forbidden", "{e:?}");
    let e = err(p.approve(&sam, a, CONSOLE).await);
    assert_eq!(e.code(), "maker_checker", "{e:?}");
    assert_eq!(stored_case(&desk, a).await.state, CaseState::Verified);
    assert!(is_frozen(
        desk.card_status(card).await,
        FreezeReason::SuspiciousTransaction
    ));

    let approved = p.approve(&sue, a, CONSOLE).await.expect("approve");
    assert_eq!(approved.state, CaseState::Unfrozen);
    assert_eq!(stored_case(&desk, a).await.state, CaseState::Unfrozen);
    assert_eq!(desk.card_status(card).await, CardStatus::Active);
    let transitions = history(&desk, card).await;
    assert_eq!(transitions.len(), 1);
    assert_eq!(transitions[0].channel, Channel::Agent);
    assert_eq!(transitions[0].actor, "supervisor:sue");
    assert_eq!(
        transitions[0].reason,
        Some(FreezeReason::SuspiciousTransaction)
    );
    let entries = timeline(&desk, a).await;
    let tail: Vec<(&str, &str, Outcome)> = entries[entries.len() - 5..]
        .iter()
        .map(|r| {
            (
                r.entry.action.as_str(),
                r.entry.actor.as_str(),
                r.entry.outcome,
            )
        })
        .collect();
    let customer = format!("customer:{}", person.id.0);
    assert_eq!(
        tail,
        [
            ("case.verified", customer.as_str(), Outcome::Success),
            ("case.approve", "agent:alice", Outcome::Refused),
            ("case.approve", "supervisor:sam", Outcome::Refused),
            ("case.approved", "supervisor:sue", Outcome::Success),
            ("card.unfrozen", "supervisor:sue", Outcome::Success),
        ]
    );
    let e = err(p.approve(&sue, a, CONSOLE).await);
    assert_eq!(e.code(), "illegal_state", "{e:?}");
    assert_eq!(history(&desk, card).await.len(), 1);

    // The reject path leaves the card frozen.
    let other = person.card(1);
    let (b, sb) = desk.challenged(&alice, other).await;
    assert_eq!(
        p.verify(&sb, person.right(), PHONE).await.expect("verify"),
        VerifyOutcome::AwaitingApproval
    );
    let e = err(p.reject(&alice, b, "looks wrong", CONSOLE).await);
    assert_eq!(e.code(), "forbidden", "{e:?}");
    let rejected = p
        .reject(&sue, b, "the transaction was confirmed fraudulent", CONSOLE)
        .await
        .expect("reject");
    assert_eq!(rejected.state, CaseState::Rejected);
    assert_eq!(stored_case(&desk, b).await.state, CaseState::Rejected);
    let e = err(p.approve(&sam, b, CONSOLE).await);
    assert_eq!(e.code(), "illegal_state", "{e:?}");
    let e = err(p.verify(&sb, person.right(), PHONE).await);
    assert_eq!(e.code(), "case_closed", "{e:?}");
    assert!(is_frozen(
        desk.card_status(other).await,
        FreezeReason::SuspiciousTransaction
    ));
    assert!(history(&desk, other).await.is_empty());
    let last = timeline(&desk, b)
        .await
        .into_iter()
        .rfind(|r| r.entry.action == "case.rejected")
        .expect("rejection audited");
    assert_eq!(last.entry.actor, "supervisor:sue");
    assert_chain_intact(&desk).await;
}

// ---------------------------------------------------------------------------
// 8. Racing uploads unfreeze once
// ---------------------------------------------------------------------------

async fn concurrent_uploads_unfreeze_once(store: Arc<dyn Store>, db: TestDb) {
    const REQUESTS: usize = 20;
    const UPLOADS: usize = 50;
    let desk = Desk::new(store, &db).await;
    let alice = agent("alice");
    let person = desk
        .enrol(11, "zh-CN", &[frozen(FreezeReason::WrongPinLimit)])
        .await;
    let card = person.card(0);
    let (case, code) = desk.instructed(&alice, card).await;

    // The same code, many times at once: one session.
    let requests: Vec<_> = (0..REQUESTS)
        .map(|_| {
            let p = desk.processor.clone();
            let code = code.clone();
            tokio::spawn(async move { p.request_unfreeze(&code, PHONE).await })
        })
        .collect();
    let mut sessions = Vec::new();
    for r in futures::future::join_all(requests).await {
        match r.expect("task ran") {
            Ok(session) => sessions.push(session),
            Err(e) => assert!(matches!(e, ProcessorError::CodeUsed), "{e:?}"),
        }
    }
    assert_eq!(sessions.len(), 1, "exactly one request opens the case");
    let token = sessions.pop().expect("one session").token;
    desk.processor
        .challenge(&token, PHONE)
        .await
        .expect("challenge");

    // The right credentials, many times at once: one unfreeze.
    let uploads: Vec<_> = (0..UPLOADS)
        .map(|_| {
            let p = desk.processor.clone();
            let token = token.clone();
            let upload = person.right();
            tokio::spawn(async move { p.verify(&token, upload, PHONE).await })
        })
        .collect();
    let mut unfrozen = 0;
    let mut codes = Vec::new();
    for r in futures::future::join_all(uploads).await {
        match r.expect("task ran") {
            Ok(outcome) => {
                assert_eq!(outcome, VerifyOutcome::Unfrozen);
                unfrozen += 1;
            }
            Err(e) => codes.push(e.code()),
        }
    }
    assert_eq!(unfrozen, 1, "errors: {codes:?}");
    assert!(codes.iter().all(|c| *c == "case_closed"), "{codes:?}");

    assert_eq!(desk.card_status(card).await, CardStatus::Active);
    let transitions = history(&desk, card).await;
    assert_eq!(transitions.len(), 1, "{transitions:?}");
    assert_eq!(
        (transitions[0].from, transitions[0].to),
        (CardStatusKind::Frozen, CardStatusKind::Active)
    );
    let case_now = stored_case(&desk, case).await;
    assert_eq!(
        (case_now.state, case_now.failed_attempts),
        (CaseState::Unfrozen, 0)
    );
    let actions = desk.actions(case).await;
    let count = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert_eq!(count("card.unfrozen"), 1);
    assert_eq!(count("case.verified"), 1);
    assert_eq!(count("case.requested"), 1);
    assert_eq!(count("case.verify"), UPLOADS - 1, "refusals audited");
    assert_eq!(count("case.request"), REQUESTS - 1, "refusals audited");
    assert_chain_intact(&desk).await;
}

/// On the SQLite file the console opens (WAL, a pool of writers).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_uploads_unfreeze_once() {
    let (store, db) = common::sqlite_file().await;
    concurrent_uploads_unfreeze_once(store, db).await;
}

/// `#[sqlx::test]` makes the database but runs on a current-thread
/// runtime: the race runs on a multi-threaded runtime of its own, over a
/// new pool to the same database.
#[sqlx::test(migrations = false)]
async fn postgres_concurrent_uploads_unfreeze_once(pool: sqlx::PgPool) {
    common::on_postgres(pool, concurrent_uploads_unfreeze_once);
}

/// Many agents instructing at once, more of them than the pool has
/// connections: no step may hold its transaction's connection while it
/// waits for another from the same pool, or they all wait on each other
/// until the pool's acquire timeout (PostgreSQL) or SQLite's busy timeout
/// fails them.
async fn many_instructs_at_once(store: Arc<dyn Store>, db: TestDb) {
    const CASES: u32 = 12;
    let desk = Desk::new(store, &db).await;
    let alice = agent("alice");
    let statuses = vec![frozen(FreezeReason::Dormant); CASES as usize];
    let person = desk.enrol(13, "en", &statuses).await;
    let mut cases = Vec::new();
    for card in &person.cards {
        let case = desk
            .processor
            .mark(&alice, card.id, CONSOLE)
            .await
            .expect("mark");
        desk.processor
            .package(&alice, case.id, CONSOLE)
            .await
            .expect("package");
        cases.push(case.id);
    }
    let tasks: Vec<_> = cases
        .iter()
        .map(|case| {
            let p = desk.processor.clone();
            let (case, alice) = (*case, alice.clone());
            tokio::spawn(async move { p.instruct(&alice, case, TEXT, CONSOLE).await })
        })
        .collect();
    for r in futures::future::join_all(tasks).await {
        let case = r.expect("task ran").expect("instruct");
        assert_eq!(case.state, CaseState::Instructed);
    }
    for case in &cases {
        assert_eq!(stored_case(&desk, *case).await.state, CaseState::Instructed);
        desk.code_for(*case).await;
    }
    assert_chain_intact(&desk).await;
}

/// On the SQLite file the console opens: a pool of 8 connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_many_instructs_at_once() {
    let (store, db) = common::sqlite_file().await;
    many_instructs_at_once(store, db).await;
}

/// On PostgreSQL through a pool smaller than the number of agents.
#[sqlx::test(migrations = false)]
async fn postgres_many_instructs_at_once(pool: sqlx::PgPool) {
    let small = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect_with((*pool.connect_options()).clone())
        .await
        .expect("connect");
    let (store, db) = common::postgres(small.clone()).await;
    many_instructs_at_once(store, db).await;
    small.close().await;
}

// ---------------------------------------------------------------------------
// 9. Tampering with the audit log
// ---------------------------------------------------------------------------

async fn audit_tampering_is_detected(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let person = desk
        .enrol(10, "en", &[frozen(FreezeReason::WrongPinLimit)])
        .await;
    let (_, session) = desk.challenged(&agent("alice"), person.card(0)).await;
    desk.processor
        .verify(&session, person.right(), PHONE)
        .await
        .expect("verify");
    assert_chain_intact(&desk).await;
    let entries = desk
        .store
        .audit_entries(None, 0, 1_000)
        .await
        .expect("audit");
    let target = entries
        .iter()
        .find(|r| r.entry.action == "case.verified")
        .expect("verified entry")
        .seq;
    assert!(target < entries.len() as i64, "not the last entry");
    let tamper = format!("UPDATE audit_log SET detail = 'nothing happened' WHERE seq = {target}");

    // The triggers keep the log append-only...
    assert!(db.raw.exec(&tamper).await.is_err());
    assert_chain_intact(&desk).await;
    // ...and once someone with database access drops them, the chain still
    // tells.
    db.raw.drop_audit_triggers().await;
    assert_eq!(db.raw.exec(&tamper).await.expect("tamper"), 1);
    assert_eq!(
        desk.processor.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: target }
    );
}

async fn resend_gives_a_fresh_code(store: Arc<dyn Store>, db: TestDb) {
    let desk = Desk::new(store, &db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let person = desk.enrol(7, "en", &[frozen(FreezeReason::Dormant)]).await;
    let (case, first) = desk.instructed(&alice, person.card(0)).await;

    // The customer let the first code run out; the agent sends a new one.
    desk.advance(Duration::minutes(20));
    let resent = p
        .resend(
            &alice,
            case,
            carddesk_processor::Channels {
                text: true,
                voice: false,
            },
            "console",
        )
        .await
        .expect("resend");
    assert_eq!(resent.state, CaseState::Instructed);
    assert!(!resent.is_expired_at(desk.clock.now() + Duration::minutes(14)));
    let second = desk.code_for(case).await;
    assert_ne!(first, second, "a resend must carry a new code");
    assert!(
        desk.actions(case)
            .await
            .contains(&"case.reinstructed".to_owned())
    );

    // The old code no longer opens the case; the new one does.
    assert_eq!(
        err(p.request_unfreeze(&first, PHONE).await).code(),
        "not_found"
    );
    p.request_unfreeze(&second, PHONE)
        .await
        .expect("the new code works");

    // Once the customer has used a code, there is nothing to resend.
    let e = err(p
        .resend(
            &alice,
            case,
            carddesk_processor::Channels {
                text: true,
                voice: true,
            },
            "console",
        )
        .await);
    assert_eq!(e.code(), "illegal_state", "{e}");
}
