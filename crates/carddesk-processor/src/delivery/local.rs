//! Demo mode: the local outbox adapter.
//!
//! In the offline demo nothing leaves the machine: the console's customer
//! phone reads the outbox itself ([`crate::Processor::local_outbox`]). This
//! adapter delivers nothing and reports success, so the worker marks each
//! message sent `via local` and the demo shows the same delivery states a
//! bank would see.

use async_trait::async_trait;

use super::{Adapter, DeliveryError, Outgoing};

/// Leaves messages where they are and calls them delivered.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalOutbox;

#[async_trait]
impl Adapter for LocalOutbox {
    fn name(&self) -> &'static str {
        "local"
    }

    fn max_duration(&self) -> std::time::Duration {
        std::time::Duration::from_secs(1)
    }

    async fn deliver(&self, _message: &Outgoing) -> Result<(), DeliveryError> {
        Ok(())
    }
}
