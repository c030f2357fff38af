//! The desk API: every agent and supervisor action as one call that
//! takes the signed-in staff session, checks the role (and, in the step
//! itself, whose case it is), audits refusals and reads, and answers in
//! the wire's types. [`LocalDesk`] is the in-process [`Desk`]; the server
//! builds one per request with the caller's address as origin, so the
//! console and the server run the very same calls.

pub mod access;
pub mod convert;
mod events;
mod interviews;
mod reads;
mod steps;

use carddesk_wire::{self as wire, Desk, DeskMode, DeskResult, Token};

use crate::{Processor, Result};
use access::Action;

/// The processor as a desk, for callers at `origin` (`console` for the
/// console's own desk; the client's address for the server).
#[derive(Debug, Clone)]
pub struct LocalDesk {
    processor: Processor,
    origin: String,
}

impl LocalDesk {
    /// The console's in-process desk.
    pub fn new(processor: Processor) -> Self {
        Self::with_origin(processor, "console")
    }

    /// A desk whose audit entries name `origin`.
    pub fn with_origin(processor: Processor, origin: impl Into<String>) -> Self {
        Self {
            processor,
            origin: origin.into(),
        }
    }

    /// The processor underneath.
    pub fn processor(&self) -> &Processor {
        &self.processor
    }

    async fn authorize(
        &self,
        token: &Token,
        action: Action,
        object: &str,
    ) -> Result<carddesk_domain::StaffMember> {
        self.processor
            .authorize(token, action, object, &self.origin)
            .await
    }

    fn max_attempts(&self) -> u32 {
        self.processor.config().limits.attempts_per_case
    }
}

/// A processor result as a desk result.
fn answer<T>(result: Result<T>) -> DeskResult<T> {
    result.map_err(convert::desk_error)
}

#[async_trait::async_trait]
impl Desk for LocalDesk {
    fn mode(&self) -> DeskMode {
        DeskMode::Offline
    }

    async fn sign_in(&self, request: &wire::SignInRequest) -> DeskResult<wire::SignedIn> {
        answer(self.sign_in_checked(request).await)
    }

    async fn sign_out(&self, token: &Token) -> DeskResult<()> {
        answer(self.processor.sign_out(token, &self.origin).await)
    }

    async fn me(&self, token: &Token) -> DeskResult<wire::StaffProfile> {
        answer(self.profile(token).await)
    }

    async fn search(
        &self,
        token: &Token,
        request: &wire::SearchRequest,
    ) -> DeskResult<wire::SearchResults> {
        answer(self.search_audited(token, request).await)
    }

    async fn customer(&self, token: &Token, customer: i64) -> DeskResult<wire::CustomerView> {
        answer(self.customer_audited(token, customer).await)
    }

    async fn card_history(&self, token: &Token, card: i64) -> DeskResult<Vec<wire::TransitionDto>> {
        answer(self.card_history_audited(token, card).await)
    }

    async fn mark(&self, token: &Token, card: i64) -> DeskResult<wire::CaseDto> {
        answer(self.mark_card(token, card).await)
    }

    async fn package(&self, token: &Token, case: i64) -> DeskResult<wire::CaseDto> {
        answer(self.package_case(token, case).await)
    }

    async fn instruct(
        &self,
        token: &Token,
        case: i64,
        request: &wire::InstructRequest,
    ) -> DeskResult<wire::CaseDto> {
        answer(self.send(token, case, *request, false).await)
    }

    async fn send_unfreeze(
        &self,
        token: &Token,
        card: i64,
        request: &wire::InstructRequest,
    ) -> DeskResult<wire::CaseDto> {
        answer(self.send_in_one_go(token, card, *request).await)
    }

    async fn resend(
        &self,
        token: &Token,
        case: i64,
        request: &wire::InstructRequest,
    ) -> DeskResult<wire::CaseDto> {
        answer(self.send(token, case, *request, true).await)
    }

