//! The customer's allowance of failed credential checks (5 in 24 h) over
//! both jobs: a failed card proof of the two-card route counts as a failed
//! unfreeze upload does, since both check the card's transaction password;
//! once the allowance is used, neither job checks the password again.

use super::*;

use std::sync::Arc;

use crate::applicant::*;
use crate::common::*;
use carddesk_domain::application::{Application, ApplicationId, ApplicationState, AuthRoute};
use carddesk_domain::case::CaseState;
use carddesk_domain::{CardStatus, CardStatusKind, FreezeReason};
use carddesk_processor::{ProcessorConfig, ProcessorError};
use carddesk_store::Store;
use chrono::Duration;

/// The person's failed credential checks of the last 24 h, both jobs'.
async fn failures(desk: &Desk, person: &Person) -> u32 {
    desk.store
        .credential_failures_since(person.id, desk.processor.now() - Duration::days(1))
        .await
        .expect("count")
}

async fn stored(desk: &Desk, id: ApplicationId) -> Application {
    desk.store
        .application(id)
        .await
        .expect("read")
        .expect("stored")
        .application
}

pub(crate) async fn a_customer_out_of_allowance_in_job_1_cannot_prove_a_card(
    store: Arc<dyn Store>,
    db: TestDb,
) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let dormant = frozen(FreezeReason::Dormant);
    let person = desk
        .enrol(21, "en", &[CardStatus::Active, dormant, dormant])
        .await;
    // Four failures in job 1: three lock one case, one more on another.
    let (_, locked) = desk.challenged(&alice, person.card(1)).await;
    for _ in 0..3 {
        err(p.verify(&locked, person.wrong_password(), PHONE).await);
    }
    let (case, open) = desk.challenged(&alice, person.card(2)).await;
    assert!(matches!(
        p.verify(&open, person.wrong_password(), PHONE).await,
        Err(ProcessorError::VerificationFailed { remaining: 2 })
    ));
    assert_eq!(failures(&desk, &person).await, 4);

    // One wrong card proof uses the fifth: the application stops as when
    // its own attempts run out, with the same answer.
    let first = p
        .submit_application(form(&person.id_number, &phone(21)), ADDRESS)
        .await
        .expect("submit");
    assert_eq!(first.route, AuthRoute::TwoCard);
    let card = pan(&person.cards[0].number);
    let wrong = err(p
        .prove_card(&first.session, &card, password(WRONG_PASSWORD), ADDRESS)
        .await);
    assert!(matches!(wrong, ProcessorError::Locked), "{wrong:?}");
    assert_eq!(failures(&desk, &person).await, 5);
    assert_eq!(
        stored(&desk, first.application_id).await.state,
        ApplicationState::Rejected
    );

    // Applying again does not give more guesses: the right password is
    // refused too, unchecked, and answered alike.
    let again = p
        .submit_application(form(&person.id_number, &phone(21)), ADDRESS)
        .await
        .expect("submit again");
    let right = err(p
        .prove_card(&again.session, &card, password(PASSWORD), ADDRESS)
        .await);
    assert!(matches!(right, ProcessorError::Locked), "{right:?}");
    assert_eq!(right.to_string(), wrong.to_string(), "never says which");
    let second = stored(&desk, again.application_id).await;
    assert_eq!(second.state, ApplicationState::Rejected);
    assert_eq!(
        second.failed_attempts, 0,
        "an unchecked proof is no attempt"
    );
    assert!(
        texts(&desk, again.application_id).await.is_empty(),
        "no code sent"
    );
    assert_eq!(failures(&desk, &person).await, 5);
    assert!(
        audit_actions(&desk, again.application_id)
            .await
            .contains(&"application.rejected".to_owned())
    );

    // And job 1 refuses the customer's next upload, right as it is.
    assert!(matches!(
        p.verify(&open, person.right(), PHONE).await,
        Err(ProcessorError::Locked)
    ));
    assert_eq!(p.case(case).await.expect("case").state, CaseState::Locked);
    assert_eq!(
        desk.card_status(person.card(2)).await.kind(),
        CardStatusKind::Frozen
    );
    assert_eq!(failures(&desk, &person).await, 5);
}

/// Card numbers that are not the applicant's guess at no credential of
/// theirs: they use up the application's own attempts and leave the
/// person's allowance (and their remote unfreeze) alone, or anyone who
/// knows a person's ID number could lock them out by applying.
pub(crate) async fn numbers_not_theirs_leave_the_allowance_alone(
    store: Arc<dyn Store>,
    db: TestDb,
) {
    let (desk, _media) = desk_with_media(store, &db).await;
    let p = &desk.processor;
    let person = desk.enrol(22, "en", &[CardStatus::Active]).await;
    for round in 0..2 {
        let applied = p
            .submit_application(form(&person.id_number, &phone(22)), ADDRESS)
            .await
            .expect("submit");
        for attempt in 0..3 {
            let not_theirs = pan(&card_number(900 + round * 10 + attempt));
            err(p
                .prove_card(&applied.session, &not_theirs, password(PASSWORD), ADDRESS)
                .await);
        }
        let ended = stored(&desk, applied.application_id).await;
        assert_eq!(ended.state, ApplicationState::Rejected, "its own attempts");
    }
    assert_eq!(failures(&desk, &person).await, 0, "the allowance untouched");
    // A wrong password for their own card does count.
    let applied = p
        .submit_application(form(&person.id_number, &phone(22)), ADDRESS)
        .await
        .expect("submit a third time");
    let own = pan(&person.cards[0].number);
    err(p
        .prove_card(&applied.session, &own, password(WRONG_PASSWORD), ADDRESS)
        .await);
    assert_eq!(failures(&desk, &person).await, 1);
}

