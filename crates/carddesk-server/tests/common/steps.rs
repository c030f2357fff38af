//! Steps of the job over HTTP on a running server: staff signed in,
//! customers enrolled, cases instructed and challenged, and what they left.

use carddesk_domain::case::CaseId;
use carddesk_domain::{Actor, CardId, CardStatus, Role, StaffMember};
use carddesk_processor::passwords;
use carddesk_store::OutboxChannel;
use secrecy::SecretString;

use super::{AuditLine, PASSWORD, Person, STAFF_PASSWORD, TestApp, enrol, parse_code};

impl TestApp {
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
