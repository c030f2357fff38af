//! What the store keeps of virtual-card applications, and their rows.

use carddesk_domain::CustomerId;
use carddesk_domain::application::{
    Application, ApplicationId, ApplicationState, AuthRoute, InterviewStep, TwoCardStep,
};
use carddesk_domain::card::CardId;
use carddesk_domain::customer::DocumentKind;
use chrono::{DateTime, Utc};

use crate::rows::from_micros;
use crate::{Result, StoreError};

/// Who applied, protected as a customer's identity is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    /// Full name as typed.
    pub name: String,
    /// Document kind.
    pub document_kind: DocumentKind,
    /// The document number masked, for display.
    pub document_masked: String,
    /// Keyed hash of the canonical document.
    pub id_digest: Vec<u8>,
    /// AEAD-sealed canonical document.
    pub id_sealed: Vec<u8>,
    /// The phone typed into the application, E.164 (the two-card route's
    /// code never goes here, only to the phone on file).
    pub phone: String,
    /// `zh-CN` or `en`.
    pub language: String,
}

/// An application to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    /// The application as submitted.
    pub application: Application,
    /// Who applied.
    pub applicant: Applicant,
    /// The client address it came from.
    pub origin: String,
    /// The version of the terms and recording notice consented to.
    pub consent_version: String,
    /// When consent was given.
    pub consent_at: DateTime<Utc>,
    /// Keyed hash of the applicant's session token.
    pub session_digest: Vec<u8>,
}

/// An application as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRecord {
    /// The application.
    pub application: Application,
    /// Who applied.
    pub applicant: Applicant,
    /// Where from.
    pub origin: String,
    /// The consent's text version.
    pub consent_version: String,
    /// When consent was given.
    pub consent_at: DateTime<Utc>,
    /// The last verdict given (`pass`, `fail`, `retry`).
    pub verdict: Option<String>,
    /// Its reasons (stored names).
    pub verdict_reasons: Vec<String>,
    /// The checklist items the last pass ticked (stored names).
    pub verdict_checklist: Vec<String>,
}

/// A card issued virtually.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualCardRecord {
    /// The card (a row of `cards`).
    pub card_id: CardId,
    /// The application that led to it.
    pub application_id: ApplicationId,
    /// Expiry year.
    pub expiry_year: i32,
    /// Expiry month.
    pub expiry_month: u32,
    /// Keyed hash of the security code.
    pub cvc_digest: Vec<u8>,
    /// The route that authenticated the applicant.
    pub route: AuthRoute,
    /// Who decided: the reviewer, the supervisor of an override, or
    /// `system` for the two-card route.
    pub decided_by: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When the customer was shown the number (once).
    pub revealed_at: Option<DateTime<Utc>>,
}

/// What an interview upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MediaKind {
    /// The ID card's front.
    IdFront,
    /// The ID card's back.
    IdBack,
    /// A live selfie.
    Selfie,
    /// The short video.
    Video,
}

impl MediaKind {
    /// Every kind an interview needs.
    pub const ALL: [MediaKind; 4] = [
        MediaKind::IdFront,
        MediaKind::IdBack,
        MediaKind::Selfie,
        MediaKind::Video,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::IdFront => "id_front",
            MediaKind::IdBack => "id_back",
            MediaKind::Selfie => "selfie",
            MediaKind::Video => "video",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kinds an interview still needs, given those uploaded.
    pub fn missing_from(present: &[MediaKind]) -> Vec<MediaKind> {
        Self::ALL
            .into_iter()
            .filter(|k| !present.contains(k))
            .collect()
    }
}

/// An upload row forgotten under the retention rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgedMedia {
    /// Whose it was.
    pub application: ApplicationId,
    /// The SHA-256 of its content (which names its sealed file).
    pub sha256: Vec<u8>,
}

/// An upload, as checked and stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRecord {
    /// Row id (0 until stored).
    pub id: i64,
    /// The application.
    pub application_id: ApplicationId,
    /// What it is.
    pub kind: MediaKind,
    /// The container found in its bytes (`jpeg`, `png`, `webm`, `mp4`).
    pub container: String,
    /// Its size.
    pub bytes: i64,
    /// SHA-256 of its content (the sealed file's name).
    pub sha256: Vec<u8>,
    /// Pixels across (images).
    pub width: Option<i32>,
    /// Pixels down (images).
    pub height: Option<i32>,
    /// Length (videos).
    pub duration_ms: Option<i64>,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// The columns a route's progress is stored in.
pub(crate) struct StepColumns {
    pub two_card: &'static str,
    pub card: Option<i64>,
    pub code_expires: Option<i64>,
    pub interview: &'static str,
    pub since: Option<i64>,
    pub reviewer: Option<String>,
}

