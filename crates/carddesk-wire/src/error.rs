//! Errors as both transports carry them: `{code, message}` with a stable
//! code. The message is for a person and never carries a secret.

use serde::{Deserialize, Serialize};

/// What went wrong, as a stable code a console can branch on. The same
/// codes come from the in-process desk, over HTTP and over IPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Input refused at the edge; the message says what is wrong.
    InvalidInput,
    /// The thing asked for does not exist (or is not the caller's to see).
    NotFound,
    /// The card's freeze cannot be lifted remotely (a court order).
    NotRemote,
    /// The card is not frozen.
    CardNotFrozen,
    /// The caller's role, or whose case it is, does not allow the action.
    Forbidden,
    /// The same person cannot make and check one case.
    MakerChecker,
    /// The code or session ran out.
    Expired,
    /// The case is not in a state that allows the step.
    IllegalState,
    /// The card's status does not allow the change.
    IllegalCardState,
    /// The card already has an open case.
    CaseOpen,
    /// Credentials did not match (never says which).
    VerificationFailed,
    /// Locked after too many failures.
    Locked,
    /// The one-time code was already used.
    CodeUsed,
    /// The case is no longer open to the customer.
    CaseClosed,
    /// No valid sign-in or session.
    Unauthenticated,
    /// Too many requests; try again later.
    RateLimited,
    /// The request body is too large.
    TooLarge,
    /// A request with the same idempotency key is still running.
    Conflict,
    /// An idempotency key was reused with another request.
    IdempotencyKeyReused,
    /// The endpoint does not take that method (HTTP only).
    MethodNotAllowed,
    /// This desk does not offer the action (the demo phone's outbox on a
    /// shared server).
    NotAvailable,
    /// The desk could not be reached (connected mode: the server is down
    /// or the network failed).
    Unavailable,
    /// Something failed inside; the message says nothing of the machinery.
    Internal,
    /// The person already has an open virtual-card application.
    OpenApplication,
    /// The applicant holds a card under a court-ordered freeze.
    CourtOrderFreeze,
    /// Too many applications by this person today.
    TooManyApplications,
    /// Too many applications from this address today.
    TooManyFromAddress,
    /// An upload is not what it should be (type, size, length, damage).
    InvalidUpload,
    /// The card's full number was shown once already.
    AlreadyShown,
    /// An application could not be completed: what routed it no longer
    /// holds, so it was rejected and no card issued (which check failed
    /// is in the audit log, never in the answer).
    NotCompleted,
}

impl ErrorCode {
    /// The code's wire name (`"invalid_input"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NotRemote => "not_remote",
            ErrorCode::CardNotFrozen => "card_not_frozen",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::MakerChecker => "maker_checker",
            ErrorCode::Expired => "expired",
            ErrorCode::IllegalState => "illegal_state",
            ErrorCode::IllegalCardState => "illegal_card_state",
            ErrorCode::CaseOpen => "case_open",
            ErrorCode::VerificationFailed => "verification_failed",
            ErrorCode::Locked => "locked",
            ErrorCode::CodeUsed => "code_used",
            ErrorCode::CaseClosed => "case_closed",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::Conflict => "conflict",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::NotAvailable => "not_available",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::OpenApplication => "open_application",
            ErrorCode::CourtOrderFreeze => "court_order_freeze",
            ErrorCode::TooManyApplications => "too_many_applications",
            ErrorCode::TooManyFromAddress => "too_many_from_address",
            ErrorCode::InvalidUpload => "invalid_upload",
            ErrorCode::AlreadyShown => "already_shown",
            ErrorCode::NotCompleted => "not_completed",
        }
    }

    /// Parses a wire name; unknown codes (a newer server) are `Internal`.
    pub fn parse(code: &str) -> Self {
        serde_json::from_value(serde_json::Value::String(code.to_owned()))
            .unwrap_or(ErrorCode::Internal)
    }
}

/// A desk call's failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct DeskError {
    /// What went wrong, for code.
    pub code: ErrorCode,
    /// What went wrong, for a person.
    pub message: String,
}

impl DeskError {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Input refused at the edge.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }
}

/// Shorthand for desk results.
pub type DeskResult<T> = Result<T, DeskError>;

/// The body of an error answer over HTTP, the same shape as [`DeskError`].
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// Human-readable message.
    #[schema(max_length = 1000)]
    pub message: String,
}

impl From<ErrorBody> for DeskError {
    fn from(body: ErrorBody) -> Self {
        Self::new(body.code, body.message)
    }
}
