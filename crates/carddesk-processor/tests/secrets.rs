//! Secrets stay protected through a whole flow, mistakes included: the
//! transaction password, the full ID number, the full card numbers, the
//! one-time code and the customer's session token, and on the virtual-card
//! route the applicant's session, the code sent to the phone on file and
//! the issued card's full number (shown once, to the applicant), appear
//! nowhere at rest
//! (the SQLite file with its WAL and shared-memory files; every row of
//! every PostgreSQL table), in the logs, in any error's text, or in the
//! `Debug` output of what the processor returns.
//!
//! The logs are captured process-wide (this test binary holds nothing
//! else): SQLite runs its statements on worker threads of its own and the
//! Argon2id checks run on the blocking pool, which a thread-local
//! subscriber would not hear.

mod common;

use std::sync::Arc;

use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{CardStatus, FreezeReason};
use carddesk_processor::{CredentialUpload, CustomerQuery, ProcessorError, VerifyOutcome};
use carddesk_store::Store;
use common::*;
use secrecy::{ExposeSecret, SecretString};

// Every event of the process, at TRACE, into one buffer:
// `common::capture_logs` (carddesk-testkit's).

/// A secret and the name it is reported by.
type Secret = (&'static str, String);

/// Fails if any secret occurs in `haystack`, as ASCII or, when `hex` is
/// set, as the hex PostgreSQL shows `bytea` in.
#[track_caller]
fn assert_absent(place: &str, haystack: &[u8], secrets: &[Secret], hex: bool) {
    for (name, secret) in secrets {
        assert!(
            !contains(haystack, secret.as_bytes()),
            "the {name} is in {place} in clear"
        );
        if hex {
            let encoded = hex::encode(secret.as_bytes());
            assert!(
                !contains(haystack, encoded.as_bytes()),
                "the {name} is in {place} as hex"
            );
        }
    }
}

/// The customer of the flow.
struct Flow {
    secrets: Vec<Secret>,
    /// Stored in clear on purpose: proves a scan reads the data at all.
    phone: String,
}

/// A whole flow, with a wrong password, a wrong ID number, a missing
/// credential, a reused and a malformed code and a refused mark on the
/// way; checks every error's text and every returned value's `Debug`.
async fn flow_with_mistakes(store: Arc<dyn Store>, db: &TestDb) -> Flow {
    let logs = capture_logs();
    tracing::info!(target: "carddesk_test", "log capture is on");
    let desk = Desk::new(store, db).await;
    let p = &desk.processor;
    let alice = agent("alice");
    let person = desk
        .enrol(
            12,
            "zh-CN",
            &[
                frozen(FreezeReason::WrongPinLimit),
                frozen(FreezeReason::CourtOrder),
                CardStatus::Active,
            ],
        )
        .await;
    let mut errors: Vec<ProcessorError> = Vec::new();
    let mut shown: Vec<String> = Vec::new();

    for query in [
        CustomerQuery::Document(IdDocument::resident_id(&person.id_number).expect("id")),
        CustomerQuery::Phone(PhoneNumber::parse(&person.phone).expect("phone")),
        CustomerQuery::CardNumber(CardNumber::parse(&person.cards[2].number).expect("pan")),
    ] {
        shown.push(format!("{query:?}"));
        let found = p.look_up(&query).await.expect("look up");
        assert_eq!(found.len(), 1);
        shown.push(format!("{found:?}"));
    }
    errors.push(err(p.mark(&alice, person.card(1), CONSOLE).await));
    let case = p.mark(&alice, person.card(0), CONSOLE).await.expect("mark");
    shown.push(format!("{case:?}"));
    shown.push(format!(
        "{:?}",
        p.package(&alice, case.id, CONSOLE).await.expect("package")
    ));
    shown.push(format!(
        "{:?}",
        p.instruct(&alice, case.id, TEXT_AND_VOICE, CONSOLE)
            .await
            .expect("instruct")
    ));
    shown.push(format!("{:?}", desk.store.package(case.id).await));
    let code = desk.code_for(case.id).await;

    errors.push(err(p.request_unfreeze("not-a-code", PHONE).await));
    let session = p.request_unfreeze(&code, PHONE).await.expect("request");
    shown.push(format!("{session:?}"));
    errors.push(err(p.request_unfreeze(&code, PHONE).await));
    let challenge = p.challenge(&session.token, PHONE).await.expect("challenge");
    shown.push(format!("{challenge:?}"));

    let id_only = CredentialUpload {
        id_document: Some(IdDocument::resident_id(&person.id_number).expect("id")),
        transaction_password: None,
    };
    shown.push(format!("{id_only:?}"));
    errors.push(err(p.verify(&session.token, id_only, PHONE).await));
    let password_only = CredentialUpload {
        id_document: None,
        transaction_password: Some(SecretString::from(person.password.clone())),
    };
    shown.push(format!("{password_only:?}"));
    errors.push(err(p.verify(&session.token, password_only, PHONE).await));
    shown.push(format!("{:?}", person.wrong_password()));
    errors.push(err(p
        .verify(&session.token, person.wrong_password(), PHONE)
        .await));
    shown.push(format!("{:?}", person.wrong_id()));
    errors.push(err(p
        .verify(&session.token, person.wrong_id(), PHONE)
        .await));
    let right = person.right();
    shown.push(format!("{right:?}"));
    assert_eq!(
        p.verify(&session.token, right, PHONE)
            .await
            .expect("verify"),
        VerifyOutcome::Unfrozen
    );
    errors.push(err(p.verify(&session.token, person.right(), PHONE).await));
    errors.push(err(p.challenge(&session.token, PHONE).await));
    shown.push(format!("{:?}", p.case(case.id).await.expect("case")));
    shown.push(format!(
        "{:?}",
        p.timeline(case.id).await.expect("timeline")
    ));
    shown.push(format!(
        "{:?}",
        desk.store.card_history(person.card(0)).await
    ));
    assert_eq!(desk.card_status(person.card(0)).await, CardStatus::Active);

    // A virtual card on the two-card route, with mistakes on the way.
    let holder = desk.enrol(13, "en", &[CardStatus::Active]).await;
    let form = carddesk_processor::applications::ApplicationForm {
        name: "Applicant".to_owned(),
        document: IdDocument::resident_id(&holder.id_number).expect("id"),
        phone: PhoneNumber::parse(&phone(313)).expect("phone"),
        product: "virtual_debit".to_owned(),
        language: "en".to_owned(),
        consent_terms: true,
        consent_recording: true,
    };
    let applied = p.submit_application(form, PHONE).await.expect("submit");
    shown.push(format!("{applied:?}"));
    let existing = CardNumber::parse(&holder.cards[0].number).expect("pan");
    errors.push(err(p
        .prove_card(
            &applied.session,
            &existing,
            SecretString::from(WRONG_PASSWORD.to_owned()),
            PHONE,
        )
        .await));
    let sent = p
        .prove_card(
            &applied.session,
            &existing,
            SecretString::from(holder.password.clone()),
            PHONE,
        )
        .await
        .expect("proven");
    shown.push(format!("{sent:?}"));
    let application_code = {
        let outbox = desk.store.outbox(None, 10_000).await.expect("outbox");
        let m = outbox
            .iter()
            .rfind(|m| {
                m.message.subject
                    == carddesk_store::OutboxSubject::ApplicationCode(applied.application_id)
            })
            .expect("a code text");
        let body = desk
            .keys
            .open(
                carddesk_processor::Purpose::Instruction,
                &m.message.body_sealed,
            )
            .expect("open");
        let body = String::from_utf8(body.to_vec()).expect("utf-8");
        body.split(|c: char| !c.is_ascii_digit())
            .find(|r| r.len() == 6)
            .expect("code")
            .to_owned()
    };
    let issued = p
        .enter_application_code(&applied.session, &application_code, PHONE)
        .await
        .expect("issued");
    shown.push(format!("{issued:?}"));
    errors.push(err(p
        .enter_application_code(&applied.session, &application_code, PHONE)
        .await));
    let revealed = p
        .reveal_card(&applied.session, PHONE)
        .await
        .expect("revealed");
    shown.push(format!("{revealed:?}"));
    errors.push(err(p.reveal_card(&applied.session, PHONE).await));
    let virtual_number = revealed.number.expose_secret().to_owned();

    let mut secrets: Vec<Secret> = vec![
        ("virtual card number", virtual_number),
        ("application code", application_code),
        (
            "application session",
            applied.session.expose_secret().to_owned(),
        ),
        ("existing card's password", holder.password.clone()),
        ("transaction password", person.password.clone()),
        ("wrong transaction password", WRONG_PASSWORD.to_owned()),
        ("ID number", person.id_number.clone()),
        ("one-time code", code.clone()),
        ("one-time code (canonical)", code.replace('-', "")),
        ("session token", session.token.expose_secret().to_owned()),
    ];
    for card in &person.cards {
        secrets.push(("card number", card.number.clone()));
    }

    // Errors, as shown and as logged.
    assert_eq!(errors.len(), 12);
    for e in &errors {
        assert_absent(
            &format!("error {e}"),
            e.to_string().as_bytes(),
            &secrets,
            false,
        );
        assert_absent(
            &format!("error {e:?}"),
            format!("{e:?}").as_bytes(),
            &secrets,
            false,
        );
    }
    // What the processor returned, as `Debug` shows it.
    for text in &shown {
        assert_absent(text, text.as_bytes(), &secrets, true);
    }
    // The logs: something was heard (this test's line and the database
    // driver's statements), and no secret.
    let logged = logs.contents();
    assert!(contains(&logged, b"log capture is on"));
    assert!(
        contains(&logged, b"sqlx::query"),
        "the driver's logs are heard"
    );
    assert_absent("the logs", &logged, &secrets, true);

    Flow {
        secrets,
        phone: person.phone,
    }
}

/// Reads the SQLite database and its WAL and shared-memory files, where
/// they exist; fails unless the data is there to be scanned.
fn sqlite_files(db: &std::path::Path, flow: &Flow) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let path = format!("{}{suffix}", db.display());
        if let Ok(bytes) = std::fs::read(&path) {
            files.push((path, bytes));
        }
    }
    assert!(
        files
            .iter()
            .any(|(_, bytes)| contains(bytes, flow.phone.as_bytes())),
        "the scan sees the stored rows"
    );
    files
}

