//! One scenario, two desks: `conformance!` makes an in-process test on
//! SQLite and an HTTP test on PostgreSQL of each.

use std::time::Duration;

use carddesk_domain::{CardStatus, Role};
use carddesk_wire::{Desk, DeskEvent, DeskResult, EventStream, SignInRequest, Token};
use futures::StreamExt;
use secrecy::SecretString;

use crate::common::{self, Person, STAFF_PASSWORD, TestApp};

/// Where the customer's phone calls from.
pub const PHONE_ORIGIN: &str = "198.51.100.23";

/// A scenario's world: the server and processor behind it, and the desk
/// under test.
pub struct Bench {
    pub app: TestApp,
    pub desk: Box<dyn Desk>,
}

impl Bench {
    /// The in-process desk over the app's own processor.
    pub async fn local(app: TestApp) -> Self {
        let desk = carddesk_processor::desk::LocalDesk::new(app.processor.clone());
        Self {
            app,
            desk: Box::new(desk),
        }
    }

    /// The HTTP client against the app's server.
    pub async fn http(app: TestApp) -> Self {
        let desk = carddesk_client::HttpDesk::new(carddesk_client::ClientConfig::new(
            app.base.parse().expect("base URL"),
        ))
        .expect("client builds");
        Self {
            app,
            desk: Box::new(desk),
        }
    }

    /// Adds a member of staff and signs them in through the desk.
    pub async fn staff(&self, username: &str, role: Role) -> Token {
        self.app.add_staff(username, role).await;
        self.sign_in(username).await.expect("sign-in")
    }

    /// Signs in through the desk with the fixtures' password.
    pub async fn sign_in(&self, username: &str) -> DeskResult<Token> {
        self.desk
            .sign_in(&SignInRequest {
                username: username.to_owned(),
                password: SecretString::from(STAFF_PASSWORD.to_owned()),
            })
            .await
            .map(|signed| signed.token)
    }

    /// Enrols a customer with cards in `statuses`.
    pub async fn customer(&self, seed: u32, statuses: &[CardStatus]) -> Person {
        self.app.enrol(seed, statuses).await
    }

    /// The customer opens the case's latest code, is challenged and
    /// uploads the right details.
    pub async fn customer_verifies(&self, person: &Person, case: i64) {
        let code = self.app.code_for(case).await;
        let p = &self.app.processor;
        let session = p
            .request_unfreeze(&code, PHONE_ORIGIN)
            .await
            .expect("the code opens");
        p.challenge(&session.token, PHONE_ORIGIN)
            .await
            .expect("challenge");
        p.verify(
            &session.token,
            carddesk_processor::CredentialUpload {
                id_document: Some(
                    carddesk_domain::customer::IdDocument::resident_id(&person.id_number)
                        .expect("valid ID"),
                ),
                transaction_password: Some(SecretString::from(common::PASSWORD.to_owned())),
            },
            PHONE_ORIGIN,
        )
        .await
        .expect("verified");
    }

    /// The audit entries' `(actor, action, outcome)` about `object`.
    pub async fn audit_of(&self, object: &str) -> Vec<(String, String, String)> {
        self.app
            .store
            .audit_entries(Some(object), 0, 1_000)
            .await
            .expect("audit")
            .into_iter()
            .map(|r| {
                (
                    r.entry.actor,
                    r.entry.action,
                    r.entry.outcome.as_str().to_owned(),
                )
            })
            .collect()
    }
}

/// Waits for the next event the stream gives that `wanted` accepts.
pub async fn next_matching(
    events: &mut EventStream,
    wanted: impl Fn(&DeskEvent) -> bool,
) -> DeskEvent {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let event = events.next().await.expect("the stream goes on");
            if wanted(&event) {
                return event;
            }
        }
    })
    .await
    .expect("the event arrives within 10 s")
}

/// The code a wrong-PIN freeze gives.
pub fn wrong_pin() -> CardStatus {
    common::frozen(carddesk_domain::FreezeReason::WrongPinLimit)
}

/// Generates, for each scenario `async fn name(&Bench)`, a test through
/// the in-process desk on SQLite and one through the HTTP client on
/// PostgreSQL.
#[macro_export]
macro_rules! conformance {
    ($($scenario:ident => $local:ident, $http:ident;)*) => {
        $(
            #[sqlx::test(migrations = false)]
            async fn $local(pool: sqlx::SqlitePool) {
                let (store, keys, raw) = $crate::common::sqlite(pool).await;
                let app = $crate::common::spawn_app(store, keys, raw).await;
                let bench = $crate::desk::harness::Bench::local(app).await;
                $scenario(&bench).await;
                bench.app.stop().await;
            }

            #[sqlx::test(migrations = false)]
            async fn $http(pool: sqlx::PgPool) {
                let (store, keys, raw) = $crate::common::postgres(pool).await;
                let app = $crate::common::spawn_app(store, keys, raw).await;
                let bench = $crate::desk::harness::Bench::http(app).await;
                $scenario(&bench).await;
                bench.app.stop().await;
            }
        )*
    };
}
