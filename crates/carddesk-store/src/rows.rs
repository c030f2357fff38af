//! Raw rows as both databases return them, and their conversion into the
//! domain's types. `FromRow` is derived generically, so one definition
//! serves SQLite and PostgreSQL alike.

use carddesk_domain::card::{CardStatusKind, CardTransition};
use carddesk_domain::case::{CaseId, UnfreezeCase};
use carddesk_domain::customer::{DocumentKind, PhoneNumber};
use carddesk_domain::{
    Card, CardId, CardStatus, CaseState, Channel, Credential, Customer, CustomerId, FreezeReason,
    PolicyRule,
};
use chrono::{DateTime, Utc};

use crate::records::{
    AuditRecord, CardSecrets, CustomerSecrets, IdempotentResponse, NewAuditEntry, Outcome, Package,
};
use crate::{CaseRecord, Result, StoreError};

/// Both databases keep time as microseconds since the Unix epoch.
pub(crate) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

pub(crate) fn from_micros(us: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us).ok_or(StoreError::Corrupt("timestamp"))
}

pub(crate) fn credentials_text(credentials: &[Credential]) -> String {
    credentials
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_credentials(text: &str) -> Result<Vec<Credential>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| Credential::parse(s).ok_or(StoreError::Corrupt("credential list")))
        .collect()
}

/// The status columns of a card: (status, freeze reason, frozen since).
pub(crate) fn status_columns(
    status: &CardStatus,
) -> (&'static str, Option<&'static str>, Option<i64>) {
    match status {
        CardStatus::Frozen { reason, since } => {
            ("frozen", Some(reason.as_str()), Some(micros(*since)))
        }
        other => (other.kind().as_str(), None, None),
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CustomerRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) document_kind: String,
    pub(crate) document_masked: String,
    pub(crate) phone: String,
    pub(crate) language: String,
}

