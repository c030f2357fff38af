//! Fixtures for the processor's integration tests: a store on either
//! database (with the raw pool beneath it, for what the interface does not
//! offer), a processor over it on a manual clock, customers and cards
//! enrolled through the protected records, and the customer's side of the
//! flow (reading the one-time code out of the outbox).

#![allow(dead_code)] // Each test binary uses its own part of the fixtures.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use carddesk_domain::card::CardNumber;
use carddesk_domain::case::CaseId;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{CardId, CardStatus, CustomerId, FreezeReason, Role, StaffMember};
use carddesk_processor::enrol::{card_record, customer_record};
use carddesk_processor::{
    Channels, CredentialUpload, Event, Keyring, ManualClock, Processor, ProcessorConfig,
    ProcessorError, passwords,
};
use carddesk_store::{OutboxChannel, PgStore, SqliteStore, Store};
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use sqlx::{PgPool, SqlitePool};
use tokio::sync::broadcast;

/// Where staff act from.
pub const CONSOLE: &str = "console:desk-7";
/// Where the customer's phone acts from.
pub const PHONE: &str = "198.51.100.23";

/// The raw pool under a store.
#[derive(Debug, Clone)]
pub enum RawDb {
    /// SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
}

impl RawDb {
    /// Runs raw SQL (one or more statements), bypassing the store.
    pub async fn exec(&self, sql: &str) -> Result<u64, sqlx::Error> {
        match self {
            RawDb::Sqlite(pool) => sqlx::raw_sql(sql)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
            RawDb::Postgres(pool) => sqlx::raw_sql(sql)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
        }
    }

    /// What an attacker with database access does first: removes the
    /// triggers that keep the audit log append-only.
    pub async fn drop_audit_triggers(&self) {
        let sql = match self {
            RawDb::Sqlite(_) => {
                "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
            }
            RawDb::Postgres(_) => {
                "DROP TRIGGER audit_log_no_update ON audit_log; \
                 DROP TRIGGER audit_log_no_truncate ON audit_log;"
            }
        };
        self.exec(sql).await.expect("drop the audit triggers");
    }
}

/// A database under test: the keyring whose audit key the store holds, the
/// raw pool, and (for file-backed SQLite) the directory that holds it.
#[derive(Debug)]
pub struct TestDb {
    /// The one keyring of the test: the store's audit key comes from it and
    /// the processor seals and hashes with it.
    pub keys: Arc<Keyring>,
    /// The raw pool.
    pub raw: RawDb,
    /// The SQLite file, when the test opened one itself.
    pub file: Option<PathBuf>,
    /// Keeps that file's directory alive.
    pub dir: Option<tempfile::TempDir>,
}

/// A store over the pool `#[sqlx::test]` gave (SQLite).
pub async fn sqlite(pool: SqlitePool) -> (Arc<dyn Store>, TestDb) {
    let keys = Arc::new(Keyring::generate());
    let store = SqliteStore::from_pool(pool, keys.audit_key())
        .await
        .expect("SQLite migrations apply");
    let raw = RawDb::Sqlite(store.pool().clone());
    (
        Arc::new(store),
        TestDb {
            keys,
            raw,
            file: None,
            dir: None,
        },
    )
}

/// A store over the pool `#[sqlx::test]` gave (PostgreSQL).
pub async fn postgres(pool: PgPool) -> (Arc<dyn Store>, TestDb) {
    let keys = Arc::new(Keyring::generate());
    let store = PgStore::from_pool(pool, keys.audit_key())
        .await
        .expect("PostgreSQL migrations apply");
    let raw = RawDb::Postgres(store.pool().clone());
    (
        Arc::new(store),
        TestDb {
            keys,
            raw,
            file: None,
            dir: None,
        },
    )
}

/// A store as the console opens it: an SQLite file in WAL mode, in a fresh
/// temporary directory.
pub async fn sqlite_file() -> (Arc<dyn Store>, TestDb) {
    let keys = Arc::new(Keyring::generate());
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("carddesk.db");
    let url = format!("sqlite:{}", file.display());
    let store = SqliteStore::open(&url, keys.audit_key())
        .await
        .expect("open the SQLite file");
    let raw = RawDb::Sqlite(store.pool().clone());
    (
        Arc::new(store),
        TestDb {
            keys,
            raw,
            file: Some(file),
            dir: Some(dir),
        },
    )
}

