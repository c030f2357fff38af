//! The end-to-end harness: a real `carddesk-server` on a port of its own
//! (127.0.0.1:0) over a fresh database from `#[sqlx::test]`, a processor on
//! a manual clock, a reqwest client, bank fixtures enrolled through the
//! protected records, and snapshots of the raw database to prove that a
//! refused request changed nothing.

#![allow(dead_code)] // Each test binary uses its own part of the harness.

use std::sync::{Arc, Mutex};

use carddesk_domain::card::CardNumber;
use carddesk_domain::case::CaseId;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{Actor, CardId, CardStatus, CustomerId, FreezeReason, Role, StaffMember};
use carddesk_processor::enrol::{card_record, customer_record};
use carddesk_processor::{Keyring, ManualClock, Processor, ProcessorConfig, passwords};
use carddesk_server::AppState;
use carddesk_store::{OutboxChannel, PgStore, SqliteStore, Store};
use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use secrecy::SecretString;
use serde_json::Value;
use sqlx::{PgPool, SqlitePool};
use tokio::sync::oneshot;

/// The raw pool under the store, for what the interface does not offer.
#[derive(Debug, Clone)]
pub enum RawDb {
    /// SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
}

impl RawDb {
    /// The single text column of every row `sql` returns.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        match self {
            RawDb::Sqlite(pool) => sqlx::query_scalar::<_, String>(sql).fetch_all(pool).await,
            RawDb::Postgres(pool) => sqlx::query_scalar::<_, String>(sql).fetch_all(pool).await,
        }
        .unwrap_or_else(|e| panic!("raw query {sql:?} failed: {e}"))
    }

    /// `SELECT COUNT(*)` of `sql`'s `FROM …` part.
    pub async fn count(&self, from: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) {from}");
        match self {
            RawDb::Sqlite(pool) => sqlx::query_scalar::<_, i64>(&sql).fetch_one(pool).await,
            RawDb::Postgres(pool) => sqlx::query_scalar::<_, i64>(&sql).fetch_one(pool).await,
        }
        .unwrap_or_else(|e| panic!("raw count {sql:?} failed: {e}"))
    }

    /// Everything a request could change, as comparable text: the row count
    /// of every table and the mutable columns of cases, cards and staff.
    pub async fn snapshot(&self) -> Vec<String> {
        let mut out = Vec::new();
        for table in TABLES {
            out.push(format!(
                "{table}: {} rows",
                self.count(&format!("FROM {table}")).await
            ));
        }
        for (what, sql) in [
            (
                "case",
                "SELECT CAST(id AS TEXT) || ' ' || state || ' ' || CAST(failed_attempts AS TEXT) \
                 || ' ' || CAST(updated_at AS TEXT) || ' ' || COALESCE(CAST(expires_at AS TEXT), '-') \
                 || ' ' || COALESCE(CAST(code_used_at AS TEXT), '-') \
                 || ' ' || CASE WHEN session_digest IS NULL THEN 'no-session' ELSE 'session' END \
                 FROM unfreeze_cases ORDER BY id",
            ),
            (
                "card",
                "SELECT CAST(id AS TEXT) || ' ' || status || ' ' || COALESCE(freeze_reason, '-') \
                 || ' ' || COALESCE(CAST(frozen_since AS TEXT), '-') FROM cards ORDER BY id",
            ),
            (
                "staff",
                "SELECT username || ' ' || CAST(failed_signins AS TEXT) || ' ' \
                 || COALESCE(CAST(locked_until AS TEXT), '-') FROM staff_users ORDER BY username",
            ),
            (
                "session",
                "SELECT username || ' ' || COALESCE(CAST(revoked_at AS TEXT), '-') \
                 FROM staff_sessions ORDER BY username, created_at",
            ),
        ] {
            out.extend(
                self.texts(sql)
                    .await
                    .into_iter()
                    .map(|row| format!("{what}: {row}")),
            );
        }
        out
    }

    /// [`RawDb::snapshot`] without the audit log's row count: for requests
    /// whose only trace must be their audit entries (read with
    /// [`TestApp::audit_after`]).
    pub async fn snapshot_but_audit(&self) -> Vec<String> {
        let mut out = self.snapshot().await;
        out.retain(|line| !line.starts_with("audit_log: "));
        out
    }
}

/// An audit entry's `(actor, action, object, outcome)`.
pub type AuditLine = (String, String, String, String);