impl TryFrom<CustomerRow> for Customer {
    type Error = StoreError;
    fn try_from(r: CustomerRow) -> Result<Self> {
        Ok(Customer {
            id: CustomerId(r.id),
            name: r.name,
            document_kind: DocumentKind::parse(&r.document_kind)
                .ok_or(StoreError::Corrupt("customer"))?,
            document_masked: r.document_masked,
            phone: PhoneNumber::parse(&r.phone).map_err(|_| StoreError::Corrupt("customer"))?,
            language: r.language,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CustomerSecretsRow {
    id_digest: Vec<u8>,
    id_sealed: Vec<u8>,
    language: String,
}

impl From<CustomerSecretsRow> for CustomerSecrets {
    fn from(r: CustomerSecretsRow) -> Self {
        CustomerSecrets {
            id_digest: r.id_digest,
            id_sealed: r.id_sealed,
            language: r.language,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CardRow {
    pub(crate) id: i64,
    pub(crate) customer_id: i64,
    bin: String,
    last_four: String,
    pan_length: i32,
    product: String,
    status: String,
    freeze_reason: Option<String>,
    frozen_since: Option<i64>,
}

impl TryFrom<CardRow> for Card {
    type Error = StoreError;
    fn try_from(r: CardRow) -> Result<Self> {
        let corrupt = || StoreError::Corrupt("card");
        let status = match CardStatusKind::parse(&r.status).ok_or_else(corrupt)? {
            CardStatusKind::Active => CardStatus::Active,
            CardStatusKind::Frozen => CardStatus::Frozen {
                reason: r
                    .freeze_reason
                    .as_deref()
                    .and_then(FreezeReason::parse)
                    .ok_or_else(corrupt)?,
                since: from_micros(r.frozen_since.ok_or_else(corrupt)?)?,
            },
            CardStatusKind::Lost => CardStatus::Lost,
            CardStatusKind::Stolen => CardStatus::Stolen,
            CardStatusKind::Closed => CardStatus::Closed,
        };
        Ok(Card {
            id: CardId(r.id),
            customer_id: CustomerId(r.customer_id),
            bin: r.bin,
            last_four: r.last_four,
            pan_length: u8::try_from(r.pan_length).map_err(|_| corrupt())?,
            product: r.product,
            status,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CardSecretsRow {
    pan_sealed: Vec<u8>,
    password_hash: String,
}

impl From<CardSecretsRow> for CardSecrets {
    fn from(r: CardSecretsRow) -> Self {
        CardSecrets {
            pan_sealed: r.pan_sealed,
            password_hash: r.password_hash,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CardTransitionRow {
    card_id: i64,
    from_status: String,
    to_status: String,
    reason: Option<String>,
    channel: String,
    actor: String,
    at: i64,
}

impl TryFrom<CardTransitionRow> for CardTransition {
    type Error = StoreError;
    fn try_from(r: CardTransitionRow) -> Result<Self> {
        let corrupt = || StoreError::Corrupt("card transition");
        Ok(CardTransition {
            card_id: CardId(r.card_id),
            from: CardStatusKind::parse(&r.from_status).ok_or_else(corrupt)?,
            to: CardStatusKind::parse(&r.to_status).ok_or_else(corrupt)?,
            reason: match r.reason {
                Some(s) => Some(FreezeReason::parse(&s).ok_or_else(corrupt)?),
                None => None,
            },
            channel: Channel::parse(&r.channel).ok_or_else(corrupt)?,
            actor: r.actor,
            at: from_micros(r.at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CaseRow {
    pub(crate) id: i64,
    pub(crate) card_id: i64,
    pub(crate) customer_id: i64,
    pub(crate) reason: String,
    pub(crate) credentials: String,
    pub(crate) needs_approval: bool,
    pub(crate) state: String,
    pub(crate) failed_attempts: i32,
    pub(crate) opened_by: String,
    pub(crate) assignee: String,
    pub(crate) opened_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) expires_at: Option<i64>,
    pub(crate) code_used_at: Option<i64>,
}

impl TryFrom<CaseRow> for CaseRecord {
    type Error = StoreError;
    fn try_from(r: CaseRow) -> Result<Self> {
        let corrupt = || StoreError::Corrupt("case");
        Ok(CaseRecord {
            case: UnfreezeCase {
                id: CaseId(r.id),
                card_id: CardId(r.card_id),
                customer_id: CustomerId(r.customer_id),
                reason: FreezeReason::parse(&r.reason).ok_or_else(corrupt)?,
                credentials: parse_credentials(&r.credentials)?,
                needs_approval: r.needs_approval,
                state: CaseState::parse(&r.state).ok_or_else(corrupt)?,
                failed_attempts: u32::try_from(r.failed_attempts).map_err(|_| corrupt())?,
                opened_by: r.opened_by,
                opened_at: from_micros(r.opened_at)?,
                updated_at: from_micros(r.updated_at)?,
                expires_at: r.expires_at.map(from_micros).transpose()?,
            },
            code_used_at: r.code_used_at.map(from_micros).transpose()?,
            assigned_to: r.assignee,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PackageRow {
    pub(crate) case_id: i64,
    pub(crate) card_id: i64,
    pub(crate) pan_sealed: Vec<u8>,
    pub(crate) id_digest: Vec<u8>,
    pub(crate) id_sealed: Vec<u8>,
    pub(crate) password_hash: String,
    pub(crate) credentials: String,
    pub(crate) created_at: i64,
}

impl TryFrom<PackageRow> for Package {
    type Error = StoreError;
    fn try_from(r: PackageRow) -> Result<Self> {
        Ok(Package {
            case_id: CaseId(r.case_id),
            card_id: CardId(r.card_id),
            pan_sealed: r.pan_sealed,
            id_digest: r.id_digest,
            id_sealed: r.id_sealed,
            password_hash: r.password_hash,
            credentials: parse_credentials(&r.credentials)?,
            created_at: from_micros(r.created_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    seq: i64,
    at: i64,
    actor: String,
    action: String,
    object: String,
    origin: String,
    outcome: String,
    detail: String,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

impl TryFrom<AuditRow> for AuditRecord {
    type Error = StoreError;
    fn try_from(r: AuditRow) -> Result<Self> {
        Ok(AuditRecord {
            seq: r.seq,
            entry: NewAuditEntry {
                at: from_micros(r.at)?,
                actor: r.actor,
                action: r.action,
                object: r.object,
                origin: r.origin,
                outcome: Outcome::parse(&r.outcome).ok_or(StoreError::Corrupt("audit entry"))?,
                detail: r.detail,
            },
            prev_hash: r.prev_hash,
            hash: r.hash,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PolicyRow {
    reason: String,
    remote_unfreeze: bool,
    credentials: String,
    supervisor_approval: bool,
}

impl TryFrom<PolicyRow> for PolicyRule {
    type Error = StoreError;
    fn try_from(r: PolicyRow) -> Result<Self> {
        Ok(PolicyRule {
            reason: FreezeReason::parse(&r.reason).ok_or(StoreError::Corrupt("policy rule"))?,
            remote_unfreeze: r.remote_unfreeze,
            credentials: parse_credentials(&r.credentials)?,
            supervisor_approval: r.supervisor_approval,
        })
    }
}

/// Converts a list of rows.
pub(crate) fn convert<R, T>(rows: Vec<R>) -> Result<Vec<T>>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}

#[derive(sqlx::FromRow)]
pub(crate) struct IdempotencyRow {
    pub(crate) request_digest: Vec<u8>,
    pub(crate) status: i32,
    pub(crate) response_sealed: Vec<u8>,
    pub(crate) created_at: i64,
}

impl TryFrom<IdempotencyRow> for IdempotentResponse {
    type Error = StoreError;
    fn try_from(r: IdempotencyRow) -> Result<Self> {
        Ok(IdempotentResponse {
            request_digest: r.request_digest,
            status: u16::try_from(r.status).map_err(|_| StoreError::Corrupt("idempotency key"))?,
            response_sealed: r.response_sealed,
            created_at: from_micros(r.created_at)?,
        })
    }
}