/// Runs a race on PostgreSQL on a multi-threaded runtime of its own, over a
/// new pool to the database `#[sqlx::test]` made: that test's runtime is
/// current-thread, and a race needs threads.
pub fn on_postgres<F, Fut>(pool: PgPool, scenario: F)
where
    F: FnOnce(Arc<dyn Store>, TestDb) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let options = (*pool.connect_options()).clone();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async move {
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(16)
                    .connect_with(options)
                    .await
                    .expect("connect");
                let (store, db) = postgres(pool.clone()).await;
                scenario(store, db).await;
                pool.close().await;
            });
    })
    .join()
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

/// Generates, for each generic scenario `async fn name(Arc<dyn Store>,
/// TestDb)`, one `#[sqlx::test]` on SQLite and one on PostgreSQL, each on
/// a fresh database the store migrates itself.
#[macro_export]
macro_rules! on_both_databases {
    ($($scenario:ident => $sqlite:ident, $postgres:ident;)*) => {
        $(
            #[sqlx::test(migrations = false)]
            async fn $sqlite(pool: sqlx::SqlitePool) {
                let (store, db) = common::sqlite(pool).await;
                $scenario(store, db).await;
            }

            #[sqlx::test(migrations = false)]
            async fn $postgres(pool: sqlx::PgPool) {
                let (store, db) = common::postgres(pool).await;
                $scenario(store, db).await;
            }
        )*
    };
}

/// Staff.
pub fn agent(name: &str) -> StaffMember {
    StaffMember {
        username: name.to_owned(),
        role: Role::Agent,
    }
}

/// Staff who may approve.
pub fn supervisor(name: &str) -> StaffMember {
    StaffMember {
        username: name.to_owned(),
        role: Role::Supervisor,
    }
}

/// A well-formed resident ID number (Beijing, born 1985-06-12), distinct
/// per `seed` below 1000, with its ISO 7064 MOD 11-2 check character.
pub fn resident_id(seed: u32) -> String {
    let first17 = format!("110105198506{:02}{:03}", 10 + seed / 1000 % 18, seed % 1000);
    let check = carddesk_domain::id_number::check_character(&first17).expect("17 digits");
    let id = format!("{first17}{check}");
    IdDocument::resident_id(&id).expect("the fixture's ID numbers are valid");
    id
}

/// A 16-digit card number in the bank's BIN with a valid Luhn digit.
pub fn card_number(seed: u32) -> String {
    let payload = format!("622848{:09}", 100_000_000 + seed);
    let check = carddesk_domain::luhn::check_digit(&payload).expect("digits");
    let pan = format!("{payload}{check}");
    CardNumber::parse(&pan).expect("the fixture's card numbers are valid");
    pan
}

/// A mainland mobile number in E.164 form.
pub fn phone(seed: u32) -> String {
    format!("+86139{:08}", 10_000_000 + seed)
}

/// Every fixture card's transaction password.
pub const PASSWORD: &str = "864213";
/// A wrong one.
pub const WRONG_PASSWORD: &str = "864231";

/// An enrolled card.
#[derive(Debug, Clone)]
pub struct EnrolledCard {
    /// Its id.
    pub id: CardId,
    /// Its full number, in clear (only the test knows it).
    pub number: String,
}

/// An enrolled customer and what only they know.
#[derive(Debug, Clone)]
pub struct Person {
    /// Id.
    pub id: CustomerId,
    /// Resident ID number in clear.
    pub id_number: String,
    /// E.164 phone.
    pub phone: String,
    /// Transaction password of every card.
    pub password: String,
    /// Language of instructions.
    pub language: String,
    /// Cards, in the order asked.
    pub cards: Vec<EnrolledCard>,
}

impl Person {
    /// The card at `i`.
    pub fn card(&self, i: usize) -> CardId {
        self.cards[i].id
    }

