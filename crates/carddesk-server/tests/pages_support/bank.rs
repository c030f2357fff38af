//! The bank the pages run on: a server on 127.0.0.1:0 over a fresh SQLite
//! file, customers and frozen cards enrolled through the protected records,
//! and cases taken through the processor up to the text message.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use carddesk_domain::card::CardNumber;
use carddesk_domain::case::CaseId;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{CardId, CardStatus, FreezeReason, Role, StaffMember};
use carddesk_processor::enrol::{card_record, customer_record};
use carddesk_processor::{Channels, Keyring, ManualClock, Processor, ProcessorConfig, passwords};
use carddesk_server::AppState;
use carddesk_store::{OutboxChannel, SqliteStore, Store};
use chrono::{Duration, Utc};
use secrecy::SecretString;
use tokio::sync::oneshot;

use super::PASSWORD;

/// A running server over its own database.
#[derive(Debug)]
pub struct Bank {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The processor the server runs.
    pub processor: Processor,
    /// The store under it.
    pub store: Arc<dyn Store>,
    /// Its keyring.
    pub keys: Arc<Keyring>,
    /// Its clock (starts at the wall clock's now).
    pub clock: Arc<ManualClock>,
    stop: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Bank {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A customer with one frozen card, and what only they know.
#[derive(Debug, Clone)]
pub struct Person {
    /// Resident ID number in clear.
    pub id_number: String,
    /// The card.
    pub card: CardId,
    /// Its last four digits.
    pub last_four: String,
}

/// The agent who opens the cases.
pub fn agent() -> StaffMember {
    StaffMember {
        username: "agent.li".to_owned(),
        role: Role::Agent,
    }
}

/// A well-formed resident ID number, distinct per `seed` below 1000.
pub fn resident_id(seed: u32) -> String {
    let first17 = format!("110105198506{:02}{:03}", 10 + seed / 1000 % 18, seed % 1000);
    let check = carddesk_domain::id_number::check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

impl Bank {
    /// The whole application (`carddesk_server::app`) on a fresh database.
    pub async fn start() -> Self {
        Self::start_with(ProcessorConfig::default(), None).await
    }

    /// The application with this configuration; with `router`, that router
    /// instead of the whole application (built from the same state).
    pub async fn start_with(
        mut config: ProcessorConfig,
        router: Option<fn(AppState) -> Router>,
    ) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let keys = Arc::new(Keyring::generate());
        let url = format!("sqlite:{}", dir.path().join("carddesk.db").display());
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(&url, keys.audit_key())
                .await
                .expect("open SQLite"),
        );
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let base = format!("http://{addr}");
        if config.link_base == ProcessorConfig::default().link_base {
            config.link_base = base.clone();
        }
        let processor = Processor::new(store.clone(), keys.clone(), config, clock.clone())
            .await
            .expect("processor starts");
        let state = AppState::new(processor.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        match router {
            None => {
                tokio::spawn(carddesk_server::serve(listener, state, async {
                    let _ = stopped.await;
                }));
            }
            Some(build) => {
                let app = build(state).into_make_service_with_connect_info::<SocketAddr>();
                tokio::spawn(async move {
                    axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await
                });
            }
        }
        Self {
            base,
            processor,
            store,
            keys,
            clock,
            stop: Some(stop),
            _dir: dir,
        }
    }

    /// Enrols customer `seed` with one card frozen for `reason`.
    pub async fn enrol(&self, seed: u32, language: &str, reason: FreezeReason) -> Person {
        let id_number = resident_id(seed);
        let document = IdDocument::resident_id(&id_number).expect("valid ID");
        let phone = PhoneNumber::parse(&format!("+86139{:08}", 10_000_000 + seed)).expect("phone");
        let payload = format!("622848{:09}", 100_000_000 + seed);
        let check = carddesk_domain::luhn::check_digit(&payload).expect("digits");
        let pan = CardNumber::parse(&format!("{payload}{check}")).expect("valid PAN");
        let mut tx = self.store.begin().await.expect("begin");
        let customer = tx
            .insert_customer(&customer_record(
                &self.keys,
                &format!("Customer {seed}"),
                &document,
                &phone,
                language,
            ))
            .await
            .expect("insert customer");
        let status = CardStatus::Frozen {
            reason,
            since: Utc::now() - Duration::days(1),
        };
        let card = tx
            .insert_card(&card_record(
                &self.keys,
                customer,
                &pan,
                passwords::hash(&SecretString::from(PASSWORD.to_owned())),
                "Great Wall Debit",
                status,
            ))
            .await
            .expect("insert card");
        tx.commit().await.expect("commit");
        Person {
            id_number,
            card,
            last_four: pan.last_four().to_owned(),
        }
    }

    /// Marks, packages and instructs (by text) a case for `card`; returns
    /// the case and the one-time code from the text message.
    pub async fn instruct(&self, card: CardId) -> (CaseId, String) {
        let p = &self.processor;
        let staff = agent();
        let case = p.mark(&staff, card, "console:test").await.expect("mark").id;
        p.package(&staff, case, "console:test")
            .await
            .expect("package");
        p.instruct(
            &staff,
            case,
            Channels {
                text: true,
                voice: false,
            },
            "console:test",
        )
        .await
        .expect("instruct");
        let outbox = p.local_outbox(10_000).await.expect("outbox");
        let text = outbox
            .iter()
            .rfind(|m| m.case_id == case && m.channel == OutboxChannel::Text)
            .expect("a text message");
        let code = text
            .body
            .split("/u/")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("the text message carries the link")
            .to_owned();
        (case, code)
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

    /// The case's failed attempts.
    pub async fn failed_attempts(&self, case: CaseId) -> u32 {
        self.processor
            .case(case)
            .await
            .expect("case")
            .failed_attempts
    }
}
