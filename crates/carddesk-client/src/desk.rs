//! The `Desk` trait over HTTP: each call is its route in
//! `carddesk_wire::routes`, nothing more. The server decides everything.

use carddesk_wire::{
    AuditDto, AuditQuery, CaseDto, ChainDto, CustomerView, DeclineRequest, Desk, DeskError,
    DeskMode, DeskResult, ErrorCode, EventFilter, EventStream, InstructRequest, InstructionPreview,
    InterviewDto, LocalInstructionDto, MediaQuery, Page, QueueQuery, ReasonRequest,
    ReassignRequest, SearchRequest, SearchResults, SignInRequest, SignedIn, StaffProfile, Token,
    TransitionDto, UploadKind, VerdictAnswer, VerdictRequest, routes,
};
use url::Url;

use crate::config::{ClientConfig, Server};
use crate::endpoint::{endpoint, endpoint_with_id, with_query};
use crate::http::{Body, Transport, json_body};

/// The desk of a shared `carddesk-server`, over HTTP.
#[derive(Clone)]
pub struct HttpDesk {
    transport: Transport,
}

impl std::fmt::Debug for HttpDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpDesk")
            .field("server", &Server(&self.transport.base))
            .finish_non_exhaustive()
    }
}

impl HttpDesk {
    /// A desk for the server `config` names. Fails with `invalid_input`
    /// when the base URL or the extra root certificate cannot be used.
    /// Nothing is sent yet.
    pub fn new(config: ClientConfig) -> DeskResult<Self> {
        Ok(Self {
            transport: Transport::new(&config)?,
        })
    }

    fn url(&self, route: &str) -> Url {
        endpoint(&self.transport.base, route)
    }

    fn url_of(&self, route: &str, id: i64) -> Url {
        endpoint_with_id(&self.transport.base, route, id)
    }

    /// A case write: `POST` to the case route with an optional body.
    async fn case_write(
        &self,
        token: &Token,
        route: &str,
        id: i64,
        body: Body,
    ) -> DeskResult<CaseDto> {
        self.transport
            .post(self.url_of(route, id), Some(token), body)
            .await
    }
}

#[async_trait::async_trait]
impl Desk for HttpDesk {
    fn mode(&self) -> DeskMode {
        DeskMode::Connected
    }

    async fn sign_in(&self, request: &SignInRequest) -> DeskResult<SignedIn> {
        let body = json_body(request)?;
        self.transport
            .post(self.url(routes::SIGN_IN), None, body)
            .await
    }

    async fn sign_out(&self, token: &Token) -> DeskResult<()> {
        let url = self.url(routes::SIGN_OUT);
        // The answer (`{"signed_out": true}`) says only that it worked.
        let _: serde::de::IgnoredAny = self.transport.post(url, Some(token), None).await?;
        Ok(())
    }

    async fn me(&self, token: &Token) -> DeskResult<StaffProfile> {
        self.transport.get(self.url(routes::ME), token).await
    }

    async fn search(&self, token: &Token, request: &SearchRequest) -> DeskResult<SearchResults> {
        let body = json_body(request)?;
        self.transport
            .post(self.url(routes::SEARCH), Some(token), body)
            .await
    }

    async fn customer(&self, token: &Token, customer: i64) -> DeskResult<CustomerView> {
        self.transport
            .get(self.url_of(routes::CUSTOMER, customer), token)
            .await
    }

    async fn card_history(&self, token: &Token, card: i64) -> DeskResult<Vec<TransitionDto>> {
        self.transport
            .get(self.url_of(routes::CARD_HISTORY, card), token)
            .await
    }

    async fn mark(&self, token: &Token, card: i64) -> DeskResult<CaseDto> {
        self.case_write(token, routes::MARK, card, None).await
    }

    async fn package(&self, token: &Token, case: i64) -> DeskResult<CaseDto> {
        self.case_write(token, routes::PACKAGE, case, None).await
    }

    async fn instruct(
        &self,
        token: &Token,
        case: i64,
        request: &InstructRequest,
    ) -> DeskResult<CaseDto> {
        self.case_write(token, routes::INSTRUCT, case, json_body(request)?)
            .await
    }

    async fn send_unfreeze(
        &self,
        token: &Token,
        card: i64,
        request: &InstructRequest,
    ) -> DeskResult<CaseDto> {
        self.case_write(token, routes::SEND_UNFREEZE, card, json_body(request)?)
            .await
    }

    async fn resend(
        &self,
        token: &Token,
        case: i64,
        request: &InstructRequest,
    ) -> DeskResult<CaseDto> {
        self.case_write(token, routes::RESEND, case, json_body(request)?)
            .await
    }