/// Every table of the schema.
pub const TABLES: [&str; 17] = [
    "customers",
    "cards",
    "card_transitions",
    "policy_rules",
    "unfreeze_cases",
    "packages",
    "outbox",
    "credential_failures",
    "audit_log",
    "staff_users",
    "staff_sessions",
    "idempotency_keys",
    "applications",
    "application_quota",
    "product_serials",
    "virtual_cards",
    "application_media",
];

/// A store over the pool `#[sqlx::test]` gave (SQLite).
pub async fn sqlite(pool: SqlitePool) -> (Arc<dyn Store>, Arc<Keyring>, RawDb) {
    let keys = Arc::new(Keyring::generate());
    let store = SqliteStore::from_pool(pool, keys.audit_key())
        .await
        .expect("SQLite migrations apply");
    let raw = RawDb::Sqlite(store.pool().clone());
    (Arc::new(store), keys, raw)
}

/// A store over the pool `#[sqlx::test]` gave (PostgreSQL).
pub async fn postgres(pool: PgPool) -> (Arc<dyn Store>, Arc<Keyring>, RawDb) {
    let keys = Arc::new(Keyring::generate());
    let store = PgStore::from_pool(pool, keys.audit_key())
        .await
        .expect("PostgreSQL migrations apply");
    let raw = RawDb::Postgres(store.pool().clone());
    (Arc::new(store), keys, raw)
}

/// Generates, for each scenario `async fn name(TestApp)`, one
/// `#[sqlx::test]` on SQLite and one on PostgreSQL, each with a server
/// spawned over a fresh database.
#[macro_export]
macro_rules! on_both_databases {
    ($($scenario:ident => $sqlite:ident, $postgres:ident;)*) => {
        $(
            #[sqlx::test(migrations = false)]
            async fn $sqlite(pool: sqlx::SqlitePool) {
                let (store, keys, raw) = common::sqlite(pool).await;
                let app = common::spawn_app(store, keys, raw).await;
                $scenario(&app).await;
                app.stop().await;
            }

            #[sqlx::test(migrations = false)]
            async fn $postgres(pool: sqlx::PgPool) {
                let (store, keys, raw) = common::postgres(pool).await;
                let app = common::spawn_app(store, keys, raw).await;
                $scenario(&app).await;
                app.stop().await;
            }
        )*
    };
}

/// When every test's clock starts.
pub fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-03-03T09:30:00.123456Z")
        .expect("valid time")
        .with_timezone(&Utc)
}

/// A running server and what stands behind it.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The HTTP client.
    pub client: reqwest::Client,
    /// The processor the server runs (for setting up and reading outboxes).
    pub processor: Processor,
    /// The store.
    pub store: Arc<dyn Store>,
    /// The keyring.
    pub keys: Arc<Keyring>,
    /// The clock the processor reads.
    pub clock: Arc<ManualClock>,
    /// The raw pool.
    pub raw: RawDb,
    shutdown: Mutex<Option<oneshot::Sender<()>>>,
    server: Mutex<Option<tokio::task::JoinHandle<std::io::Result<()>>>>,
}

/// Builds the processor on a manual clock, binds 127.0.0.1:0 and runs
/// `carddesk_server::serve` in a task.
pub async fn spawn_app(store: Arc<dyn Store>, keys: Arc<Keyring>, raw: RawDb) -> TestApp {
    spawn_app_with(
        store,
        keys,
        raw,
        carddesk_server::overload::Limits::default(),
    )
    .await
}

/// [`spawn_app`] under `limits` on work.
pub async fn spawn_app_with(
    store: Arc<dyn Store>,
    keys: Arc<Keyring>,
    raw: RawDb,
    limits: carddesk_server::overload::Limits,
) -> TestApp {
    let clock = Arc::new(ManualClock::new(start()));
    let processor = Processor::new(
        store.clone(),
        keys.clone(),
        ProcessorConfig::default(),
        clock.clone(),
    )
    .await
    .expect("processor starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a port");
    let addr = listener.local_addr().expect("local address");
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(carddesk_server::serve(
        listener,
        // Every test customer calls from 127.0.0.1: exempt it from the
        // per-address limit, as a load generator would be (the limits
        // themselves are tested in customer_limits.rs).
        AppState::new(processor.clone())
            .with_limits(limits)
            .with_customer_limits(carddesk_server::customer::CustomerLimits {
                exempt_loopback: true,
                ..Default::default()
            })
            .with_sign_in_limits(carddesk_server::limits::SignInLimits {
                address_burst: 100_000,
                address_per_minute: 100_000,
            }),
        async move {
            let _ = rx.await;
        },
    ));
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("HTTP client");
    TestApp {
        base: format!("http://{addr}"),
        client,
        processor,
        store,
        keys,
        clock,
        raw,
        shutdown: Mutex::new(Some(tx)),
        server: Mutex::new(Some(server)),
    }
}

