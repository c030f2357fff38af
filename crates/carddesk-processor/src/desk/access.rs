//! Who may do what at the desk: one table of roles by action, and whose
//! case it is. Both transports pass through here (the console in-process,
//! the server over HTTP), so neither decides anything itself.

use carddesk_domain::{Actor, Role, StaffMember};
use carddesk_store::{CaseRecord, Outcome};
use secrecy::SecretString;

use crate::{Processor, ProcessorError, Result};

/// Every desk action that needs a signed-in member of staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Find callers.
    Search,
    /// Open a customer's view.
    ViewCustomer,
    /// Read a card's history.
    CardHistory,
    /// Preview the instructions a card's customer would get.
    Preview,
    /// Mark a card, opening a case.
    Mark,
    /// Package a case.
    Package,
    /// Send (or resend) the instructions.
    Instruct,
    /// Cancel a case.
    Cancel,
    /// Read a case.
    ViewCase,
    /// Read a case's timeline.
    Timeline,
    /// Read the case queue.
    Queue,
    /// Approve a verified case.
    Approve,
    /// Reject a verified case.
    Reject,
    /// Give a case to another agent.
    Reassign,
    /// Read the audit log.
    ReadAudit,
    /// Walk the audit chain.
    VerifyAudit,
    /// Hear a voice prompt (it speaks the code).
    VoiceAudio,
    /// Watch live events.
    WatchEvents,
    /// Read the video-interview queue.
    Interviews,
    /// Take an interview to review.
    ClaimInterview,
    /// Record an interview's verdict (the reviewer only, decided inside).
    DecideInterview,
    /// Open an interview's uploads (its reviewer, or a supervisor).
    InterviewMedia,
    /// Give an interview to another member of staff.
    ReassignInterview,
    /// Approve or decline a pass given with an item unticked.
    ApproveOverride,
}

impl Action {
    /// Every action, for tables and tests.
    pub const ALL: [Action; 24] = [
        Action::Search,
        Action::ViewCustomer,
        Action::CardHistory,
        Action::Preview,
        Action::Mark,
        Action::Package,
        Action::Instruct,
        Action::Cancel,
        Action::ViewCase,
        Action::Timeline,
        Action::Queue,
        Action::Approve,
        Action::Reject,
        Action::Reassign,
        Action::ReadAudit,
        Action::VerifyAudit,
        Action::VoiceAudio,
        Action::WatchEvents,
        Action::Interviews,
        Action::ClaimInterview,
        Action::DecideInterview,
        Action::InterviewMedia,
        Action::ReassignInterview,
        Action::ApproveOverride,
    ];

    /// The name the audit log gives a refusal of this action.
    pub fn audit_name(self) -> &'static str {
        match self {
            Action::Search => "desk.search",
            Action::ViewCustomer => "desk.customer",
            Action::CardHistory => "desk.card_history",
            Action::Preview => "desk.preview",
            Action::Mark => "desk.mark",
            Action::Package => "desk.package",
            Action::Instruct => "desk.instruct",
            Action::Cancel => "desk.cancel",
            Action::ViewCase => "desk.case",
            Action::Timeline => "desk.timeline",
            Action::Queue => "desk.queue",
            Action::Approve => "desk.approve",
            Action::Reject => "desk.reject",
            Action::Reassign => "desk.reassign",
            Action::ReadAudit => "desk.audit",
            Action::VerifyAudit => "desk.audit_verify",
            Action::VoiceAudio => "desk.voice_audio",
            Action::WatchEvents => "desk.events",
            Action::Interviews => "desk.interviews",
            Action::ClaimInterview => "desk.interview_claim",
            Action::DecideInterview => "desk.interview_verdict",
            Action::InterviewMedia => "desk.interview_media",
            Action::ReassignInterview => "desk.interview_reassign",
            Action::ApproveOverride => "desk.interview_override",
        }
    }
}

/// Whether `role` may take `action` at all (whose case it is comes
/// after, inside each step, under the case's lock).
///
/// Agents work calls and review interviews; supervisors also approve,
/// reject, reassign, approve interview overrides and read the audit log. Admins manage users and configuration and read the
/// audit log, but see no customer data: least privilege (PCI DSS 7.2).
pub fn allowed(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Agent => !matches!(
            action,
            Approve
                | Reject
                | Reassign
                | ReadAudit
                | VerifyAudit
                | ReassignInterview
                | ApproveOverride
        ),
        Role::Supervisor => true,
        Role::Admin => matches!(action, ReadAudit | VerifyAudit),
    }
}

/// The actor label of whoever holds a case: the agent it is assigned to.
pub(crate) fn holder_of(record: &CaseRecord) -> &str {
    &record.assigned_to
}

/// Refuses a step on a case held by another agent. Supervisors may act
/// on any case. Called under the case's row lock, in the transaction that
/// takes the step, so a reassignment cannot slip between check and step.
pub(crate) fn ensure_case_holder(staff: &StaffMember, record: &CaseRecord) -> Result<()> {
    if staff.role >= Role::Supervisor || holder_of(record) == Actor::Staff(staff.clone()).label() {
        Ok(())
    } else {
        Err(ProcessorError::NotCaseHolder)
    }
}

impl Processor {
    /// The member of staff behind `token`, if they may take `action`. A
    /// refusal by role is audited; an unknown or ended session is not
    /// (there is nobody to name), and says only `unauthenticated`.
    pub async fn authorize(
        &self,
        token: &SecretString,
        action: Action,
        object: &str,
        origin: &str,
    ) -> Result<StaffMember> {
        let staff = self.authenticate(token).await?;
        if allowed(staff.role, action) {
            return Ok(staff);
        }
        self.audit_alone(
            &Actor::Staff(staff.clone()),
            action.audit_name(),
            object,
            origin,
            Outcome::Refused,
            ProcessorError::Forbidden.to_string(),
        )
        .await?;
        Err(ProcessorError::Forbidden)
    }
}
