//! The customer's side of the connected walk, as the bank's app would do
//! it: the server's customer API over HTTP (open the code, ask what is
//! needed, upload), with the agent's window checked after each step.

use fantoccini::Client;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::agent::{never_reloaded, timeline_shows};
use super::caller::Caller;
use super::page::{SCREEN_CHANGE, wait_attribute, wait_until};

/// The customer API of a server at `base`.
#[derive(Debug)]
pub struct CustomerApp {
    base: String,
    http: reqwest::Client,
    session: Option<String>,
}

impl CustomerApp {
    /// A customer's app talking to the server at `base`.
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("an HTTP client"),
            session: None,
        }
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let request = match &self.session {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let answer = request.send().await.expect("the server answers");
        let status = answer.status().as_u16();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/customer{path}", self.base)
    }

    /// Opens `code`; the server gives a session for the next steps.
    pub async fn open(&mut self, code: &str) {
        let (status, body) = self
            .call(
                self.http
                    .post(self.url("/unfreeze-requests"))
                    .json(&json!({ "code": code })),
            )
            .await;
        assert_eq!(status, 200, "the code opens the case: {body}");
        self.session = Some(
            body["session_token"]
                .as_str()
                .expect("a customer session")
                .to_owned(),
        );
    }

    /// What the customer is asked for.
    pub async fn challenge(&self) -> Value {
        let (status, body) = self.call(self.http.post(self.url("/challenge"))).await;
        assert_eq!(status, 200, "the challenge: {body}");
        body
    }

    /// Uploads the details; the answer's status and body.
    pub async fn verify(&self, id_number: &str, password: &str) -> (u16, Value) {
        self.call(
            self.http
                .post(self.url("/verification"))
                .json(&json!({ "id_number": id_number, "transaction_password": password })),
        )
        .await
    }
}

/// The customer unfreezes `caller`'s card through the customer API with one
/// wrong attempt first, while the agent's window follows over SSE.
pub async fn customer_unfreezes(client: &Client, base: &str, code: &str, caller: &Caller) {
    let mut app = CustomerApp::new(base);
    app.open(code).await;
    timeline_shows(client, "case.requested", "success").await;

    let challenge = app.challenge().await;
    assert_eq!(
        challenge["credentials"],
        json!(["id_number", "transaction_password"])
    );
    assert_eq!(challenge["attempts_left"], 3);
    timeline_shows(client, "case.challenged", "success").await;
    wait_attribute(
        client,
        "[data-testid=case-state]",
        "data-value",
        "challenged",
    )
    .await;

    let right = caller.password.expose_secret();
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let (status, failure) = app.verify(&caller.id_number, wrong).await;
    assert_eq!(
        failure["code"], "verification_failed",
        "status {status}: {failure}"
    );
    let message = failure["message"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        message.contains('2'),
        "the failure says 2 attempts are left: {message:?}"
    );
    assert!(
        !message.contains("password") && !message.contains("id number"),
        "the failure must not say which detail was wrong: {message:?}"
    );
    timeline_shows(client, "case.verification", "failure").await;
    wait_until(
        client,
        "the agent sees 2 attempts left",
        "return document.querySelector('[data-testid=attempts-left]')?.textContent.includes('2') === true;",
        SCREEN_CHANGE,
    )
    .await;

    let (status, verified) = app.verify(&caller.id_number, right).await;
    assert_eq!(
        (status, verified.clone()),
        (200, json!({ "outcome": "unfrozen" })),
        "{verified}"
    );
    timeline_shows(client, "case.verified", "success").await;
    timeline_shows(client, "card.unfrozen", "success").await;
    wait_attribute(client, "[data-testid=case-state]", "data-value", "unfrozen").await;
    wait_attribute(
        client,
        &format!("[data-testid=card-status-{}]", caller.card_id),
        "data-value",
        "active",
    )
    .await;
    // The search result the agent opened the caller from shows it as well.
    wait_attribute(
        client,
        &format!("[data-testid=search-card-status-{}]", caller.card_id),
        "data-value",
        "active",
    )
    .await;
    assert!(
        never_reloaded(client).await,
        "the agent's window changed live, without a reload"
    );
}