#[tokio::test]
async fn sqlite_secrets_stay_protected() {
    let (store, db) = common::sqlite_file().await;
    let flow = flow_with_mistakes(store.clone(), &db).await;
    let file = db.file.clone().expect("a file-backed database");
    // While the database is open (recent pages are in the WAL)...
    for (path, bytes) in sqlite_files(&file, &flow) {
        assert_absent(&path, &bytes, &flow.secrets, false);
    }
    // ...and once it is closed and checkpointed into the main file.
    if let RawDb::Sqlite(pool) = &db.raw {
        pool.close().await;
    }
    drop(store);
    for (path, bytes) in sqlite_files(&file, &flow) {
        assert_absent(&path, &bytes, &flow.secrets, false);
    }
}

#[sqlx::test(migrations = false)]
async fn postgres_secrets_stay_protected(pool: sqlx::PgPool) {
    let (store, db) = common::postgres(pool.clone()).await;
    let flow = flow_with_mistakes(store, &db).await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&pool)
    .await
    .expect("list tables");
    for expected in ["customers", "cards", "packages", "outbox", "audit_log"] {
        assert!(tables.iter().any(|t| t == expected), "{tables:?}");
    }
    let mut dump = Vec::new();
    for table in &tables {
        let rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT row_to_json(t)::text FROM \"{table}\" t"))
                .fetch_all(&pool)
                .await
                .expect("read table");
        for row in rows {
            dump.extend_from_slice(row.as_bytes());
            dump.push(b'\n');
        }
    }
    assert!(
        contains(&dump, flow.phone.as_bytes()),
        "the scan sees the rows"
    );
    assert_absent("the PostgreSQL tables", &dump, &flow.secrets, true);
}
