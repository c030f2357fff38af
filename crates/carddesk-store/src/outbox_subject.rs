//! What an outbox message belongs to: an unfreeze case's instructions, or
//! a virtual-card application's code or notice. Each keeps its own column
//! (`case_id`, `application_id`) with its foreign key; `purpose` says
//! which, and a check constraint that exactly one is set.

use carddesk_domain::application::ApplicationId;
use carddesk_domain::case::CaseId;

/// What an outbox message belongs to, and so what it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxSubject {
    /// An unfreeze case's instructions, with its one-time code.
    Case(CaseId),
    /// A virtual-card application's one-time code (two-card route).
    ApplicationCode(ApplicationId),
    /// A notice to an applicant: card issued, interview failed or retry.
    ApplicationNotice(ApplicationId),
}

impl OutboxSubject {
    /// The audit object it is about (`case:42`, `application:7`).
    pub fn object(self) -> String {
        match self {
            OutboxSubject::Case(id) => format!("case:{}", id.0),
            OutboxSubject::ApplicationCode(id) | OutboxSubject::ApplicationNotice(id) => {
                format!("application:{}", id.0)
            }
        }
    }

    /// The case, for an instruction.
    pub fn case(self) -> Option<CaseId> {
        match self {
            OutboxSubject::Case(id) => Some(id),
            _ => None,
        }
    }

    /// The stored columns: (case id, application id, purpose).
    pub(crate) fn columns(self) -> (Option<i64>, Option<i64>, &'static str) {
        match self {
            OutboxSubject::Case(id) => (Some(id.0), None, "instruction"),
            OutboxSubject::ApplicationCode(id) => (None, Some(id.0), "application_code"),
            OutboxSubject::ApplicationNotice(id) => (None, Some(id.0), "application_notice"),
        }
    }

    /// Back from the stored columns.
    pub(crate) fn from_columns(
        case: Option<i64>,
        application: Option<i64>,
        purpose: &str,
    ) -> Option<Self> {
        match (case, application, purpose) {
            (Some(c), None, "instruction") => Some(OutboxSubject::Case(CaseId(c))),
            (None, Some(a), "application_code") => {
                Some(OutboxSubject::ApplicationCode(ApplicationId(a)))
            }
            (None, Some(a), "application_notice") => {
                Some(OutboxSubject::ApplicationNotice(ApplicationId(a)))
            }
            _ => None,
        }
    }
}
