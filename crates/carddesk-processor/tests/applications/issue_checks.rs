//! What routed an application must still hold when its card is issued:
//! the card proven in the two-card route's card step is still the
//! applicant's and active, and none of the person's cards is frozen by a
//! court order, on both routes. Else nothing is issued and the
//! application is rejected; the applicant is told only that it could not
//! be completed.

use super::*;

use std::sync::Arc;

use crate::applicant::*;
use crate::common::*;
use carddesk_domain::application::{ApplicationId, ApplicationState, AuthRoute, Verdict};
use carddesk_domain::card::CardTransition;
use carddesk_domain::{Actor, CardId, CardStatus, FreezeReason};
use carddesk_processor::ProcessorError;
use carddesk_store::{ApplicationRecord, Store};

/// What the bank's own systems do to a card meanwhile (a loss reported at
/// a branch, a court order): its status changed under its lock.
async fn bank_sets(desk: &Desk, card: CardId, to: CardStatus) {
    let mut tx = desk.store.begin().await.expect("begin");
    let from = tx
        .lock_card(card)
        .await
        .expect("lock")
        .expect("card")
        .status;
    let t = CardTransition::new(card, &from, &to, &Actor::System, desk.processor.now())
        .expect("a legal move");
    tx.set_card_status(&to, &t).await.expect("set status");
    tx.commit().await.expect("commit");
}

fn court_order(desk: &Desk) -> CardStatus {
    CardStatus::Frozen {
        reason: FreezeReason::CourtOrder,
        since: desk.processor.now(),
    }
}

async fn stored(desk: &Desk, id: ApplicationId) -> ApplicationRecord {
    desk.store
        .application(id)
        .await
        .expect("read")
        .expect("stored")
}

/// The application and its last text, once it is rejected and nothing was
/// issued for it; the audit's reason must name `why`.
async fn rejected_without_a_card(desk: &Desk, id: ApplicationId, why: &str) {
    assert_eq!(
        stored(desk, id).await.application.state,
        ApplicationState::Rejected
    );
    assert_eq!(
        desk.store.virtual_card_of(id).await.expect("read"),
        None,
        "no card issued"
    );
    let entries = desk
        .store
        .audit_entries(Some(&format!("application:{}", id.0)), 0, 1_000)
        .await
        .expect("audit");
    let rejected = entries
        .iter()
        .rfind(|r| r.entry.action == "application.rejected")
        .expect("the rejection is audited");
    assert!(
        rejected.entry.detail.contains(why),
        "{}",
        rejected.entry.detail
    );
    assert!(
        !entries
            .iter()
            .any(|r| r.entry.action == "card.issued" || r.entry.action == "application.issued"),
        "nothing audited as issued"
    );
    let texts = texts(desk, id).await;
    let (_, told) = texts.last().expect("the applicant is told");
    assert!(told.contains("could not be completed"), "{told}");
    for secret in ["lost", "frozen", "court", "card ending"] {
        assert!(!told.contains(secret), "not why: {told}");
    }
}

/// The answer to the step that found the card cannot be issued.
fn not_completed(e: &ProcessorError) {
    assert!(matches!(e, ProcessorError::NotCompleted), "{e:?}");
    assert_eq!(e.code(), "not_completed");
    let said = e.to_string();
    assert!(said.contains("could not be completed"), "{said}");
    for secret in ["lost", "frozen", "court", "password", "card:"] {
        assert!(!said.contains(secret), "not which check: {said}");
    }
}

pub(crate) async fn a_card_lost_or_frozen_after_its_proof_issues_nothing(
    store: Arc<dyn Store>,
    db: TestDb,
) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let lost = CardStatus::Lost;
    let frozen = frozen(FreezeReason::CustomerRequest);
    for (seed, to, why) in [(31, lost, "is lost"), (32, frozen, "is frozen")] {
        let person = desk.enrol(seed, "en", &[CardStatus::Active]).await;
        let s = p
            .submit_application(form(&person.id_number, &phone(seed)), ADDRESS)
            .await
            .expect("submit");
        p.prove_card(
            &s.session,
            &pan(&person.cards[0].number),
            password(PASSWORD),
            ADDRESS,
        )
        .await
        .expect("proven");
        let code = code_sent(&desk, s.application_id).await;
        // Reported lost, or frozen, before the code comes.
        bank_sets(&desk, person.card(0), to).await;
        let e = err(p.enter_application_code(&s.session, &code, ADDRESS).await);
        not_completed(&e);
        rejected_without_a_card(&desk, s.application_id, why).await;
        assert_eq!(
            desk.store
                .cards_of_customer(person.id)
                .await
                .expect("cards")
                .len(),
            1,
            "no card made"
        );
        // The right code again: still nothing.
        assert!(
            p.enter_application_code(&s.session, &code, ADDRESS)
                .await
                .is_err()
        );
        assert_eq!(
            desk.store
                .virtual_card_of(s.application_id)
                .await
                .expect("read"),
            None
        );
    }
}

