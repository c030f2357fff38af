//! One-time codes: each is spent once, a session opens its own case only,
//! and a resend replaces the code.

use super::*;

use std::sync::Arc;

use crate::common::*;
use carddesk_domain::{CardStatus, CaseState, FreezeReason};
use carddesk_processor::{Clock, ProcessorError, VerifyOutcome};
use carddesk_store::{Outcome, Store};
use chrono::Duration;
use secrecy::SecretString;

// ---------------------------------------------------------------------------
// 5. Codes are spent once; a session opens its own case only
// ---------------------------------------------------------------------------

pub(crate) async fn codes_and_sessions_open_one_case_once(store: Arc<dyn Store>, db: TestDb) {
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

pub(crate) async fn resend_gives_a_fresh_code(store: Arc<dyn Store>, db: TestDb) {
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
