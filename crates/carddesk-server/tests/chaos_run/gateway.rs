//! The SMS gateway the server delivers to: an HTTP server in the test
//! that accepts every message and keeps what it received, so the run can
//! show each customer their code and check that every instruction asked
//! for arrived at least once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use serde_json::Value;
use tokio::sync::Notify;

/// What the gateway received.
#[derive(Debug, Default)]
pub struct Received {
    /// Message bodies by recipient, in order of arrival.
    by_phone: Mutex<HashMap<String, Vec<String>>>,
    /// Every delivery: the outbox message id, once per request.
    deliveries: Mutex<Vec<i64>>,
    arrived: Notify,
}

impl Received {
    /// The messages `phone` has received so far.
    pub fn messages(&self, phone: &str) -> Vec<String> {
        lock(&self.by_phone).get(phone).cloned().unwrap_or_default()
    }

    /// Waits for `phone`'s message number `n` (from 0), at most `wait`.
    pub async fn nth_message(
        &self,
        phone: &str,
        n: usize,
        wait: std::time::Duration,
    ) -> Option<String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = self.arrived.notified();
            if let Some(body) = self.messages(phone).get(n) {
                return Some(body.clone());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    /// Every outbox id delivered, with repeats.
    pub fn deliveries(&self) -> Vec<i64> {
        lock(&self.deliveries).clone()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn receive(State(received): State<Arc<Received>>, Json(message): Json<Value>) {
    let (Some(to), Some(body), Some(id)) = (
        message["to"].as_str(),
        message["body"].as_str(),
        message["message_id"].as_i64(),
    ) else {
        panic!("the SMS gateway got a message without to, body or message_id: {message}");
    };
    lock(&received.by_phone)
        .entry(to.to_owned())
        .or_default()
        .push(body.to_owned());
    lock(&received.deliveries).push(id);
    received.arrived.notify_waiters();
}

/// Starts the gateway on 127.0.0.1:0; its URL and what it receives.
pub async fn start() -> (String, Arc<Received>) {
    let received = Arc::new(Received::default());
    let app = axum::Router::new()
        .route("/sms", axum::routing::post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the gateway");
    let url = format!("http://{}/sms", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}