    /// The right credentials.
    pub fn right(&self) -> CredentialUpload {
        upload(&self.id_number, &self.password)
    }

    /// The right ID number, a wrong password.
    pub fn wrong_password(&self) -> CredentialUpload {
        upload(&self.id_number, WRONG_PASSWORD)
    }

    /// A wrong (but well-formed) ID number, the right password.
    pub fn wrong_id(&self) -> CredentialUpload {
        upload(&resident_id(999), &self.password)
    }
}

/// An upload of a resident ID number and a password.
pub fn upload(id_number: &str, password: &str) -> CredentialUpload {
    CredentialUpload {
        id_document: Some(IdDocument::resident_id(id_number).expect("well-formed ID")),
        transaction_password: Some(SecretString::from(password.to_owned())),
    }
}

/// A card status frozen for `reason` a day before the tests' start.
pub fn frozen(reason: FreezeReason) -> CardStatus {
    CardStatus::Frozen {
        reason,
        since: start() - Duration::days(1),
    }
}

/// Enrols a customer (`seed` below 999 makes the ID, phone and card
/// numbers) with cards in the given statuses, through the protected
/// records and one store transaction.
pub async fn enrol(
    store: &dyn Store,
    keys: &Keyring,
    seed: u32,
    language: &str,
    statuses: &[CardStatus],
) -> Person {
    let id_number = resident_id(seed);
    let document = IdDocument::resident_id(&id_number).expect("valid ID");
    let phone_number = PhoneNumber::parse(&phone(seed)).expect("valid phone");
    // One hash for all of the customer's cards (they share the password):
    // Argon2id is the slow part of a fixture.
    let password_hash = passwords::hash(&SecretString::from(PASSWORD.to_owned()));
    let mut tx = store.begin().await.expect("begin");
    let customer = customer_record(
        keys,
        &format!("Customer {seed}"),
        &document,
        &phone_number,
        language,
    );
    let id = tx
        .insert_customer(&customer)
        .await
        .expect("insert customer");
    let mut cards = Vec::new();
    for (i, status) in statuses.iter().enumerate() {
        let number = card_number(seed * 10 + u32::try_from(i).expect("few cards"));
        let pan = CardNumber::parse(&number).expect("valid PAN");
        let record = card_record(
            keys,
            id,
            &pan,
            password_hash.clone(),
            "Great Wall Debit",
            *status,
        );
        let card_id = tx.insert_card(&record).await.expect("insert card");
        cards.push(EnrolledCard {
            id: card_id,
            number,
        });
    }
    tx.commit().await.expect("commit enrolment");
    Person {
        id,
        id_number,
        phone: phone_number.as_str().to_owned(),
        password: PASSWORD.to_owned(),
        language: language.to_owned(),
        cards,
    }
}

/// When every test's clock starts.
pub fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-03-03T09:30:00.123456Z")
        .expect("valid time")
        .with_timezone(&Utc)
}

/// A processor over a test store, on a manual clock.
#[derive(Debug, Clone)]
pub struct Desk {
    /// The processor.
    pub processor: Processor,
    /// The store under it.
    pub store: Arc<dyn Store>,
    /// Its keyring.
    pub keys: Arc<Keyring>,
    /// Its clock.
    pub clock: Arc<ManualClock>,
}

impl Desk {
    /// A processor over `store` with the test's keyring and a clock at
    /// [`start`].
    pub async fn new(store: Arc<dyn Store>, db: &TestDb) -> Self {
        let clock = Arc::new(ManualClock::new(start()));
        let processor = Processor::new(
            store.clone(),
            db.keys.clone(),
            ProcessorConfig::default(),
            clock.clone(),
        )
        .await
        .expect("processor starts");
        Self {
            processor,
            store,
            keys: db.keys.clone(),
            clock,
        }
    }

    /// Enrols a customer (see [`enrol`]).
    pub async fn enrol(&self, seed: u32, language: &str, statuses: &[CardStatus]) -> Person {
        enrol(self.store.as_ref(), &self.keys, seed, language, statuses).await
    }