/// An answer, read whole.
#[derive(Debug, Clone)]
pub struct Resp {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body's bytes.
    pub body: Vec<u8>,
}

impl Resp {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The start of the body, for failure messages.
    pub fn head(&self) -> String {
        let text = self.text();
        match text.char_indices().nth(400) {
            Some((at, _)) => format!("{}… ({} bytes)", &text[..at], self.body.len()),
            None => text,
        }
    }

    /// Asserts a success status and returns the JSON body.
    #[track_caller]
    pub fn ok(&self) -> Value {
        assert_eq!(
            self.status,
            200,
            "expected 200, got {}: {}",
            self.status,
            self.text()
        );
        self.json()
    }

    /// Asserts the common error shape, exactly `{code, message}`, with this
    /// status and code; returns the message.
    #[track_caller]
    pub fn error(&self, status: u16, code: &str) -> String {
        assert_eq!(
            self.status,
            status,
            "expected {status} {code}, got {}: {}",
            self.status,
            self.head()
        );
        let content_type = self
            .headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            content_type.starts_with("application/json"),
            "an error is JSON, got content type {content_type:?}: {}",
            self.head()
        );
        let json = self.json();
        let object = json
            .as_object()
            .unwrap_or_else(|| panic!("an error is a JSON object: {}", self.head()));
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["code", "message"], "error shape: {}", self.head());
        assert_eq!(json["code"], code, "error code: {}", self.head());
        let message = json["message"]
            .as_str()
            .unwrap_or_else(|| panic!("message is a string: {}", self.head()));
        assert!(!message.is_empty(), "an error explains itself");
        assert!(
            message.len() <= 300 && !message.chars().any(char::is_control),
            "an error message is short and printable: {}",
            self.head()
        );
        message.to_owned()
    }
}

impl TestApp {
    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request and reads the answer.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Resp {
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("read the body").to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    /// A request with an optional bearer token.
    pub fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// GET.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(self.request(Method::GET, path, token)).await
    }

