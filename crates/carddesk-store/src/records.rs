//! What the store reads and writes beyond the domain's own types: rows that
//! carry protected secrets (ciphertexts, keyed hashes, password hashes) and
//! the audit, outbox and package records.
//!
//! Nothing here is ever a secret in clear: the processor seals, hashes and
//! encrypts before anything reaches the store.

use carddesk_domain::case::CaseId;
use carddesk_domain::customer::DocumentKind;
use carddesk_domain::{CardId, CardStatus, Credential, CustomerId};
use chrono::{DateTime, Utc};

pub use crate::outbox_subject::OutboxSubject;

/// A customer to insert.
#[derive(Debug, Clone)]
pub struct NewCustomer {
    /// Full name.
    pub name: String,
    /// Document kind.
    pub document_kind: DocumentKind,
    /// Masked document number, for display.
    pub document_masked: String,
    /// Keyed hash (HMAC-SHA256) of the canonical document.
    pub id_digest: Vec<u8>,
    /// AEAD-sealed canonical document.
    pub id_sealed: Vec<u8>,
    /// E.164 phone number reserved for instructions.
    pub phone: String,
    /// Preferred language for instructions (`zh-CN` or `en`).
    pub language: String,
}

/// A customer's protected identity data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerSecrets {
    /// Keyed hash of the canonical document.
    pub id_digest: Vec<u8>,
    /// AEAD-sealed canonical document.
    pub id_sealed: Vec<u8>,
    /// Preferred language.
    pub language: String,
}

/// A card to insert.
#[derive(Debug, Clone)]
pub struct NewCard {
    /// Holder.
    pub customer_id: CustomerId,
    /// First six digits.
    pub bin: String,
    /// Last four digits.
    pub last_four: String,
    /// Number of digits.
    pub pan_length: u8,
    /// Product name.
    pub product: String,
    /// Keyed hash of the full number, to find a card by its number.
    pub pan_digest: Vec<u8>,
    /// AEAD-sealed full number.
    pub pan_sealed: Vec<u8>,
    /// Argon2id PHC string of the transaction password.
    pub password_hash: String,
    /// Status.
    pub status: CardStatus,
}

/// A card's protected data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardSecrets {
    /// AEAD-sealed full number.
    pub pan_sealed: Vec<u8>,
    /// Argon2id PHC string of the transaction password.
    pub password_hash: String,
}

/// The reserved user info for one case, packed and stored (patent step 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The case it belongs to.
    pub case_id: CaseId,
    /// The card to unfreeze.
    pub card_id: CardId,
    /// AEAD-sealed card number.
    pub pan_sealed: Vec<u8>,
    /// Keyed hash of the holder's canonical document.
    pub id_digest: Vec<u8>,
    /// AEAD-sealed canonical document.
    pub id_sealed: Vec<u8>,
    /// Argon2id PHC string of the transaction password.
    pub password_hash: String,
    /// What the customer will be asked for.
    pub credentials: Vec<Credential>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// How an instruction reaches the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxChannel {
    /// A text message (SMS).
    Text,
    /// A voice prompt.
    Voice,
}

impl OutboxChannel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxChannel::Text => "text",
            OutboxChannel::Voice => "voice",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "text" => Some(OutboxChannel::Text),
            "voice" => Some(OutboxChannel::Voice),
            _ => None,
        }
    }
}

/// An instruction to deliver, written in the same transaction as the case
/// change that asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxMessage {
    /// The case or application it belongs to.
    pub subject: OutboxSubject,
    /// Text or voice.
    pub channel: OutboxChannel,
    /// E.164 phone number.
    pub recipient: String,
    /// Language of the message.
    pub language: String,
    /// The message, AEAD-sealed: it carries the case's one-time code.
    pub body_sealed: Vec<u8>,
    /// Key the gateway uses to drop duplicate deliveries.
    pub idempotency_key: String,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

/// An instruction in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Row id.
    pub id: i64,
    /// What was queued.
    pub message: NewOutboxMessage,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i32,
}