/// Cases racing the card proofs; each takes more uploads than the allowance
/// leaves, so that the allowance, not the cases, is what stops them.
const CASES: usize = 4;
const UPLOADS_PER_CASE: usize = 2;
/// More card proofs than an application has attempts.
const PROOFS: usize = 6;

/// Gives the person's cards a password hash with Argon2id's smallest cost
/// (as `customer_allowance.rs` does): at the production cost the checks'
/// decisions are spaced out by the hashing pool's turns and would rarely
/// meet where the race is.
async fn cheap_password_hash(db: &TestDb, person: &Person) {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let params = argon2::Params::new(8, 1, 1, None).expect("params");
    let argon2 = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let hash = argon2
        .hash_password(
            person.password.as_bytes(),
            &SaltString::generate(&mut OsRng),
        )
        .expect("hash")
        .to_string();
    let updated = db
        .raw
        .exec(&format!(
            "UPDATE cards SET password_hash = '{hash}' WHERE customer_id = {}",
            person.id.0
        ))
        .await
        .expect("update");
    assert_eq!(updated, person.cards.len() as u64);
}

async fn card_proofs_and_uploads_racing_share_one_allowance(store: Arc<dyn Store>, db: TestDb) {
    let allowance = ProcessorConfig::default().limits.failures_per_customer;
    assert!(
        (CASES * UPLOADS_PER_CASE) as u32 > allowance && PROOFS as u32 > allowance,
        "either job alone could overrun the allowance"
    );
    let desk = Desk::new(store, &db).await;
    let alice = agent("alice");
    let mut statuses = vec![CardStatus::Active];
    statuses.extend(vec![frozen(FreezeReason::Dormant); CASES]);
    let person = desk.enrol(22, "en", &statuses).await;
    cheap_password_hash(&db, &person).await;
    let mut cases = Vec::new();
    for i in 1..=CASES {
        cases.push(desk.challenged(&alice, person.card(i)).await);
    }
    let applied = desk
        .processor
        .submit_application(form(&person.id_number, &phone(22)), ADDRESS)
        .await
        .expect("submit");

    // Wrong guesses in both jobs at once.
    let mut tasks = Vec::new();
    for (_, token) in &cases {
        for _ in 0..UPLOADS_PER_CASE {
            let (p, token) = (desk.processor.clone(), token.clone());
            let upload = person.wrong_password();
            tasks.push(tokio::spawn(async move {
                p.verify(&token, upload, PHONE).await.map(|_| ())
            }));
        }
    }
    for _ in 0..PROOFS {
        let (p, session) = (desk.processor.clone(), applied.session.clone());
        let card = pan(&person.cards[0].number);
        tasks.push(tokio::spawn(async move {
            p.prove_card(&session, &card, password(WRONG_PASSWORD), ADDRESS)
                .await
                .map(|_| ())
        }));
    }
    for result in futures::future::join_all(tasks).await {
        let e = result.expect("task ran").expect_err("every guess is wrong");
        // Failed, locked, or refused because its case or application
        // already stopped.
        assert!(
            [
                "verification_failed",
                "locked",
                "case_closed",
                "illegal_state"
            ]
            .contains(&e.code()),
            "{e:?}"
        );
    }

    // Every wrong guess the processor checked: each case's and the
    // application's own count of failed attempts.
    let mut checked = 0;
    for (case, _) in &cases {
        checked += desk
            .processor
            .case(*case)
            .await
            .expect("case")
            .failed_attempts;
    }
    let application = desk
        .store
        .application(applied.application_id)
        .await
        .expect("read")
        .expect("stored")
        .application;
    checked += application.failed_attempts;
    assert_eq!(
        checked, allowance,
        "at most the allowance of guesses is checked over both jobs, however they interleave"
    );
    assert_eq!(
        failures(&desk, &person).await,
        allowance,
        "and each is one of the customer's failures"
    );
    assert_ne!(application.state, ApplicationState::Routed, "it stopped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_card_proofs_and_uploads_racing_share_one_allowance() {
    let (store, db) = common::sqlite_file().await;
    card_proofs_and_uploads_racing_share_one_allowance(store, db).await;
}

#[sqlx::test(migrations = false)]
async fn postgres_card_proofs_and_uploads_racing_share_one_allowance(pool: sqlx::PgPool) {
    common::on_postgres(pool, card_proofs_and_uploads_racing_share_one_allowance);
}