/// The two-card route: a court order on the card not proven, between
/// submission and the code.
pub(crate) async fn a_court_order_on_another_card_stops_the_two_card_issue(
    store: Arc<dyn Store>,
    db: TestDb,
) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let person = desk
        .enrol(33, "en", &[CardStatus::Active, CardStatus::Active])
        .await;
    let s = p
        .submit_application(form(&person.id_number, &phone(33)), ADDRESS)
        .await
        .expect("submit");
    bank_sets(&desk, person.card(1), court_order(&desk)).await;
    p.prove_card(
        &s.session,
        &pan(&person.cards[0].number),
        password(PASSWORD),
        ADDRESS,
    )
    .await
    .expect("proven");
    let code = code_sent(&desk, s.application_id).await;
    not_completed(&err(p
        .enter_application_code(&s.session, &code, ADDRESS)
        .await));
    rejected_without_a_card(&desk, s.application_id, "court or regulator order").await;
    assert_eq!(
        count(&db.raw, "SELECT COUNT(*) FROM virtual_cards").await,
        0
    );
}

/// The interview route: a person whose only card is a virtual one applies
/// again; a court order freezes that card between submission and a passed
/// interview.
pub(crate) async fn a_court_order_on_another_card_stops_the_interview_issue(
    store: Arc<dyn Store>,
    db: TestDb,
) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let first = first_card(&desk, 34).await;
    upload_all(&desk, &first).await;
    let li = agent("li");
    let pass = Verdict::Pass {
        checklist: every_item(),
    };
    p.claim_interview(&li, first.application_id, CONSOLE)
        .await
        .expect("claim");
    let virtual_card = p
        .decide_interview(&li, first.application_id, &pass, CONSOLE)
        .await
        .expect("decide")
        .expect("issued")
        .card_id;
    let again = p
        .submit_application(form(&resident_id(34), &phone(34)), ADDRESS)
        .await
        .expect("submit again");
    assert_eq!(again.route, AuthRoute::VideoInterview);
    upload_all(&desk, &again).await;
    p.claim_interview(&li, again.application_id, CONSOLE)
        .await
        .expect("claim");
    bank_sets(&desk, virtual_card, court_order(&desk)).await;
    not_completed(&err(p
        .decide_interview(&li, again.application_id, &pass, CONSOLE)
        .await));
    assert_eq!(
        desk.store
            .virtual_card_of(again.application_id)
            .await
            .expect("read"),
        None,
        "nothing issued"
    );
    // Rejected by the verdict's own transaction, by the time it answers.
    rejected_without_a_card(&desk, again.application_id, "court or regulator order").await;
    assert!(
        p.decide_interview(&li, again.application_id, &pass, CONSOLE)
            .await
            .is_err(),
        "a rejected application is not decided again"
    );
    assert_eq!(
        count(&db.raw, "SELECT COUNT(*) FROM virtual_cards").await,
        1,
        "only the first card"
    );
}

/// The override: a pass with an item unticked waits for a supervisor; a
/// court order freezes the person's other card meanwhile; the approval
/// issues nothing and the application is rejected in its transaction.
pub(crate) async fn a_court_order_before_the_override_stops_its_issue(
    store: Arc<dyn Store>,
    db: TestDb,
) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let first = first_card(&desk, 36).await;
    upload_all(&desk, &first).await;
    let li = agent("li");
    p.claim_interview(&li, first.application_id, CONSOLE)
        .await
        .expect("claim");
    let all = Verdict::Pass {
        checklist: every_item(),
    };
    let virtual_card = p
        .decide_interview(&li, first.application_id, &all, CONSOLE)
        .await
        .expect("decide")
        .expect("issued")
        .card_id;
    let again = p
        .submit_application(form(&resident_id(36), &phone(36)), ADDRESS)
        .await
        .expect("submit again");
    upload_all(&desk, &again).await;
    p.claim_interview(&li, again.application_id, CONSOLE)
        .await
        .expect("claim");
    let mut checklist = every_item();
    checklist.0.pop_first();
    let unticked = Verdict::Pass { checklist };
    let waiting = p
        .decide_interview(&li, again.application_id, &unticked, CONSOLE)
        .await
        .expect("a pass with an item unticked");
    assert!(waiting.is_none(), "waits for a supervisor");
    bank_sets(&desk, virtual_card, court_order(&desk)).await;
    not_completed(&err(p
        .approve_interview_override(&supervisor("zhang"), again.application_id, CONSOLE)
        .await));
    rejected_without_a_card(&desk, again.application_id, "court or regulator order").await;
}
