//! Virtual-card issuance (job 2): the online application, the transit
//! service's routing, the two routes' authentication and the issue.
//!
//! - `transit.rs`: an application is checked, counted against the day's
//!   limits, and routed (`two_card` for an existing customer, the
//!   `video_interview` otherwise), or refused with a stable reason.
//! - `two_card/`: the existing card's number and transaction password
//!   (a failure counts against the customer's allowance over both jobs),
//!   then a one-time code sent to the phone on file for that card.
//! - `uploads.rs` and `media.rs`: the interview's uploads, checked by
//!   content and sealed at rest outside the rows.
//! - `interview.rs`: the agents' queue, claim and verdict;
//!   `overrides.rs` a supervisor's approval or refusal of a pass with an
//!   item unticked.
//! - `issuing.rs`: the card issued in the transaction that authenticates,
//!   shown to the applicant once; `unissuable.rs` what must still hold
//!   then (the proven card, no court order), else the application is
//!   rejected.
//! - `messages.rs`: the texts an applicant gets, in zh-CN and English.
//!
//! The rules are the domain's [`Application`]; the decisions are taken
//! under the application's row lock, so racing requests cannot both pass.

mod ending;
mod interview;
mod issuing;
mod media;
mod messages;
mod overrides;
mod retention;
mod transit;
mod two_card;
mod unissuable;
mod uploads;

use carddesk_domain::application::{Application, ApplicationId, ApplicationState, AuthRoute};
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_store::{ApplicationRecord, Tx};
use chrono::{DateTime, Utc};
use secrecy::SecretString;

pub use interview::{InterviewReview, MediaView};
pub use issuing::{IssuedCard, RevealedCard, serial_permutation};
pub use media::MediaSettings;
pub use messages::reason_text;
pub use retention::{RECENT, RetentionReport};
pub use two_card::CodeSent;

use crate::delivery::DeliveryError;
use crate::keyring::Purpose;
use crate::{Event, Processor, ProcessorError, Result};

/// What an applicant fills in (patent step 1), parsed at the edge.
#[derive(Debug, Clone)]
pub struct ApplicationForm {
    /// Full name.
    pub name: String,
    /// Identity document (resident ID checked with its check digit, or a
    /// passport).
    pub document: IdDocument,
    /// The applicant's phone.
    pub phone: PhoneNumber,
    /// The product applied for (a virtual product's code).
    pub product: String,
    /// `zh-CN` or `en`.
    pub language: String,
    /// Consent to the terms.
    pub consent_terms: bool,
    /// Consent to the interview being recorded.
    pub consent_recording: bool,
}

/// The version of the terms and recording notice the pages show; the
/// consent stored with an application names it.
pub const CONSENT_VERSION: &str = "2026-12-v1";

/// A submitted application, routed.
#[derive(Debug)]
pub struct Submitted {
    /// The application.
    pub application_id: ApplicationId,
    /// The authentication page the applicant goes to.
    pub route: AuthRoute,
    /// The applicant's session token (kept only as a keyed hash).
    pub session: SecretString,
}

/// Why the transit service refuses an application, each with a stable
/// code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The person already has an open application.
    OpenApplication,
    /// The person holds a card under a court-ordered freeze.
    CourtOrderFreeze,
    /// Too many applications by this person today.
    TooManyForPerson,
    /// Too many applications from this address today.
    TooManyFromAddress,
}

impl Refusal {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::OpenApplication => "open_application",
            Refusal::CourtOrderFreeze => "court_order_freeze",
            Refusal::TooManyForPerson => "too_many_applications",
            Refusal::TooManyFromAddress => "too_many_from_address",
        }
    }

    /// What the applicant is told.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::OpenApplication => {
                "you already have an application in progress; finish or withdraw it first"
            }
            Refusal::CourtOrderFreeze => {
                "we cannot take this application online; please visit a branch"
            }
            Refusal::TooManyForPerson | Refusal::TooManyFromAddress => {
                "too many applications today; please try again tomorrow"
            }
        }
    }
}

/// Where an application stands, as its applicant may see it.
#[derive(Debug, Clone)]
pub struct ApplicationStatus {
    /// The application.
    pub application: Application,
    /// The last verdict's reasons (stored names), for a retry or a fail.
    pub verdict_reasons: Vec<String>,
    /// The card, once issued.
    pub card: Option<IssuedCard>,
    /// Whether the card's details were shown already.
    pub revealed: bool,
    /// The interview's uploads still missing (all four until the first).
    pub missing_uploads: Vec<carddesk_store::MediaKind>,
    /// While the two-card route waits for its code: the phone on file it
    /// went to, masked (what the applicant may be told).
    pub code_sent_to: Option<String>,
}

pub(crate) fn application_object(id: ApplicationId) -> String {
    format!("application:{}", id.0)
}

