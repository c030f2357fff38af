//! The processor's errors, each with a stable code the transports expose as
//! `{code, message}`.

use carddesk_domain::application::ApplicationError;
use carddesk_domain::card::CardStatusError;
use carddesk_domain::case::CaseError;
use carddesk_store::StoreError;
use thiserror::Error;

/// What can go wrong in a use case. Messages are written for the person in
/// front of the screen and never carry a secret; credential failures never
/// say which credential was wrong.
#[derive(Debug, Error)]
pub enum ProcessorError {
    /// Input refused at the edge (malformed ID number, missing credential).
    #[error("{0}")]
    InvalidInput(String),
    /// The thing asked for does not exist (or is not the caller's to see).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The case rules refuse the step.
    #[error(transparent)]
    Case(#[from] CaseError),
    /// The card rules refuse the change.
    #[error(transparent)]
    Card(#[from] CardStatusError),
    /// The card already has an open case.
    #[error("this card already has an open unfreeze case")]
    CaseAlreadyOpen,
    /// The uploaded credentials did not match. Deliberately silent about
    /// which one.
    #[error("the details you entered do not match our records; {remaining} attempt(s) left")]
    VerificationFailed {
        /// Attempts left on the case.
        remaining: u32,
    },
    /// The case is locked after too many failures.
    #[error("this unfreeze request is locked after too many failed attempts; please call the bank")]
    Locked,
    /// The one-time code or the session ran out.
    #[error("this unfreeze code has expired; please call the bank for a new one")]
    Expired,
    /// The one-time code was already used.
    #[error("this unfreeze code has already been used")]
    CodeUsed,
    /// The case is not in a state the customer can act in.
    #[error("this unfreeze request is no longer open")]
    CaseClosed,
    /// No valid sign-in or session: the same answer whatever was wrong.
    #[error("sign-in failed or the session has ended")]
    Unauthenticated,
    /// The caller's role does not allow the action.
    #[error("your role does not allow this action")]
    Forbidden,
    /// The case is held by another agent.
    #[error("this case belongs to another agent; a supervisor can reassign it")]
    NotCaseHolder,
    /// A sealed value could not be opened (wrong key or tampering).
    #[error("a protected value could not be opened")]
    Sealed,
    /// Too many credential checks are waiting: try again shortly.
    #[error("too many sign-ins at once; try again shortly")]
    Busy,
    /// Configuration is missing or wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// Storage failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    /// The application rules refuse the step.
    #[error(transparent)]
    Application(#[from] ApplicationError),
    /// The transit service refuses the application.
    #[error("{}", .0.message())]
    Refused(crate::applications::Refusal),
    /// An upload is not what it should be.
    #[error("{0}")]
    InvalidUpload(#[from] carddesk_media::MediaError),
    /// The card's number was shown once already.
    #[error("the card's details were shown once and cannot be shown again")]
    AlreadyShown,
    /// What authenticated the applicant no longer holds where the card is
    /// issued (the card they proved is lost or frozen, a court order
    /// froze one of their cards): the application is rejected and no card
    /// issued. Deliberately silent about which check failed.
    #[error("your application could not be completed and no card was issued")]
    NotCompleted,
}

impl ProcessorError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ProcessorError::InvalidInput(_) => "invalid_input",
            ProcessorError::NotFound(_) => "not_found",
            ProcessorError::Case(CaseError::NotRemote(_)) => "not_remote",
            ProcessorError::Case(CaseError::CardNotFrozen(_)) => "card_not_frozen",
            ProcessorError::Case(CaseError::NotSupervisor) => "forbidden",
            ProcessorError::Case(CaseError::SameMakerAndChecker) => "maker_checker",
            ProcessorError::Case(CaseError::CodeExpired) => "expired",
            ProcessorError::Case(_) => "illegal_state",
            ProcessorError::Card(_) => "illegal_card_state",
            ProcessorError::CaseAlreadyOpen => "case_open",
            ProcessorError::VerificationFailed { .. } => "verification_failed",
            ProcessorError::Locked => "locked",
            ProcessorError::Expired => "expired",
            ProcessorError::CodeUsed => "code_used",
            ProcessorError::CaseClosed => "case_closed",
            ProcessorError::Forbidden | ProcessorError::NotCaseHolder => "forbidden",
            ProcessorError::Unauthenticated => "unauthenticated",
            ProcessorError::Busy => "unavailable",
            ProcessorError::Store(e) if e.is_unavailable() => "unavailable",
            ProcessorError::Application(e) => match e {
                ApplicationError::Expired => "expired",
                ApplicationError::AttemptsExhausted => "locked",
                ApplicationError::NotReviewer => "forbidden",
                ApplicationError::SameMakerAndChecker => "maker_checker",
                ApplicationError::Verdict(_) => "invalid_input",
                ApplicationError::IllegalMove { .. }
                | ApplicationError::WrongRoute(_)
                | ApplicationError::OutOfOrder => "illegal_state",
            },
            ProcessorError::Refused(r) => r.code(),
            ProcessorError::InvalidUpload(_) => "invalid_upload",
            ProcessorError::AlreadyShown => "already_shown",
            // Its own code, so a console can say the application ended
            // (rejected, no card) rather than "try another step".
            ProcessorError::NotCompleted => "not_completed",
            ProcessorError::Sealed | ProcessorError::Config(_) | ProcessorError::Store(_) => {
                "internal"
            }
        }
    }
}
