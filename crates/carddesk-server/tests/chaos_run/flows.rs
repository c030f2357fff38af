//! The load: agents send remote unfreezes (mark, package and send in one
//! go, as the console does with the caller on the line) and customers
//! follow their text messages to the end, through a server that keeps
//! being killed. A flow whose answer was lost with the server goes on as a
//! person would: the agent finds the card's case in the customer view; a
//! customer whose code or session was spent by a lost answer calls back,
//! and the agent cancels that case and sends a new one.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::calls::{Answer, Caller, Retries};
use super::gateway::Received;
use crate::common::parse_code;

/// A customer of the run: their card and what only they know.
#[derive(Debug, Clone)]
pub struct Customer {
    pub number: u32,
    pub customer_id: i64,
    pub card_id: i64,
    pub phone: String,
    pub credentials: Value,
}

/// What the flows share.
#[derive(Debug)]
pub struct Load {
    pub agents: Vec<Caller>,
    pub received: Arc<Received>,
    pub deadline: Instant,
    pub retries: Retries,
    /// Flows that ended with the card unfrozen.
    pub unfrozen: AtomicU64,
    /// Cases the agent cancelled and sent again after a lost answer.
    pub sent_again: AtomicU64,
    /// Cases found open but not ready for the customer (marked or
    /// packaged): a half-done "send in one go". Must stay 0.
    pub half_moved: AtomicU64,
    /// Flows finished, unfrozen or not.
    pub finished: AtomicU64,
}

/// How many times a customer calls back before the flow counts as failed.
const CALLS_BACK: usize = 4;

impl Load {
    /// One customer's remote unfreeze, start to end; `Err` says why it
    /// could not finish.
    pub async fn flow(&self, customer: &Customer, agent: usize) -> Result<(), String> {
        let agent = &self.agents[agent % self.agents.len()];
        let mut case = self.send(agent, customer).await?;
        let mut tried = Vec::new();
        for _ in 0..CALLS_BACK {
            let code = self.next_code(customer, &tried).await?;
            tried.push(code.clone());
            if self.customer_steps(customer, &code).await?
                || self.card_active(agent, customer).await?
            {
                self.unfrozen.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            // The customer calls back: the agent cancels and sends anew.
            let path = format!("/api/agent/cases/{case}/cancel");
            let reason = json!({ "reason": "customer called back: the code did not work" });
            let cancelled = agent
                .call(
                    Method::POST,
                    &path,
                    Some(&reason),
                    self.deadline,
                    &self.retries,
                )
                .await;
            if !cancelled.ok() && self.card_active(agent, customer).await? {
                self.unfrozen.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            self.sent_again.fetch_add(1, Ordering::Relaxed);
            case = self.send(agent, customer).await?;
        }
        Err(format!(
            "customer {} called back {CALLS_BACK} times",
            customer.number
        ))
    }

    /// The first code in the customer's messages not tried yet (a message
    /// can arrive twice: delivery is at least once), waiting for it.
    async fn next_code(&self, customer: &Customer, tried: &[String]) -> Result<String, String> {
        for n in 0.. {
            let body = self
                .received
                .nth_message(&customer.phone, n, self.wait_left())
                .await
                .ok_or_else(|| format!("customer {} got no new text message", customer.number))?;
            let code = parse_code(&body).ok_or("a text message without a code")?;
            if !tried.contains(&code) {
                return Ok(code);
            }
        }
        unreachable!("the loop returns")
    }

    fn wait_left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// The agent's "send unfreeze": the case id, from the answer or, when
    /// the answer was lost and the retry refused, from the customer view.
    async fn send(&self, agent: &Caller, customer: &Customer) -> Result<i64, String> {
        let path = format!("/api/agent/cards/{}/remote-unfreeze", customer.card_id);
        let body = json!({ "text": true, "voice": false });
        let sent = agent
            .call(
                Method::POST,
                &path,
                Some(&body),
                self.deadline,
                &self.retries,
            )
            .await;
        if sent.ok() {
            return sent.body["id"]
                .as_i64()
                .ok_or_else(|| "a case without an id".to_owned());
        }
        let view = self.view(agent, customer).await?;
        let open = view.body["open_cases"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["card_id"] == customer.card_id)
            .ok_or_else(|| {
                format!(
                    "send refused ({}) and no open case: {}",
                    sent.status, sent.body
                )
            })?;
        if open["state"] == "marked" || open["state"] == "packaged" {
            self.half_moved.fetch_add(1, Ordering::Relaxed);
        }
        open["id"]
            .as_i64()
            .ok_or_else(|| "a case without an id".to_owned())
    }

    async fn view(&self, agent: &Caller, customer: &Customer) -> Result<Answer, String> {
        let path = format!("/api/agent/customers/{}", customer.customer_id);
        let view = agent
            .call(Method::GET, &path, None, self.deadline, &self.retries)
            .await;
        if view.ok() {
            Ok(view)
        } else {
            Err(format!("customer view: {} {}", view.status, view.body))
        }
    }

    async fn card_active(&self, agent: &Caller, customer: &Customer) -> Result<bool, String> {
        let view = self.view(agent, customer).await?;
        Ok(view.body["customer"]["cards"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["id"] == customer.card_id && c["status"] == "active"))
    }

    /// Open the code, read the challenge, upload the credentials: whether
    /// the upload answered that the card is unfrozen. `Ok(false)` when a
    /// step was refused (its answer lost with a killed server).
    async fn customer_steps(&self, customer: &Customer, code: &str) -> Result<bool, String> {
        let mut phone = Caller {
            token: None,
            forwarded_for: Some(format!(
                "10.{}.{}.{}",
                customer.number / 62_500 % 250,
                customer.number / 250 % 250,
                customer.number % 250 + 1
            )),
            ..self.agents[0].clone()
        };
        let opened = phone
            .call(
                Method::POST,
                "/api/customer/unfreeze-requests",
                Some(&json!({ "code": code })),
                self.deadline,
                &self.retries,
            )
            .await;
        if !opened.ok() {
            return Ok(false);
        }
        phone.token = opened.body["session_token"].as_str().map(str::to_owned);
        let challenge = phone
            .call(
                Method::POST,
                "/api/customer/challenge",
                None,
                self.deadline,
                &self.retries,
            )
            .await;
        if !challenge.ok() {
            return Ok(false);
        }
        let verified = phone
            .call(
                Method::POST,
                "/api/customer/verification",
                Some(&customer.credentials),
                self.deadline,
                &self.retries,
            )
            .await;
        Ok(verified.ok() && verified.body["outcome"] == "unfrozen")
    }
}