/// An outbox message with where it stands in delivery: what the console
/// shows beside an instruction, and what the delivery worker leaves behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxDelivery {
    /// The message.
    pub message: OutboxMessage,
    /// When it may next be tried (the epoch for a new message: due at once).
    pub next_attempt_at: DateTime<Utc>,
    /// Until when a worker holds it; after that another may take it over.
    pub claimed_until: Option<DateTime<Utc>>,
    /// When it was last claimed for an attempt.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed, as a short code (`http_503`, `timeout`);
    /// never a gateway's response text, which could echo the message.
    pub last_error_code: Option<String>,
    /// When a gateway accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// Which adapter delivered it (`sms-gateway`, `voice-gateway`, `local`).
    pub delivered_via: Option<String>,
}

/// How one delivery attempt of a claimed outbox message ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxSettlement {
    /// The adapter delivered it.
    Sent {
        /// When.
        at: DateTime<Utc>,
        /// Which adapter.
        via: String,
    },
    /// It failed for now; try again later.
    Retry {
        /// When it is next due.
        next_attempt_at: DateTime<Utc>,
        /// Why it failed, as a short code.
        error_code: String,
    },
    /// It failed for good (refused, or out of attempts).
    Failed {
        /// Why, as a short code.
        error_code: String,
    },
}

/// Whether an audited action succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// It did what was asked.
    Success,
    /// It was tried and failed (wrong credentials, expired code, …).
    Failure,
    /// The rules refused it before it was tried.
    Refused,
}

impl Outcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Refused => "refused",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "success" => Some(Outcome::Success),
            "failure" => Some(Outcome::Failure),
            "refused" => Some(Outcome::Refused),
            _ => None,
        }
    }
}

/// An audit entry to append: who, what, when, where from, the object and
/// the outcome (PCI DSS 10.2.2). `detail` must never hold a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who, as `Actor::label`.
    pub actor: String,
    /// What, as a dotted name (`case.packaged`).
    pub action: String,
    /// On what (`case:42`, `card:7`).
    pub object: String,
    /// Where from (`console`, an IP address, `system`).
    pub origin: String,
    /// Success or failure.
    pub outcome: Outcome,
    /// Free text without secrets.
    pub detail: String,
}

/// An entry of the audit log, with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// What was appended.
    pub entry: NewAuditEntry,
    /// The previous entry's hash (zeros for the first).
    pub prev_hash: Vec<u8>,
    /// This entry's hash.
    pub hash: Vec<u8>,
}

/// What checking the audit chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainReport {
    /// Every entry links to the one before and hashes to what it says.
    Intact {
        /// Entries checked.
        entries: u64,
    },
    /// The first entry that does not.
    Broken {
        /// Its sequence number.
        seq: i64,
    },
}

/// Filters for listing cases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Only these states (all when empty).
    pub states: Vec<carddesk_domain::CaseState>,
    /// Only cases opened by this actor label.
    pub opened_by: Option<String>,
    /// Only cases of these customers (all when empty).
    pub customers: Vec<carddesk_domain::CustomerId>,
    /// Only cases whose assignee (the opener, unless a supervisor gave the
    /// case to someone else) is this actor label.
    pub assigned_to: Option<String>,
    /// Only cases opened before this moment (older than some age).
    pub opened_before: Option<DateTime<Utc>>,
    /// Keyset pagination: only ids below this.
    pub before_id: Option<i64>,
    /// At most this many (newest first).
    pub limit: u32,
}

/// A member of staff as stored: who they are and their sign-in state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRecord {
    /// Sign-in name and role.
    pub member: carddesk_domain::StaffMember,
    /// Name shown in the console.
    pub display_name: String,
    /// Argon2id PHC string of the password.
    pub password_hash: String,
    /// Failed sign-ins since the last success.
    pub failed_signins: u32,
    /// Until when sign-in is refused, after too many failures.
    pub locked_until: Option<DateTime<Utc>>,
}

/// A staff user's sign-in state right after a failure was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigninFailures {
    /// Failed sign-ins counted, this one included.
    pub failed_signins: u32,
    /// Until when sign-in is refused, if the ID is (or was) locked.
    pub locked_until: Option<DateTime<Utc>>,
}

/// A staff session as stored (the token itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSessionRecord {
    /// Whose.
    pub member: carddesk_domain::StaffMember,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was signed out, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was last used (signed in, or a call it authenticated): it
    /// idles out a fixed time after this.
    pub last_used_at: DateTime<Utc>,
}

/// The first response to an idempotent call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentResponse {
    /// Digest of the first request's method, path and body.
    pub request_digest: Vec<u8>,
    /// HTTP status.
    pub status: u16,
    /// Sealed response body.
    pub response_sealed: Vec<u8>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}
