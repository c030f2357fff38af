//! Reads: finding a caller and their cards, a case, its timeline, the audit chain, the demo's local outbox.

use carddesk_domain::case::{CaseId, UnfreezeCase};
use carddesk_domain::{Card, CustomerId};
use carddesk_store::{AuditRecord, ChainReport};
use secrecy::SecretString;

use super::{CustomerCards, CustomerQuery, LocalInstruction, case_object};
use crate::keyring::Purpose;
use crate::{Processor, ProcessorError, Result};

impl Processor {
    /// Finds customers and their cards (step 1: look up).
    pub async fn look_up(&self, query: &CustomerQuery) -> Result<Vec<CustomerCards>> {
        let customers = match query {
            CustomerQuery::Document(doc) => {
                let digest = self
                    .inner
                    .keys
                    .digest(Purpose::IdDocument, doc.canonical().as_bytes());
                self.inner
                    .store
                    .customer_by_id_digest(&digest)
                    .await?
                    .into_iter()
                    .collect()
            }
            CustomerQuery::Phone(phone) => {
                self.inner.store.customers_by_phone(phone.as_str()).await?
            }
            CustomerQuery::CardNumber(pan) => {
                let digest = self
                    .inner
                    .keys
                    .digest(Purpose::CardNumber, pan.expose().as_bytes());
                match self.inner.store.card_by_pan_digest(&digest).await? {
                    Some(card) => self
                        .inner
                        .store
                        .customer(card.customer_id)
                        .await?
                        .into_iter()
                        .collect(),
                    None => Vec::new(),
                }
            }
            CustomerQuery::Id(id) => self.inner.store.customer(*id).await?.into_iter().collect(),
        };
        let mut found = Vec::with_capacity(customers.len());
        for customer in customers {
            let cards = self.inner.store.cards_of_customer(customer.id).await?;
            found.push(CustomerCards { customer, cards });
        }
        Ok(found)
    }

    /// A customer's cards.
    pub async fn cards_of(&self, customer: CustomerId) -> Result<Vec<Card>> {
        Ok(self.inner.store.cards_of_customer(customer).await?)
    }

    /// A case as stored.
    pub async fn case(&self, case_id: CaseId) -> Result<UnfreezeCase> {
        Ok(self
            .inner
            .store
            .case(case_id)
            .await?
            .ok_or(ProcessorError::NotFound("case"))?
            .case)
    }

    /// A case's timeline: its audit entries in order.
    pub async fn timeline(&self, case_id: CaseId) -> Result<Vec<AuditRecord>> {
        Ok(self
            .inner
            .store
            .audit_entries(Some(&case_object(case_id)), 0, 1_000)
            .await?)
    }

    /// Walks the audit chain, and checks it against the latest checkpoint
    /// of its head where one is kept (see [`crate::audit_anchor`]).
    pub async fn verify_audit_chain(&self) -> Result<ChainReport> {
        match &self.inner.config.audit_anchor {
            Some(path) => self.verify_audit_anchored(path).await,
            None => Ok(self.inner.store.verify_audit_chain().await?),
        }
    }

    /// The outbox's instructions, opened: what the demo's customer phone
    /// shows. Only the in-process desk offers this; a deployed server hands
    /// the outbox to the gateways instead.
    pub async fn local_outbox(&self, limit: u32) -> Result<Vec<LocalInstruction>> {
        let mut out = Vec::new();
        for m in self.inner.store.outbox(None, limit).await? {
            // The demo's phone plays the unfreeze customer; an applicant's
            // messages are read through the applications' own view.
            let Some(case_id) = m.message.subject.case() else {
                continue;
            };
            let body = self
                .inner
                .keys
                .open(Purpose::Instruction, &m.message.body_sealed)?;
            out.push(LocalInstruction {
                id: m.id,
                case_id,
                channel: m.message.channel,
                recipient: m.message.recipient,
                language: m.message.language,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
        Ok(out)
    }

    /// Whether `session` is a customer's case session this processor gave
    /// out: what a transport checks before it replays a stored answer.
    pub async fn customer_session_exists(&self, session: &SecretString) -> Result<bool> {
        match self.case_by_session(session).await {
            Ok(_) => Ok(true),
            Err(ProcessorError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