    async fn cancel(
        &self,
        token: &Token,
        case: i64,
        request: &wire::ReasonRequest,
    ) -> DeskResult<wire::CaseDto> {
        answer(
            self.close(token, case, request, steps::Closing::Cancel)
                .await,
        )
    }

    async fn case(&self, token: &Token, case: i64) -> DeskResult<wire::CaseDto> {
        answer(self.case_view(token, case).await)
    }

    async fn timeline(&self, token: &Token, case: i64) -> DeskResult<Vec<wire::AuditDto>> {
        answer(self.timeline_audited(token, case).await)
    }

    async fn preview(&self, token: &Token, card: i64) -> DeskResult<wire::InstructionPreview> {
        answer(self.preview_for(token, card).await)
    }

    async fn queue(
        &self,
        token: &Token,
        query: &wire::QueueQuery,
    ) -> DeskResult<wire::Page<wire::CaseDto>> {
        answer(self.queue_page(token, query).await)
    }

    async fn approve(&self, token: &Token, case: i64) -> DeskResult<wire::CaseDto> {
        answer(self.approve_case(token, case).await)
    }

    async fn reject(
        &self,
        token: &Token,
        case: i64,
        request: &wire::ReasonRequest,
    ) -> DeskResult<wire::CaseDto> {
        answer(
            self.close(token, case, request, steps::Closing::Reject)
                .await,
        )
    }

    async fn reassign(
        &self,
        token: &Token,
        case: i64,
        request: &wire::ReassignRequest,
    ) -> DeskResult<wire::CaseDto> {
        answer(self.reassign_case(token, case, request).await)
    }

    async fn audit(
        &self,
        token: &Token,
        query: &wire::AuditQuery,
    ) -> DeskResult<wire::Page<wire::AuditDto>> {
        answer(self.audit_page(token, query).await)
    }

    async fn verify_audit(&self, token: &Token) -> DeskResult<wire::ChainDto> {
        answer(self.verify_chain(token).await)
    }

    async fn voice_audio(&self, token: &Token, message: i64) -> DeskResult<Vec<u8>> {
        answer(self.voice(token, message).await)
    }

    async fn interviews(&self, token: &Token) -> DeskResult<Vec<wire::InterviewDto>> {
        answer(self.interview_list(token).await)
    }

    async fn claim_interview(
        &self,
        token: &Token,
        application: i64,
    ) -> DeskResult<wire::InterviewDto> {
        answer(self.claim(token, application).await)
    }

    async fn reassign_interview(
        &self,
        token: &Token,
        application: i64,
        request: &wire::ReassignRequest,
    ) -> DeskResult<wire::InterviewDto> {
        answer(self.reassign_to(token, application, request).await)
    }

    async fn decide_interview(
        &self,
        token: &Token,
        application: i64,
        request: &wire::VerdictRequest,
    ) -> DeskResult<wire::VerdictAnswer> {
        answer(self.verdict(token, application, request).await)
    }

    async fn approve_override(
        &self,
        token: &Token,
        application: i64,
    ) -> DeskResult<wire::VerdictAnswer> {
        answer(self.override_pass(token, application).await)
    }

    async fn decline_override(
        &self,
        token: &Token,
        application: i64,
        request: &wire::DeclineRequest,
    ) -> DeskResult<wire::VerdictAnswer> {
        answer(self.decline(token, application, request).await)
    }

    async fn interview_media(
        &self,
        token: &Token,
        application: i64,
        kind: wire::UploadKind,
    ) -> DeskResult<Vec<u8>> {
        answer(self.media(token, application, kind).await)
    }

    async fn local_outbox(&self) -> DeskResult<Vec<wire::LocalInstructionDto>> {
        answer(
            self.processor
                .local_outbox(200)
                .await
                .map(|all| all.iter().map(convert::local_instruction).collect()),
        )
    }

    async fn events(
        &self,
        token: &Token,
        filter: wire::EventFilter,
    ) -> DeskResult<wire::EventStream> {
        Ok(self.watch_as(token, filter).await?.1)
    }
}
