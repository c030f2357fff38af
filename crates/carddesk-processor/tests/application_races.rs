//! Every limit of the application flow under requests sent at once, on
//! the SQLite file the console opens and on PostgreSQL, each on threads of
//! its own: one open application per person, the daily limit per address,
//! three attempts, one card per application, one showing of its number.

mod applicant;
mod common;

use std::sync::Arc;

use applicant::*;
use carddesk_domain::CardStatus;
use carddesk_domain::application::ApplicationState;
use carddesk_domain::card::CardNumber;
use carddesk_processor::ProcessorError;
use carddesk_store::Store;
use common::*;
use futures::future::join_all;
use secrecy::SecretString;

/// Requests sent at once.
const AT_ONCE: usize = 12;

async fn submissions_race(store: Arc<dyn Store>, db: TestDb) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    // One person, many submissions: one application.
    let person = resident_id(800);
    let results =
        join_all((0..AT_ONCE).map(|_| p.submit_application(form(&person, &phone(8)), ADDRESS)))
            .await;
    let accepted = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(accepted, 1, "{results:?}");
    for e in results.into_iter().filter_map(Result::err) {
        assert_eq!(e.code(), "open_application", "{e:?}");
    }
    // Many people, one address: the day's ten, no more.
    let limit = desk.processor.config().applications.per_address_per_day as usize;
    let other = "198.51.100.7";
    let results = join_all(
        (0..limit + 4)
            .map(|i| p.submit_application(form(&resident_id(810 + i as u32), &phone(9)), other)),
    )
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), limit);
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.code() == "too_many_from_address")
    );
    assert_eq!(
        count(&db.raw, "SELECT COUNT(*) FROM applications").await,
        1 + limit as i64
    );
}

async fn attempts_codes_and_reveals_race(store: Arc<dyn Store>, db: TestDb) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let limits = p.config().applications.clone();

    // Wrong proofs at once: three counted, then rejected, never more.
    let guesser = desk.enrol(820, "en", &[CardStatus::Active]).await;
    let g = p
        .submit_application(form(&guesser.id_number, &phone(1)), ADDRESS)
        .await
        .expect("submit");
    let pan = CardNumber::parse(&guesser.cards[0].number).expect("pan");
    let results = join_all((0..AT_ONCE).map(|_| {
        p.prove_card(
            &g.session,
            &pan,
            SecretString::from(WRONG_PASSWORD.to_owned()),
            ADDRESS,
        )
    }))
    .await;
    assert!(results.iter().all(|r| r.is_err()));
    let failed = results
        .iter()
        .filter(|r| {
            matches!(
                r,
                Err(ProcessorError::VerificationFailed { .. } | ProcessorError::Locked)
            )
        })
        .count();
    assert_eq!(failed, limits.max_attempts as usize, "{results:?}");
    let stored = desk
        .store
        .application(g.application_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.application.failed_attempts, limits.max_attempts);
    assert_eq!(stored.application.state, ApplicationState::Rejected);

    // The right code at once: one card.
    let holder = desk.enrol(821, "en", &[CardStatus::Active]).await;
    let h = p
        .submit_application(form(&holder.id_number, &phone(2)), ADDRESS)
        .await
        .expect("submit");
    let pan = CardNumber::parse(&holder.cards[0].number).expect("pan");
    let proofs = join_all((0..4).map(|_| {
        p.prove_card(
            &h.session,
            &pan,
            SecretString::from(PASSWORD.to_owned()),
            ADDRESS,
        )
    }))
    .await;
    assert_eq!(
        proofs.iter().filter(|r| r.is_ok()).count(),
        1,
        "one code for racing proofs: {proofs:?}"
    );
    let code = code_sent(&desk, h.application_id).await;
    let entered =
        join_all((0..AT_ONCE).map(|_| p.enter_application_code(&h.session, &code, ADDRESS))).await;
    assert_eq!(
        entered.iter().filter(|r| r.is_ok()).count(),
        1,
        "{entered:?}"
    );
    assert_eq!(
        count(&db.raw, "SELECT COUNT(*) FROM virtual_cards").await,
        1
    );

    // Shown once, however many ask at once.
    let shown = join_all((0..AT_ONCE).map(|_| p.reveal_card(&h.session, ADDRESS))).await;
    assert_eq!(shown.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(
        shown
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.code() == "already_shown")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_submissions_race() {
    let (store, db) = common::sqlite_file().await;
    submissions_race(store, db).await;
}

#[sqlx::test(migrations = false)]
async fn postgres_submissions_race(pool: sqlx::PgPool) {
    common::on_postgres(pool, submissions_race);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_attempts_codes_and_reveals_race() {
    let (store, db) = common::sqlite_file().await;
    attempts_codes_and_reveals_race(store, db).await;
}

#[sqlx::test(migrations = false)]
async fn postgres_attempts_codes_and_reveals_race(pool: sqlx::PgPool) {
    common::on_postgres(pool, attempts_codes_and_reveals_race);
}
