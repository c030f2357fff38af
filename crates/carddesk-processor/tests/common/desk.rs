//! A processor over a test store on a manual clock, the origins staff and
//! customers act from, the instruction channels, and the steps that take a
//! case up to the customer's side of the flow.

use std::sync::Arc;

use carddesk_domain::case::CaseId;
use carddesk_domain::{CardId, CardStatus, StaffMember};
use carddesk_processor::{Channels, Keyring, ManualClock, Processor, ProcessorConfig};
use carddesk_store::{OutboxChannel, Store};
use chrono::Duration;
use secrecy::SecretString;

use super::messages::parse_code;
use super::people::{Person, enrol};
use super::stores::TestDb;

/// Where staff act from.
pub const CONSOLE: &str = "console:desk-7";
/// Where the customer's phone acts from.
pub const PHONE: &str = "198.51.100.23";

/// When every test's clock starts (the server's tests start at the same
/// time).
pub use carddesk_testkit::start;

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