pub(crate) async fn lock_application(
    tx: &mut dyn Tx,
    id: ApplicationId,
) -> Result<ApplicationRecord> {
    tx.lock_application(id)
        .await?
        .ok_or(ProcessorError::NotFound("application"))
}

fn changed(a: &Application) -> Event {
    Event::ApplicationChanged {
        application_id: a.id,
        state: a.state,
        step: a.interview.as_str(),
    }
}

impl Processor {
    /// The application an applicant's session belongs to; any session
    /// that is not one is the same `Unauthenticated`.
    pub(crate) async fn application_by_session(
        &self,
        session: &SecretString,
    ) -> Result<ApplicationRecord> {
        use secrecy::ExposeSecret;
        let digest = self
            .inner
            .keys
            .digest(Purpose::Session, session.expose_secret().as_bytes());
        self.inner
            .store
            .application_by_session(&digest)
            .await?
            .ok_or(ProcessorError::Unauthenticated)
    }

    /// Whether a token is an applicant's session (for replaying a stored
    /// answer to its own caller only).
    pub async fn applicant_session_exists(&self, session: &SecretString) -> Result<bool> {
        match self.application_by_session(session).await {
            Ok(_) => Ok(true),
            Err(ProcessorError::Unauthenticated) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Where the applicant's application stands.
    pub async fn application_status(&self, session: &SecretString) -> Result<ApplicationStatus> {
        let record = self.application_by_session(session).await?;
        let card = match self
            .inner
            .store
            .virtual_card_of(record.application.id)
            .await?
        {
            Some(v) => Some((self.issued_card(&v).await?, v.revealed_at.is_some())),
            None => None,
        };
        let present: Vec<_> = self
            .inner
            .store
            .application_media(record.application.id)
            .await?
            .into_iter()
            .map(|m| m.kind)
            .collect();
        let missing_uploads = carddesk_store::MediaKind::missing_from(&present);
        let code_sent_to = match record.application.two_card {
            carddesk_domain::application::TwoCardStep::AwaitingCode { card, .. } => {
                self.phone_on_file(card).await?
            }
            carddesk_domain::application::TwoCardStep::AwaitingCard => None,
        };
        Ok(ApplicationStatus {
            missing_uploads,
            code_sent_to,
            verdict_reasons: record.verdict_reasons,
            revealed: card.as_ref().is_some_and(|c| c.1),
            card: card.map(|c| c.0),
            application: record.application,
        })
    }
}

impl Processor {
    /// The masked phone on file of the holder of `card`.
    async fn phone_on_file(&self, card: carddesk_domain::card::CardId) -> Result<Option<String>> {
        let Some(card) = self.inner.store.card(card).await? else {
            return Ok(None);
        };
        Ok(self
            .inner
            .store
            .customer(card.customer_id)
            .await?
            .map(|holder| holder.phone.masked()))
    }
}

/// A text to an applicant in the offline demo's local outbox, opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalApplicantText {
    /// Outbox row.
    pub id: i64,
    /// The application.
    pub application_id: ApplicationId,
    /// E.164 recipient.
    pub recipient: String,
    /// Language.
    pub language: String,
    /// The message in clear (it may carry the two-card code).
    pub body: String,
}

impl Processor {
    /// The texts to applicants in the outbox, oldest first, opened: what
    /// the offline demo's phone shows beside the unfreeze instructions
    /// (a shared server hands them to the SMS gateway instead).
    pub async fn local_applicant_texts(&self, limit: u32) -> Result<Vec<LocalApplicantText>> {
        use carddesk_store::OutboxSubject;
        let mut out = Vec::new();
        for m in self.inner.store.outbox(None, limit).await? {
            let application_id = match m.message.subject {
                OutboxSubject::ApplicationCode(id) | OutboxSubject::ApplicationNotice(id) => id,
                OutboxSubject::Case(_) => continue,
            };
            let body = self
                .inner
                .keys
                .open(Purpose::Instruction, &m.message.body_sealed)?;
            out.push(LocalApplicantText {
                id: m.id,
                application_id,
                recipient: m.message.recipient,
                language: m.message.language,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
        Ok(out)
    }
}

/// Whether a two-card code message is still worth delivering: the
/// application waits for that code and it has not run out.
pub(crate) async fn code_message_live(
    processor: &Processor,
    id: ApplicationId,
) -> Result<std::result::Result<(), DeliveryError>> {
    use carddesk_domain::application::TwoCardStep;
    let Some(record) = processor.store().application(id).await? else {
        return Ok(Err(DeliveryError::rejected("application_missing")));
    };
    let a = record.application;
    Ok(match a.two_card {
        _ if a.state != ApplicationState::Routed => {
            Err(DeliveryError::rejected("application_moved_on"))
        }
        TwoCardStep::AwaitingCode {
            code_expires_at, ..
        } if processor.now() < code_expires_at => Ok(()),
        _ => Err(DeliveryError::rejected("code_expired")),
    })
}

/// The day an instant falls in, as the daily limits count them (UTC).
fn day_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(86_400)
}
