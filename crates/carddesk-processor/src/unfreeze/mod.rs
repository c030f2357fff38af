//! Job 1, remote unfreeze, step by step (CN111724154B): the agent's steps
//! (look up, mark, package, instruct, cancel), the customer's (request,
//! challenge, verify) and the supervisor's (approve, reject).
//!
//! Each step locks the case, asks the domain whether the move is legal,
//! writes the change and its audit entry in one transaction, and only then
//! tells the event stream. A step the rules refuse is audited too, with
//! outcome `refused`, in a transaction of its own.

mod agent;
mod customer;
mod expiry;
mod lifting;
mod preparing;
mod reads;
mod supervisor;
mod verify;

use supervisor::check_not_maker;

use std::future::Future;

use carddesk_domain::card::CardNumber;
use carddesk_domain::case::{CaseError, CaseId, UnfreezeCase};
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{Actor, Card, Credential, Customer, CustomerId, StaffMember};
use carddesk_store::{CaseRecord, OutboxChannel, Outcome, Tx};
use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::desk::access::ensure_case_holder;
use crate::{Event, Processor, ProcessorError, Result, append_audit};

/// How an agent finds a caller.
#[derive(Debug, Clone)]
pub enum CustomerQuery {
    /// By identity document.
    Document(IdDocument),
    /// By the phone number on file.
    Phone(PhoneNumber),
    /// By one of their card numbers.
    CardNumber(CardNumber),
    /// By the bank's customer id.
    Id(CustomerId),
}

/// A customer and their cards, as the agent sees them.
#[derive(Debug, Clone)]
pub struct CustomerCards {
    /// The customer (document masked).
    pub customer: Customer,
    /// Their cards (numbers masked).
    pub cards: Vec<Card>,
}

/// What a customer gets on opening their instructions' code: a session for
/// the rest of the flow (the code itself is spent).
#[derive(Debug)]
pub struct CustomerSession {
    /// The bearer token for the next steps.
    pub token: SecretString,
    /// The case.
    pub case_id: CaseId,
    /// The card's last four digits, for the customer to confirm.
    pub card_last_four: String,
}

/// The authentication request: what the customer must provide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The case.
    pub case_id: CaseId,
    /// The credentials asked for, in order.
    pub credentials: Vec<Credential>,
    /// Which document the ID number belongs to.
    pub document_kind: carddesk_domain::customer::DocumentKind,
    /// Attempts left.
    pub attempts_left: u32,
    /// When the session stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// The card's last four digits.
    pub card_last_four: String,
}

/// What the customer uploads.
#[derive(Debug, Default)]
pub struct CredentialUpload {
    /// The identity document, parsed at the edge.
    pub id_document: Option<IdDocument>,
    /// The transaction password.
    pub transaction_password: Option<SecretString>,
}

/// Whether instructions go out for the first time or again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sending {
    First,
    Again,
}

/// How a successful verification ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyOutcome {
    /// The card is unfrozen.
    Unfrozen,
    /// The credentials matched; a supervisor must approve before the card
    /// is unfrozen.
    AwaitingApproval,
}

/// A queued instruction, opened for the demo's customer phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalInstruction {
    /// Outbox row.
    pub id: i64,
    /// The case.
    pub case_id: CaseId,
    /// Text or voice.
    pub channel: OutboxChannel,
    /// E.164 recipient.
    pub recipient: String,
    /// Language.
    pub language: String,
    /// The message in clear (it carries the one-time code).
    pub body: String,
}

fn case_object(id: CaseId) -> String {
    format!("case:{}", id.0)
}

/// Maps the domain's refusals to what a customer may be told: nothing about
/// the case's inner state beyond expired, locked or no longer open.
fn for_customer(e: ProcessorError) -> ProcessorError {
    match e {
        ProcessorError::Case(CaseError::CodeExpired) => ProcessorError::Expired,
        ProcessorError::Case(CaseError::AttemptsExhausted) => ProcessorError::Locked,
        ProcessorError::Case(_) | ProcessorError::Card(_) => ProcessorError::CaseClosed,
        other => other,
    }
}

/// Errors that are the rules saying no (audited as `refused`), as opposed
/// to failures of the machinery. `NotCompleted` is neither: the step that
/// answers it has committed the application's rejection and its entry.
fn is_refusal(e: &ProcessorError) -> bool {
    matches!(
        e,
        ProcessorError::Case(_)
            | ProcessorError::Card(_)
            | ProcessorError::CaseAlreadyOpen
            | ProcessorError::CodeUsed
            | ProcessorError::CaseClosed
            | ProcessorError::Forbidden
            | ProcessorError::NotCaseHolder
            | ProcessorError::Application(_)
    )
}

impl Processor {
    /// A step that is one domain move and its audit entry; a `checker`'s
    /// step is refused when they also took one of the case's (maker-checker).
    #[allow(clippy::too_many_arguments)] // The audit fields, the move and its name.
    async fn simple_step(
        &self,
        actor: &Actor,
        case_id: CaseId,
        origin: &str,
        attempt: &str,
        done: &str,
        why: &str,
        checker: Option<&StaffMember>,
        apply: impl FnOnce(
            &mut UnfreezeCase,
            DateTime<Utc>,
        ) -> Result<carddesk_domain::case::CaseTransition, CaseError>
        + Send,
    ) -> Result<UnfreezeCase> {
        self.audited(actor, attempt, &case_object(case_id), origin, async {
            let now = self.now();
            let mut tx = self.inner.store.begin().await?;
            let record = lock_case(tx.as_mut(), case_id).await?;
            if let Actor::Staff(staff) = actor {
                ensure_case_holder(staff, &record)?;
            }
            let mut case = record.case;
            apply(&mut case, now)?;
            if let Some(checker) = checker {
                check_not_maker(tx.as_mut(), &case, checker).await?;
            }
            tx.save_case(&case).await?;
            append_audit(
                tx.as_mut(),
                actor,
                now,
                done,
                &case_object(case_id),
                origin,
                Outcome::Success,
                why.chars().take(500).collect(),
            )
            .await?;
            tx.commit().await?;
            self.inner.events.send_all(vec![Event::CaseChanged {
                case_id,
                state: case.state,
            }]);
            Ok(case)
        })
        .await
    }

    /// Runs a step; when the rules refuse it, records the refusal in the
    /// audit log (in a transaction of its own, since the step's was rolled
    /// back) before passing the error on.
    pub(crate) async fn audited<T>(
        &self,
        actor: &Actor,
        action: &str,
        object: &str,
        origin: &str,
        step: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let result = step.await;
        if let Err(e) = &result
            && is_refusal(e)
        {
            self.audit_alone(
                actor,
                action,
                object,
                origin,
                Outcome::Refused,
                e.to_string(),
            )
            .await?;
        }
        result
    }
}

/// Locks a case for a step by `staff`, refusing a case another agent holds.
async fn locked_for(tx: &mut dyn Tx, id: CaseId, staff: &StaffMember) -> Result<UnfreezeCase> {
    Ok(locked_record_for(tx, id, staff).await?.case)
}

/// [`locked_for`], with whose case it is.
async fn locked_record_for(tx: &mut dyn Tx, id: CaseId, staff: &StaffMember) -> Result<CaseRecord> {
    let record = lock_case(tx, id).await?;
    ensure_case_holder(staff, &record)?;
    Ok(record)
}

/// Locks a case, whoever holds it.
async fn lock_case(tx: &mut dyn Tx, id: CaseId) -> Result<CaseRecord> {
    tx.lock_case(id)
        .await?
        .ok_or(ProcessorError::NotFound("case"))
}