    async fn cancel(
        &self,
        token: &Token,
        case: i64,
        request: &ReasonRequest,
    ) -> DeskResult<CaseDto> {
        self.case_write(token, routes::CANCEL, case, json_body(request)?)
            .await
    }

    async fn case(&self, token: &Token, case: i64) -> DeskResult<CaseDto> {
        self.transport
            .get(self.url_of(routes::CASE, case), token)
            .await
    }

    async fn timeline(&self, token: &Token, case: i64) -> DeskResult<Vec<AuditDto>> {
        self.transport
            .get(self.url_of(routes::TIMELINE, case), token)
            .await
    }

    async fn preview(&self, token: &Token, case: i64) -> DeskResult<InstructionPreview> {
        self.transport
            .get(self.url_of(routes::PREVIEW, case), token)
            .await
    }

    async fn queue(&self, token: &Token, query: &QueueQuery) -> DeskResult<Page<CaseDto>> {
        let url = with_query(self.url(routes::QUEUE), query)?;
        self.transport.get(url, token).await
    }

    async fn approve(&self, token: &Token, case: i64) -> DeskResult<CaseDto> {
        self.case_write(token, routes::APPROVE, case, None).await
    }

    async fn reject(
        &self,
        token: &Token,
        case: i64,
        request: &ReasonRequest,
    ) -> DeskResult<CaseDto> {
        self.case_write(token, routes::REJECT, case, json_body(request)?)
            .await
    }

    async fn reassign(
        &self,
        token: &Token,
        case: i64,
        request: &ReassignRequest,
    ) -> DeskResult<CaseDto> {
        self.case_write(token, routes::REASSIGN, case, json_body(request)?)
            .await
    }

    async fn audit(&self, token: &Token, query: &AuditQuery) -> DeskResult<Page<AuditDto>> {
        let url = with_query(self.url(routes::AUDIT), query)?;
        self.transport.get(url, token).await
    }

    async fn verify_audit(&self, token: &Token) -> DeskResult<ChainDto> {
        self.transport
            .get(self.url(routes::VERIFY_AUDIT), token)
            .await
    }

    async fn interviews(&self, token: &Token) -> DeskResult<Vec<InterviewDto>> {
        self.transport
            .get(self.url(routes::INTERVIEWS), token)
            .await
    }

    async fn claim_interview(&self, token: &Token, application: i64) -> DeskResult<InterviewDto> {
        self.transport
            .post(
                self.url_of(routes::CLAIM_INTERVIEW, application),
                Some(token),
                None,
            )
            .await
    }

    async fn reassign_interview(
        &self,
        token: &Token,
        application: i64,
        request: &ReassignRequest,
    ) -> DeskResult<InterviewDto> {
        let url = self.url_of(routes::REASSIGN_INTERVIEW, application);
        self.transport
            .post(url, Some(token), json_body(request)?)
            .await
    }

    async fn decide_interview(
        &self,
        token: &Token,
        application: i64,
        request: &VerdictRequest,
    ) -> DeskResult<VerdictAnswer> {
        let url = self.url_of(routes::VERDICT, application);
        self.transport
            .post(url, Some(token), json_body(request)?)
            .await
    }

    async fn approve_override(&self, token: &Token, application: i64) -> DeskResult<VerdictAnswer> {
        self.transport
            .post(
                self.url_of(routes::OVERRIDE, application),
                Some(token),
                None,
            )
            .await
    }

    async fn decline_override(
        &self,
        token: &Token,
        application: i64,
        request: &DeclineRequest,
    ) -> DeskResult<VerdictAnswer> {
        let url = self.url_of(routes::DECLINE_OVERRIDE, application);
        self.transport
            .post(url, Some(token), json_body(request)?)
            .await
    }

    async fn interview_media(
        &self,
        token: &Token,
        application: i64,
        kind: UploadKind,
    ) -> DeskResult<Vec<u8>> {
        let url = with_query(
            self.url_of(routes::INTERVIEW_MEDIA, application),
            &MediaQuery { kind },
        )?;
        self.transport.get_media(url, token).await
    }

    async fn voice_audio(&self, token: &Token, message: i64) -> DeskResult<Vec<u8>> {
        let url = self.url_of(routes::VOICE_AUDIO, message);
        self.transport.get_audio(url, token).await
    }

    async fn local_outbox(&self) -> DeskResult<Vec<LocalInstructionDto>> {
        Err(DeskError::new(
            ErrorCode::NotAvailable,
            "a shared server sends instructions to the gateways; it has no local outbox",
        ))
    }

    async fn events(&self, token: &Token, filter: EventFilter) -> DeskResult<EventStream> {
        let url = with_query(self.url(routes::EVENTS), &filter)?;
        let first = self.transport.open_events_retrying(&url, token).await?;
        Ok(crate::live::stream(
            self.transport.clone(),
            url,
            token.clone(),
            first,
        ))
    }
}