    /// POST with a JSON body.
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.send(self.request(Method::POST, path, token).json(body))
            .await
    }

    /// POST with a JSON body and an `Idempotency-Key`.
    pub async fn post_keyed(
        &self,
        path: &str,
        token: Option<&str>,
        key: &str,
        body: &Value,
    ) -> Resp {
        self.send(
            self.request(Method::POST, path, token)
                .header("Idempotency-Key", key)
                .json(body),
        )
        .await
    }

    /// POST without a body.
    pub async fn post_empty(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(self.request(Method::POST, path, token)).await
    }

    /// Adds a member of staff with [`STAFF_PASSWORD`].
    pub async fn add_staff(&self, username: &str, role: Role) {
        self.processor
            .add_staff(
                &Actor::System,
                StaffMember {
                    username: username.to_owned(),
                    role,
                },
                &format!("{username} (test)"),
                &SecretString::from(STAFF_PASSWORD.to_owned()),
                "test",
            )
            .await
            .expect("add staff");
    }

    /// Signs in over HTTP; returns the bearer token.
    pub async fn sign_in(&self, username: &str) -> String {
        let body = self
            .post(
                "/api/agent/sign-in",
                None,
                &serde_json::json!({ "username": username, "password": STAFF_PASSWORD }),
            )
            .await
            .ok();
        assert_eq!(body["username"], username);
        body["token"].as_str().expect("a token").to_owned()
    }

    /// Adds a member of staff and signs them in.
    pub async fn staff(&self, username: &str, role: Role) -> String {
        self.add_staff(username, role).await;
        self.sign_in(username).await
    }

    /// Enrols a customer (see [`enrol`]), hashing [`PASSWORD`] once.
    pub async fn enrol(&self, seed: u32, statuses: &[CardStatus]) -> Person {
        let hash = passwords::hash(&SecretString::from(PASSWORD.to_owned()));
        enrol(
            self.store.as_ref(),
            &self.keys,
            seed,
            statuses,
            PASSWORD,
            &hash,
        )
        .await
    }

    /// The one-time code of `case`, read out of its latest text message.
    pub async fn code_for(&self, case: i64) -> String {
        let outbox = self.processor.local_outbox(10_000).await.expect("outbox");
        let text = outbox
            .iter()
            .rfind(|m| m.case_id == CaseId(case) && m.channel == OutboxChannel::Text)
            .expect("a text message for the case");
        parse_code(&text.body).expect("the text message carries a code")
    }

    /// Marks, packages and instructs (text) a case for `card` over HTTP;
    /// returns the case id and the customer's one-time code.
    pub async fn instructed(&self, token: &str, card: CardId) -> (i64, String) {
        let case = self
            .post_empty(&format!("/api/agent/cards/{}/cases", card.0), Some(token))
            .await
            .ok();
        let id = case["id"].as_i64().expect("case id");
        self.post_empty(&format!("/api/agent/cases/{id}/package"), Some(token))
            .await
            .ok();
        self.post(
            &format!("/api/agent/cases/{id}/instructions"),
            Some(token),
            &serde_json::json!({ "text": true, "voice": false }),
        )
        .await
        .ok();
        (id, self.code_for(id).await)
    }

    /// Takes a case for `card` up to the challenge over HTTP; returns the
    /// case id and the customer's session token.
    pub async fn challenged(&self, token: &str, card: CardId) -> (i64, String) {
        let (case, code) = self.instructed(token, card).await;
        let opened = self
            .post(
                "/api/customer/unfreeze-requests",
                None,
                &serde_json::json!({ "code": code }),
            )
            .await
            .ok();
        let session = opened["session_token"]
            .as_str()
            .expect("session")
            .to_owned();
        self.post_empty("/api/customer/challenge", Some(&session))
            .await
            .ok();
        (case, session)
    }

    /// The case as stored.
    pub async fn case(&self, id: i64) -> carddesk_store::CaseRecord {
        self.store
            .case(CaseId(id))
            .await
            .expect("read case")
            .expect("case exists")
    }

    /// The card's status as stored.
    pub async fn card_status(&self, card: CardId) -> CardStatus {
        self.store
            .card(card)
            .await
            .expect("read card")
            .expect("card exists")
            .status
    }

    /// The audit log's latest position (0 when empty): the chain numbers
    /// its entries from 1 without gaps.
    pub async fn audit_head(&self) -> i64 {
        self.raw.count("FROM audit_log").await
    }

    /// The audit entries after position `seq`, in order.
    pub async fn audit_after(&self, seq: i64) -> Vec<AuditLine> {
        self.store
            .audit_entries(None, seq, 10_000)
            .await
            .expect("read the audit log")
            .into_iter()
            .map(|r| {
                (
                    r.entry.actor,
                    r.entry.action,
                    r.entry.object,
                    r.entry.outcome.as_str().to_owned(),
                )
            })
            .collect()
    }

    /// Moves the processor's clock on.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(&self) {
        let tx = self.shutdown.lock().expect("lock").take();
        if let Some(tx) = tx {
            let _ = tx.send(());
        }
        let server = self.server.lock().expect("lock").take();
        if let Some(server) = server {
            server
                .await
                .expect("the server task ends")
                .expect("the server shuts down cleanly");
        }
    }
}

/// Every staff fixture's password.
pub const STAFF_PASSWORD: &str = "correct horse battery staple";

/// Every fixture card's transaction password.
pub const PASSWORD: &str = "864213";
/// A wrong one.
pub const WRONG_PASSWORD: &str = "864231";

/// A well-formed resident ID number (Beijing, born 1985-06-1x), distinct
/// per `seed` below 18 000, with its ISO 7064 MOD 11-2 check character.
pub fn resident_id(seed: u32) -> String {
    let first17 = format!("110105198506{:02}{:03}", 10 + seed / 1000 % 18, seed % 1000);
    let check = carddesk_domain::id_number::check_character(&first17).expect("17 digits");
    let id = format!("{first17}{check}");
    IdDocument::resident_id(&id).expect("the fixture's ID numbers are valid");
    id
}