pub(crate) fn step_columns(a: &Application) -> StepColumns {
    let (card, code_expires) = match a.two_card {
        TwoCardStep::AwaitingCard => (None, None),
        TwoCardStep::AwaitingCode {
            card,
            code_expires_at,
        } => (Some(card.0), Some(code_expires_at.timestamp_micros())),
    };
    StepColumns {
        two_card: a.two_card.as_str(),
        card,
        code_expires,
        interview: a.interview.as_str(),
        since: a.interview.queued_since().map(|t| t.timestamp_micros()),
        reviewer: a.interview.reviewer().map(str::to_owned),
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ApplicationRow {
    id: i64,
    product: String,
    state: String,
    route: Option<String>,
    customer_id: Option<i64>,
    name: String,
    document_kind: String,
    document_masked: String,
    id_digest: Vec<u8>,
    id_sealed: Vec<u8>,
    phone: String,
    language: String,
    origin: String,
    consent_version: String,
    consent_at: i64,
    failed_attempts: i32,
    two_card_step: String,
    proven_card_id: Option<i64>,
    code_expires_at: Option<i64>,
    interview_step: String,
    queued_since: Option<i64>,
    reviewer: Option<String>,
    verdict: Option<String>,
    verdict_reasons: String,
    verdict_checklist: String,
    submitted_at: i64,
    updated_at: i64,
    expires_at: i64,
}

macro_rules! application_columns {
    () => {
        "id, product, state, route, customer_id, name, document_kind, document_masked, \
         id_digest, id_sealed, phone, language, origin, consent_version, consent_at, \
         failed_attempts, two_card_step, proven_card_id, code_expires_at, interview_step, \
         queued_since, reviewer, verdict, verdict_reasons, verdict_checklist, submitted_at, updated_at, expires_at"
    };
}
pub(crate) use application_columns;

impl TryFrom<ApplicationRow> for ApplicationRecord {
    type Error = StoreError;
    fn try_from(r: ApplicationRow) -> Result<Self> {
        const BAD: StoreError = StoreError::Corrupt("application");
        let two_card = match (
            r.two_card_step.as_str(),
            r.proven_card_id,
            r.code_expires_at,
        ) {
            ("awaiting_card", _, _) => TwoCardStep::AwaitingCard,
            ("awaiting_code", Some(card), Some(at)) => TwoCardStep::AwaitingCode {
                card: CardId(card),
                code_expires_at: from_micros(at)?,
            },
            _ => return Err(BAD),
        };
        let since = r.queued_since.map(from_micros).transpose()?;
        let interview = match (r.interview_step.as_str(), since, r.reviewer) {
            ("awaiting_uploads", _, _) => InterviewStep::AwaitingUploads,
            ("queued", Some(since), _) => InterviewStep::Queued { since },
            ("claimed", Some(since), Some(by)) => InterviewStep::Claimed { since, by },
            ("awaiting_override", Some(since), Some(by)) => {
                InterviewStep::AwaitingOverride { since, by }
            }
            _ => return Err(BAD),
        };
        Ok(ApplicationRecord {
            application: Application {
                id: ApplicationId(r.id),
                product: r.product,
                state: ApplicationState::parse(&r.state).ok_or(BAD)?,
                route: r
                    .route
                    .map(|s| AuthRoute::parse(&s).ok_or(BAD))
                    .transpose()?,
                customer_id: r.customer_id.map(CustomerId),
                failed_attempts: u32::try_from(r.failed_attempts).map_err(|_| BAD)?,
                two_card,
                interview,
                submitted_at: from_micros(r.submitted_at)?,
                updated_at: from_micros(r.updated_at)?,
                expires_at: from_micros(r.expires_at)?,
            },
            applicant: Applicant {
                name: r.name,
                document_kind: DocumentKind::parse(&r.document_kind).ok_or(BAD)?,
                document_masked: r.document_masked,
                id_digest: r.id_digest,
                id_sealed: r.id_sealed,
                phone: r.phone,
                language: r.language,
            },
            origin: r.origin,
            consent_version: r.consent_version,
            consent_at: from_micros(r.consent_at)?,
            verdict: r.verdict,
            verdict_reasons: r
                .verdict_reasons
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            verdict_checklist: r
                .verdict_checklist
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct VirtualCardRow {
    pub(crate) card_id: i64,
    pub(crate) application_id: i64,
    pub(crate) expiry_year: i32,
    pub(crate) expiry_month: i32,
    pub(crate) cvc_digest: Vec<u8>,
    pub(crate) route: String,
    pub(crate) decided_by: String,
    pub(crate) issued_at: i64,
    pub(crate) revealed_at: Option<i64>,
}

impl TryFrom<VirtualCardRow> for VirtualCardRecord {
    type Error = StoreError;
    fn try_from(r: VirtualCardRow) -> Result<Self> {
        const BAD: StoreError = StoreError::Corrupt("virtual card");
        Ok(VirtualCardRecord {
            card_id: CardId(r.card_id),
            application_id: ApplicationId(r.application_id),
            expiry_year: r.expiry_year,
            expiry_month: u32::try_from(r.expiry_month).map_err(|_| BAD)?,
            cvc_digest: r.cvc_digest,
            route: AuthRoute::parse(&r.route).ok_or(BAD)?,
            decided_by: r.decided_by,
            issued_at: from_micros(r.issued_at)?,
            revealed_at: r.revealed_at.map(from_micros).transpose()?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MediaRow {
    id: i64,
    application_id: i64,
    kind: String,
    container: String,
    bytes: i64,
    sha256: Vec<u8>,
    width: Option<i32>,
    height: Option<i32>,
    duration_ms: Option<i64>,
    uploaded_at: i64,
}

impl TryFrom<MediaRow> for MediaRecord {
    type Error = StoreError;
    fn try_from(r: MediaRow) -> Result<Self> {
        Ok(MediaRecord {
            id: r.id,
            application_id: ApplicationId(r.application_id),
            kind: MediaKind::parse(&r.kind).ok_or(StoreError::Corrupt("media"))?,
            container: r.container,
            bytes: r.bytes,
            sha256: r.sha256,
            width: r.width,
            height: r.height,
            duration_ms: r.duration_ms,
            uploaded_at: from_micros(r.uploaded_at)?,
        })
    }
}
