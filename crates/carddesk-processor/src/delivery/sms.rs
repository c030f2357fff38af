//! Text: the SMS gateway adapter.
//!
//! Posts one JSON object per message to the configured endpoint,
//!
//! ```json
//! {"message_id": 12, "idempotency_key": "…", "to": "+8613900000001",
//!  "language": "zh-CN", "body": "…"}
//! ```
//!
//! with the headers `Idempotency-Key`, `X-CardDesk-Timestamp` and
//! `X-CardDesk-Signature` (see [`super::signature`]). The body is the text
//! message as the processor wrote it, in the customer's language, with the
//! case's code and link.

use async_trait::async_trait;
use secrecy::ExposeSecret;
use serde::Serialize;

use super::http::{self, GatewayConfig};
use super::{Adapter, DeliveryError, Outgoing};
use crate::ProcessorError;

/// The SMS gateway.
#[derive(Debug, Clone)]
pub struct SmsGateway {
    gateway: GatewayConfig,
    client: reqwest::Client,
}

#[derive(Serialize)]
struct SmsRequest<'a> {
    message_id: i64,
    idempotency_key: &'a str,
    to: &'a str,
    language: &'a str,
    body: &'a str,
}

impl SmsGateway {
    /// The gateway at `gateway.url`. Fails on a URL that does not parse or
    /// an empty secret.
    pub fn new(gateway: GatewayConfig) -> Result<Self, ProcessorError> {
        Ok(Self {
            client: http::client(&gateway)?,
            gateway,
        })
    }
}

#[async_trait]
impl Adapter for SmsGateway {
    fn name(&self) -> &'static str {
        "sms-gateway"
    }

    fn max_duration(&self) -> std::time::Duration {
        self.gateway.timeout
    }

    async fn deliver(&self, message: &Outgoing) -> Result<(), DeliveryError> {
        let body = serde_json::to_vec(&SmsRequest {
            message_id: message.outbox_id,
            idempotency_key: &message.idempotency_key,
            to: &message.recipient,
            language: &message.language,
            body: message.body.expose_secret(),
        })
        .map_err(|_| DeliveryError::rejected("encode"))?;
        http::post_signed(&self.client, &self.gateway, &message.idempotency_key, body).await
    }
}
