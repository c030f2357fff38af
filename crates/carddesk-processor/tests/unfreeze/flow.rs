//! The whole flow: look-up, mark, package, instruct, and the customer's
//! request, challenge and upload that unfreeze the card.

use super::*;

use std::sync::Arc;

use crate::common::*;
use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::{DocumentKind, IdDocument, PhoneNumber};
use carddesk_domain::{CardStatus, CardStatusKind, CaseState, Channel, FreezeReason};
use carddesk_processor::{Clock, CustomerQuery, Event, Purpose, VerifyOutcome, passwords};
use carddesk_store::{OutboxChannel, Outcome, Store};
use chrono::Duration;
use secrecy::SecretString;

// ---------------------------------------------------------------------------
// 1. The whole flow
// ---------------------------------------------------------------------------

pub(crate) async fn whole_flow(store: Arc<dyn Store>, db: TestDb) {
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