/// A resident ID number with a wrong check character.
pub fn malformed_id(seed: u32) -> String {
    let good = resident_id(seed);
    let last = good.chars().last().expect("18 characters");
    let wrong = if last == '0' { '1' } else { '0' };
    let bad = format!("{}{wrong}", &good[..17]);
    assert!(IdDocument::resident_id(&bad).is_err());
    bad
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

/// A card status frozen for `reason` a day before the tests' start.
pub fn frozen(reason: FreezeReason) -> CardStatus {
    CardStatus::Frozen {
        reason,
        since: start() - Duration::days(1),
    }
}

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
    /// Cards, in the order asked.
    pub cards: Vec<EnrolledCard>,
}

impl Person {
    /// The card at `i`.
    pub fn card(&self, i: usize) -> CardId {
        self.cards[i].id
    }

    /// The right credentials, as the customer API takes them.
    pub fn right(&self) -> Value {
        serde_json::json!({ "id_number": self.id_number, "transaction_password": self.password })
    }

    /// A wrong (but well-formed) ID number, the right password.
    pub fn wrong_id(&self) -> Value {
        serde_json::json!({ "id_number": resident_id(17_999), "transaction_password": self.password })
    }

    /// The right ID number, a wrong password.
    pub fn wrong_password(&self) -> Value {
        serde_json::json!({ "id_number": self.id_number, "transaction_password": WRONG_PASSWORD })
    }
}

/// Enrols a customer (`seed` makes the ID, phone and card numbers) with
/// cards in the given statuses, all with `password`, whose Argon2id hash is
/// `hash` (shared between fixtures: hashing is the slow part).
pub async fn enrol(
    store: &dyn Store,
    keys: &Keyring,
    seed: u32,
    statuses: &[CardStatus],
    password: &str,
    hash: &str,
) -> Person {
    let id_number = resident_id(seed);
    let document = IdDocument::resident_id(&id_number).expect("valid ID");
    let phone_number = PhoneNumber::parse(&phone(seed)).expect("valid phone");
    let mut tx = store.begin().await.expect("begin");
    let customer = customer_record(
        keys,
        &format!("Customer {seed}"),
        &document,
        &phone_number,
        "en",
    );
    let id = tx
        .insert_customer(&customer)
        .await
        .expect("insert customer");
    let mut cards = Vec::new();
    for (i, status) in statuses.iter().enumerate() {
        let number = card_number(seed * 10 + u32::try_from(i).expect("few cards"));
        let pan = CardNumber::parse(&number).expect("valid PAN");
        let record = card_record(keys, id, &pan, hash.to_owned(), "Great Wall Debit", *status);
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
        password: password.to_owned(),
        cards,
    }
}

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

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The audit actions of a case, in order (from the store).
pub async fn actions(app: &TestApp, case: i64) -> Vec<String> {
    app.processor
        .timeline(CaseId(case))
        .await
        .expect("timeline")
        .into_iter()
        .map(|r| r.entry.action)
        .collect()
}

/// A server process of its own over the PostgreSQL database `pool` names
/// (a processor on the system clock, sharing `keys`), its state shaped by
/// `configure`; stopped when the returned guard is dropped, so the test
/// database can be dropped. Several make several servers over one database.
pub async fn server_over(
    pool: &PgPool,
    keys: &Arc<Keyring>,
    configure: impl FnOnce(AppState) -> AppState,
) -> (String, Processor, Running) {
    let store: Arc<dyn Store> = Arc::new(
        PgStore::from_pool(pool.clone(), keys.audit_key())
            .await
            .expect("store"),
    );
    let processor = Processor::new(
        store,
        keys.clone(),
        ProcessorConfig::default(),
        Arc::new(carddesk_processor::SystemClock),
    )
    .await
    .expect("processor");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(carddesk_server::serve(
        listener,
        configure(AppState::new(processor.clone())),
        std::future::pending(),
    ));
    (url, processor, Running(task))
}

/// A running server of [`server_over`], stopped when dropped.
pub struct Running(tokio::task::JoinHandle<std::io::Result<()>>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Opens an unknown code through `url` as a trusted proxy would forward it
/// for `customer`; the status (404 when the limits let it through).
pub async fn open_forwarded(client: &reqwest::Client, url: &str, customer: &str) -> u16 {
    client
        .post(format!("{url}/api/customer/unfreeze-requests"))
        .header("x-forwarded-for", customer)
        .json(&serde_json::json!({ "code": "ZZZZZ-ZZZZZ" }))
        .send()
        .await
        .expect("send")
        .status()
        .as_u16()
}