    /// Moves the clock on.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Marks, packages and instructs (by text) a case for `card`; returns
    /// the case and the one-time code the customer received.
    pub async fn instructed(&self, staff: &StaffMember, card: CardId) -> (CaseId, String) {
        let p = &self.processor;
        let case = p.mark(staff, card, CONSOLE).await.expect("mark").id;
        p.package(staff, case, CONSOLE).await.expect("package");
        p.instruct(staff, case, TEXT, CONSOLE)
            .await
            .expect("instruct");
        (case, self.code_for(case).await)
    }

    /// Takes a case for `card` up to the challenge; returns the case and
    /// the customer's session.
    pub async fn challenged(&self, staff: &StaffMember, card: CardId) -> (CaseId, SecretString) {
        let (case, code) = self.instructed(staff, card).await;
        let session = self
            .processor
            .request_unfreeze(&code, PHONE)
            .await
            .expect("request");
        assert_eq!(session.case_id, case);
        self.processor
            .challenge(&session.token, PHONE)
            .await
            .expect("challenge");
        (case, session.token)
    }

    /// The one-time code of `case`, read out of its latest text message.
    pub async fn code_for(&self, case: CaseId) -> String {
        let outbox = self.processor.local_outbox(10_000).await.expect("outbox");
        let text = outbox
            .iter()
            .rfind(|m| m.case_id == case && m.channel == OutboxChannel::Text)
            .expect("a text message for the case");
        parse_code(&text.body).expect("the text message carries a code")
    }

    /// The case's audit actions, in order.
    pub async fn actions(&self, case: CaseId) -> Vec<String> {
        self.processor
            .timeline(case)
            .await
            .expect("timeline")
            .into_iter()
            .map(|r| r.entry.action)
            .collect()
    }

    /// The card's status.
    pub async fn card_status(&self, card: CardId) -> CardStatus {
        self.store
            .card(card)
            .await
            .expect("read card")
            .expect("card exists")
            .status
    }
}

/// Text only.
pub const TEXT: Channels = Channels {
    text: true,
    voice: false,
};

/// Both channels.
pub const TEXT_AND_VOICE: Channels = Channels {
    text: true,
    voice: true,
};

const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The `XXXXX-XXXXX` code in a message; every occurrence must agree.
pub fn parse_code(body: &str) -> Option<String> {
    let found: Vec<&[u8]> = body
        .as_bytes()
        .windows(11)
        .filter(|w| {
            w.iter().enumerate().all(|(i, b)| {
                if i == 5 {
                    *b == b'-'
                } else {
                    CODE_ALPHABET.contains(b)
                }
            })
        })
        .collect();
    let first = *found.first()?;
    assert!(
        found.iter().all(|w| *w == first),
        "one code per message: {body}"
    );
    Some(String::from_utf8(first.to_vec()).expect("ASCII"))
}

/// The code as a voice prompt says it: one character at a time.
pub fn spelled(code: &str) -> String {
    code.chars()
        .filter(|c| *c != '-')
        .map(String::from)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every event waiting on a receiver.
pub async fn drain(rx: &mut broadcast::Receiver<Event>) -> Vec<Event> {
    // On PostgreSQL events make a round trip through NOTIFY/LISTEN, so they
    // arrive a moment after the call returns: collect until a quiet spell.
    let mut events = Vec::new();
    loop {
        match tokio::time::timeout(std::time::Duration::from_millis(300), rx.recv()).await {
            Ok(Ok(event)) => events.push(event),
            Ok(Err(broadcast::error::RecvError::Lagged(n))) => panic!("watcher lagged by {n}"),
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => return events,
        }
    }
}

/// The error of a result that must have failed.
#[track_caller]
pub fn err<T: std::fmt::Debug>(result: Result<T, ProcessorError>) -> ProcessorError {
    match result {
        Ok(v) => panic!("expected an error, got Ok({v:?})"),
        Err(e) => e,
    }
}

/// A `MakeWriter` for `tracing_subscriber::fmt` that keeps everything
/// written in memory.
#[derive(Debug, Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    /// What was logged so far.
    pub fn contents(&self) -> Vec<u8> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
