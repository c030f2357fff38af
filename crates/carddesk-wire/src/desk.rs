//! The desk: everything a console can ask, as one trait with two
//! implementations, the processor in-process
//! (`carddesk_processor::desk::LocalDesk`) and the HTTP client
//! (`carddesk-client`). Every call but sign-in takes the session token;
//! the implementation behind it checks the role and whose case it is, and
//! audits, so the console decides nothing.

use std::pin::Pin;

use futures_core::Stream;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::{
    AuditDto, AuditQuery, CaseDto, ChainDto, CustomerView, DeclineRequest, DeskEvent, DeskResult,
    EventFilter, InstructRequest, InstructionPreview, InterviewDto, LocalInstructionDto, Page,
    QueueQuery, ReasonRequest, ReassignRequest, SearchRequest, SearchResults, SignInRequest,
    SignedIn, StaffProfile, TransitionDto, UploadKind, VerdictAnswer, VerdictRequest,
};

/// A staff session's bearer token.
pub type Token = SecretString;

/// Live events, for as long as the session lasts.
pub type EventStream = Pin<Box<dyn Stream<Item = DeskEvent> + Send>>;

/// Which desk a console works against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeskMode {
    /// The processor inside the console, on the embedded SQLite bank.
    Offline,
    /// A shared `carddesk-server`.
    Connected,
}

/// What a console can ask of the processor.
#[async_trait::async_trait]
pub trait Desk: Send + Sync + std::fmt::Debug {
    /// Which desk this is.
    fn mode(&self) -> DeskMode;

    /// Signs a member of staff in.
    async fn sign_in(&self, request: &SignInRequest) -> DeskResult<SignedIn>;
    /// Ends the session.
    async fn sign_out(&self, token: &Token) -> DeskResult<()>;
    /// Who the session belongs to (and whether it still holds).
    async fn me(&self, token: &Token) -> DeskResult<StaffProfile>;

    /// Finds callers as the agent types (audited).
    async fn search(&self, token: &Token, request: &SearchRequest) -> DeskResult<SearchResults>;
    /// A customer, every card, and their open cases (audited).
    async fn customer(&self, token: &Token, customer: i64) -> DeskResult<CustomerView>;
    /// A card's status changes, oldest first (audited).
    async fn card_history(&self, token: &Token, card: i64) -> DeskResult<Vec<TransitionDto>>;

    /// Marks a frozen card for remote unfreeze, opening a case.
    async fn mark(&self, token: &Token, card: i64) -> DeskResult<CaseDto>;
    /// Packages the reserved information for the case.
    async fn package(&self, token: &Token, case: i64) -> DeskResult<CaseDto>;
    /// Sends the instructions.
    async fn instruct(
        &self,
        token: &Token,
        case: i64,
        request: &InstructRequest,
    ) -> DeskResult<CaseDto>;
    /// Marks, packages and sends in one go.
    async fn send_unfreeze(
        &self,
        token: &Token,
        card: i64,
        request: &InstructRequest,
    ) -> DeskResult<CaseDto>;
    /// Sends the instructions again, with a fresh code.
    async fn resend(
        &self,
        token: &Token,
        case: i64,
        request: &InstructRequest,
    ) -> DeskResult<CaseDto>;
    /// Cancels the case.
    async fn cancel(
        &self,
        token: &Token,
        case: i64,
        request: &ReasonRequest,
    ) -> DeskResult<CaseDto>;

    /// A case.
    async fn case(&self, token: &Token, case: i64) -> DeskResult<CaseDto>;
    /// A case's audit entries, in order (audited).
    async fn timeline(&self, token: &Token, case: i64) -> DeskResult<Vec<AuditDto>>;
    /// What the card's customer would receive, the code hidden, and what
    /// they would be asked (before anything is marked).
    async fn preview(&self, token: &Token, card: i64) -> DeskResult<InstructionPreview>;
    /// The case queue, newest first.
    async fn queue(&self, token: &Token, query: &QueueQuery) -> DeskResult<Page<CaseDto>>;

    /// Approves a verified case (supervisors; never one's own).
    async fn approve(&self, token: &Token, case: i64) -> DeskResult<CaseDto>;
    /// Rejects a verified case (supervisors).
    async fn reject(
        &self,
        token: &Token,
        case: i64,
        request: &ReasonRequest,
    ) -> DeskResult<CaseDto>;
    /// Gives a case to another agent (supervisors).
    async fn reassign(
        &self,
        token: &Token,
        case: i64,
        request: &ReassignRequest,
    ) -> DeskResult<CaseDto>;

    /// Audit entries in chain order (supervisors).
    async fn audit(&self, token: &Token, query: &AuditQuery) -> DeskResult<Page<AuditDto>>;
    /// Walks the audit chain (supervisors).
    async fn verify_audit(&self, token: &Token) -> DeskResult<ChainDto>;

    /// A voice prompt as WAV, for the agent to play into the call
    /// (audited: it speaks the code).
    async fn voice_audio(&self, token: &Token, message: i64) -> DeskResult<Vec<u8>>;

    /// The video-interview queue, oldest first (audited).
    async fn interviews(&self, token: &Token) -> DeskResult<Vec<InterviewDto>>;
    /// Takes an interview to review.
    async fn claim_interview(&self, token: &Token, application: i64) -> DeskResult<InterviewDto>;
    /// Gives an interview to another member of staff (supervisors).
    async fn reassign_interview(
        &self,
        token: &Token,
        application: i64,
        request: &ReassignRequest,
    ) -> DeskResult<InterviewDto>;
    /// The reviewer's verdict: a pass issues the card.
    async fn decide_interview(
        &self,
        token: &Token,
        application: i64,
        request: &VerdictRequest,
    ) -> DeskResult<VerdictAnswer>;
    /// Approves a pass given with an item unticked (supervisors, never the
    /// reviewer).
    async fn approve_override(&self, token: &Token, application: i64) -> DeskResult<VerdictAnswer>;
    /// Declines such a pass, with the reasons the applicant is told
    /// (supervisors, never the reviewer).
    async fn decline_override(
        &self,
        token: &Token,
        application: i64,
        request: &DeclineRequest,
    ) -> DeskResult<VerdictAnswer>;
    /// One of an interview's uploads, for its reviewer or a supervisor
    /// (audited).
    async fn interview_media(
        &self,
        token: &Token,
        application: i64,
        kind: UploadKind,
    ) -> DeskResult<Vec<u8>>;

    /// The offline demo's local outbox, opened, newest last. A shared
    /// server answers `not_available`: its outbox goes to the gateways.
    async fn local_outbox(&self) -> DeskResult<Vec<LocalInstructionDto>>;

    /// Live events for the session.
    async fn events(&self, token: &Token, filter: EventFilter) -> DeskResult<EventStream>;
}
