//! The agent API: every console action of the unfreeze job, each call
//! authenticated by a staff session and role-checked here, whatever the
//! console shows or hides.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use carddesk_domain::card::CardNumber;
use carddesk_domain::case::CaseId;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{CardId, CaseState, CustomerId, Role};
use carddesk_processor::{Channels, CustomerQuery};
use carddesk_store::{CaseFilter, ChainReport};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::dto::{AuditDto, CaseDto, CustomerDto};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, Origin, PathId, QueryOf, Staff};

/// The agent API's routes, under `/api/agent`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sign-in", post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/customers/search", post(look_up))
        .route("/cards/{card}/history", get(card_history))
        .route("/cards/{card}/cases", post(mark))
        .route("/cases", get(queue))
        .route("/cases/{case}", get(case))
        .route("/cases/{case}/timeline", get(timeline))
        .route("/cases/{case}/package", post(package))
        .route("/cases/{case}/instructions", post(instruct))
        .route("/cases/{case}/resend", post(resend))
        .route("/cases/{case}/cancel", post(cancel))
        .route("/outbox/{message}/audio", get(voice_audio))
        .route("/cases/{case}/approve", post(approve))
        .route("/cases/{case}/reject", post(reject))
        .route("/audit", get(audit))
        .route("/audit/verify", get(verify_audit))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SignIn {
    username: String,
    #[schema(value_type = String)]
    password: SecretString,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SignedIn {
    token: String,
    username: String,
    display_name: String,
    role: &'static str,
    expires_at: DateTime<Utc>,
}

#[utoipa::path(post, path = "/api/agent/sign-in", request_body = SignIn, responses((status = 200, description = "signed in", body = SignedIn), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn sign_in(
    State(s): State<AppState>,
    Origin(origin): Origin,
    JsonBody(body): JsonBody<SignIn>,
) -> ApiResult<Json<SignedIn>> {
    // The username goes into the audit log as it is: control characters
    // could forge lines there.
    if body.username.is_empty()
        || body.username.len() > 64
        || body.username.chars().any(char::is_control)
    {
        return Err(ApiError::invalid(
            "a username has 1 to 64 characters, without control characters",
        ));
    }
    let session = s
        .processor
        .sign_in(&body.username, &body.password, &origin)
        .await?;
    Ok(Json(SignedIn {
        // The token goes to the console once, over this response only.
        token: secrecy::ExposeSecret::expose_secret(&session.token).to_owned(),
        username: session.member.username,
        display_name: session.display_name,
        role: session.member.role.as_str(),
        expires_at: session.expires_at,
    }))
}

#[utoipa::path(post, path = "/api/agent/sign-out", security(("bearer" = [])), responses((status = 200, description = "signed out"), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn sign_out(
    State(s): State<AppState>,
    Origin(origin): Origin,
    headers: axum::http::HeaderMap,
) -> ApiResult<Json<serde_json::Value>> {
    let token = crate::extract::bearer(&headers).ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "sign in first",
        )
    })?;
    s.processor.sign_out(&token, &origin).await?;
    Ok(Json(serde_json::json!({ "signed_out": true })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct LookUp {
    phone: Option<String>,
    id_number: Option<String>,
    card_number: Option<String>,
    customer_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/agent/customers/search", request_body = LookUp, security(("bearer" = [])), responses((status = 200, description = "customers found, with their cards masked", body = Vec<CustomerDto>), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
// A search is a POST so card and ID numbers travel in the body, never in
// a URL that proxies and access logs keep.
async fn look_up(
    State(s): State<AppState>,
    _staff: Staff,
    JsonBody(q): JsonBody<LookUp>,
) -> ApiResult<Json<Vec<CustomerDto>>> {
    let query = match (q.phone, q.id_number, q.card_number, q.customer_id) {
        (Some(p), None, None, None) => CustomerQuery::Phone(
            PhoneNumber::parse(&p).map_err(|e| ApiError::invalid(e.to_string()))?,
        ),
        (None, Some(id), None, None) => CustomerQuery::Document(
            IdDocument::resident_id(&id).map_err(|e| ApiError::invalid(e.to_string()))?,
        ),
        (None, None, Some(pan), None) => CustomerQuery::CardNumber(
            CardNumber::parse(&pan).map_err(|e| ApiError::invalid(e.to_string()))?,
        ),
        (None, None, None, Some(id)) => CustomerQuery::Id(CustomerId(id)),
        _ => {
            return Err(ApiError::invalid(
                "look up by exactly one of phone, id_number, card_number, customer_id",
            ));
        }
    };
    let policy = s.processor.policy();
    Ok(Json(
        s.processor
            .look_up(&query)
            .await?
            .iter()
            .map(|f| CustomerDto::new(&f.customer, &f.cards, policy))
            .collect(),
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct TransitionDto {
    from: &'static str,
    to: &'static str,
    reason: Option<&'static str>,
    channel: &'static str,
    actor: String,
    at: DateTime<Utc>,
}

#[utoipa::path(get, path = "/api/agent/cards/{card}/history", params(("card" = i64, Path, description = "card id")), security(("bearer" = [])), responses((status = 200, description = "the card's status changes, oldest first", body = Vec<TransitionDto>), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn card_history(
    State(s): State<AppState>,
    _staff: Staff,
    PathId(card): PathId,
) -> ApiResult<Json<Vec<TransitionDto>>> {
    // A card that does not exist is a 404, not an empty history.
    s.processor
        .store()
        .card(CardId(card))
        .await
        .map_err(carddesk_processor::ProcessorError::from)?
        .ok_or(carddesk_processor::ProcessorError::NotFound("card"))?;
    let history = s
        .processor
        .store()
        .card_history(CardId(card))
        .await
        .map_err(carddesk_processor::ProcessorError::from)?;
    Ok(Json(
        history
            .into_iter()
            .map(|t| TransitionDto {
                from: t.from.as_str(),
                to: t.to.as_str(),
                reason: t.reason.map(|r| r.as_str()),
                channel: t.channel.as_str(),
                actor: t.actor,
                at: t.at,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/agent/cards/{card}/cases", params(("card" = i64, Path, description = "card id")), security(("bearer" = [])), responses((status = 200, description = "the case after the step", body = CaseDto), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn mark(
    State(s): State<AppState>,
    Staff(staff): Staff,
    Origin(origin): Origin,
    PathId(card): PathId,
) -> ApiResult<Json<CaseDto>> {
    Ok(Json(
        (&s.processor.mark(&staff, CardId(card), &origin).await?).into(),
    ))
}

#[utoipa::path(get, path = "/api/agent/cases/{case}", params(("case" = i64, Path, description = "case id")), security(("bearer" = [])), responses((status = 200, description = "the case", body = CaseDto), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn case(
    State(s): State<AppState>,
    _staff: Staff,
    PathId(case): PathId,
) -> ApiResult<Json<CaseDto>> {
    Ok(Json((&s.processor.case(CaseId(case)).await?).into()))
}

#[utoipa::path(get, path = "/api/agent/cases/{case}/timeline", params(("case" = i64, Path, description = "case id")), security(("bearer" = [])), responses((status = 200, description = "the case's audit entries", body = Vec<AuditDto>), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn timeline(
    State(s): State<AppState>,
    _staff: Staff,
    PathId(case): PathId,
) -> ApiResult<Json<Vec<AuditDto>>> {
    // A case that does not exist is a 404, not an empty timeline.
    s.processor.case(CaseId(case)).await?;
    Ok(Json(
        s.processor
            .timeline(CaseId(case))
            .await?
            .iter()
            .map(AuditDto::from)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/agent/cases/{case}/package", params(("case" = i64, Path, description = "case id")), security(("bearer" = [])), responses((status = 200, description = "the case after the step", body = CaseDto), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn package(
    State(s): State<AppState>,
    Staff(staff): Staff,
    Origin(origin): Origin,
    PathId(case): PathId,
) -> ApiResult<Json<CaseDto>> {
    Ok(Json(
        (&s.processor.package(&staff, CaseId(case), &origin).await?).into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Instruct {
    text: bool,
    voice: bool,
}

#[utoipa::path(post, path = "/api/agent/cases/{case}/instructions", params(("case" = i64, Path, description = "case id")), request_body = Instruct, security(("bearer" = [])), responses((status = 200, description = "the case after the step", body = CaseDto), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn instruct(
    State(s): State<AppState>,
    Staff(staff): Staff,
    Origin(origin): Origin,
    PathId(case): PathId,
    JsonBody(body): JsonBody<Instruct>,
) -> ApiResult<Json<CaseDto>> {
    let channels = Channels {
        text: body.text,
        voice: body.voice,
    };
    Ok(Json(
        (&s.processor
            .instruct(&staff, CaseId(case), channels, &origin)
            .await?)
            .into(),
    ))
}

#[utoipa::path(post, path = "/api/agent/cases/{case}/resend", params(("case" = i64, Path, description = "case id")), request_body = Instruct, security(("bearer" = [])), responses((status = 200, description = "the case after the step", body = CaseDto), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn resend(
    State(s): State<AppState>,
    Staff(staff): Staff,
    Origin(origin): Origin,
    PathId(case): PathId,
    JsonBody(body): JsonBody<Instruct>,
) -> ApiResult<Json<CaseDto>> {
    let channels = Channels {
        text: body.text,
        voice: body.voice,
    };
    Ok(Json(
        (&s.processor
            .resend(&staff, CaseId(case), channels, &origin)
            .await?)
            .into(),
    ))
}

// The voice prompt as audio, for the agent to play into the call. Rendered
// on demand and never stored: it speaks the one-time code.
#[utoipa::path(get, path = "/api/agent/outbox/{message}/audio", params(("message" = i64, Path, description = "outbox message id of a voice prompt")), security(("bearer" = [])), responses((status = 200, description = "the prompt as WAV", content_type = "audio/wav", body = Vec<u8>), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn voice_audio(
    State(s): State<AppState>,
    Staff(staff): Staff,
    Origin(origin): Origin,
    PathId(message): PathId,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let engine = carddesk_processor::delivery::speech::platform_engine();
    let wav = s
        .processor
        .voice_prompt_audio(&staff, message, engine.as_ref(), &origin)
        .await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "audio/wav"),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        wav.to_vec(),
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Reason {
    reason: String,
}

fn checked_reason(reason: &str) -> ApiResult<&str> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 || reason.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "give a reason of 1 to 500 characters, without control characters",
        ));
    }
    Ok(reason)
}

#[utoipa::path(post, path = "/api/agent/cases/{case}/cancel", params(("case" = i64, Path, description = "case id")), request_body = Reason, security(("bearer" = [])), responses((status = 200, description = "the case after the step", body = CaseDto), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn cancel(
    State(s): State<AppState>,
    Staff(staff): Staff,
    Origin(origin): Origin,
    PathId(case): PathId,
    JsonBody(body): JsonBody<Reason>,
) -> ApiResult<Json<CaseDto>> {
    let reason = checked_reason(&body.reason)?;
    Ok(Json(
        (&s.processor
            .cancel(&staff, CaseId(case), reason, &origin)
            .await?)
            .into(),
    ))
}

#[utoipa::path(post, path = "/api/agent/cases/{case}/approve", params(("case" = i64, Path, description = "case id")), security(("bearer" = [])), responses((status = 200, description = "the case after the step", body = CaseDto), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn approve(
    State(s): State<AppState>,
    staff: Staff,
    Origin(origin): Origin,
    PathId(case): PathId,
) -> ApiResult<Json<CaseDto>> {
    let supervisor = staff.require(Role::Supervisor)?;
    Ok(Json(
        (&s.processor
            .approve(supervisor, CaseId(case), &origin)
            .await?)
            .into(),
    ))
}

#[utoipa::path(post, path = "/api/agent/cases/{case}/reject", params(("case" = i64, Path, description = "case id")), request_body = Reason, security(("bearer" = [])), responses((status = 200, description = "the case after the step", body = CaseDto), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn reject(
    State(s): State<AppState>,
    staff: Staff,
    Origin(origin): Origin,
    PathId(case): PathId,
    JsonBody(body): JsonBody<Reason>,
) -> ApiResult<Json<CaseDto>> {
    let supervisor = staff.require(Role::Supervisor)?;
    let reason = checked_reason(&body.reason)?;
    Ok(Json(
        (&s.processor
            .reject(supervisor, CaseId(case), reason, &origin)
            .await?)
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct QueueQuery {
    /// Comma-separated states.
    state: Option<String>,
    /// Only cases opened by this agent (`agent:alice`).
    opened_by: Option<String>,
    /// Only cases opened more than this many minutes ago (against an SLA).
    older_than_minutes: Option<u32>,
    /// Keyset pagination: the `next` of the previous page.
    before: Option<i64>,
    /// Page size, 1 to 200 (50 by default).
    limit: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Page<T> {
    items: Vec<T>,
    /// Pass as `before` for the next page; absent on the last one.
    next: Option<i64>,
}

#[utoipa::path(get, path = "/api/agent/cases", params(QueueQuery), security(("bearer" = [])), responses((status = 200, description = "cases, newest first", body = Page<CaseDto>), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn queue(
    State(s): State<AppState>,
    _staff: Staff,
    QueryOf(q): QueryOf<QueueQuery>,
) -> ApiResult<Json<Page<CaseDto>>> {
    let states = match q.state.as_deref() {
        None | Some("") => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|name| {
                CaseState::parse(name.trim()).ok_or_else(|| {
                    ApiError::invalid(format!(
                        "unknown case state {:?}",
                        name.chars().take(32).collect::<String>()
                    ))
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let filter = CaseFilter {
        states,
        opened_by: q.opened_by,
        opened_before: q
            .older_than_minutes
            .map(|m| s.processor.now() - chrono::Duration::minutes(i64::from(m))),
        before_id: q.before,
        limit,
    };
    let cases = s
        .processor
        .store()
        .cases(&filter)
        .await
        .map_err(carddesk_processor::ProcessorError::from)?;
    let next = (cases.len() == limit as usize)
        .then(|| cases.last().map(|c| c.id.0))
        .flatten();
    Ok(Json(Page {
        items: cases.iter().map(CaseDto::from).collect(),
        next,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    object: Option<String>,
    after: Option<i64>,
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/agent/audit", params(AuditQuery), security(("bearer" = [])), responses((status = 200, description = "audit entries in chain order", body = Page<AuditDto>), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn audit(
    State(s): State<AppState>,
    staff: Staff,
    QueryOf(q): QueryOf<AuditQuery>,
) -> ApiResult<Json<Page<AuditDto>>> {
    staff.require(Role::Supervisor)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1_000);
    let entries = s
        .processor
        .store()
        .audit_entries(q.object.as_deref(), q.after.unwrap_or(0), limit)
        .await
        .map_err(carddesk_processor::ProcessorError::from)?;
    let next = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    Ok(Json(Page {
        items: entries.iter().map(AuditDto::from).collect(),
        next,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ChainDto {
    intact: bool,
    entries: Option<u64>,
    broken_at: Option<i64>,
}

#[utoipa::path(get, path = "/api/agent/audit/verify", security(("bearer" = [])), responses((status = 200, description = "whether the hash chain is intact", body = ChainDto), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn verify_audit(State(s): State<AppState>, staff: Staff) -> ApiResult<Json<ChainDto>> {
    staff.require(Role::Supervisor)?;
    Ok(Json(match s.processor.verify_audit_chain().await? {
        ChainReport::Intact { entries } => ChainDto {
            intact: true,
            entries: Some(entries),
            broken_at: None,
        },
        ChainReport::Broken { seq } => ChainDto {
            intact: false,
            entries: None,
            broken_at: Some(seq),
        },
    }))
}

/// The agent API's OpenAPI paths.
#[derive(Debug, utoipa::OpenApi)]
#[openapi(paths(
    sign_in,
    sign_out,
    look_up,
    card_history,
    mark,
    case,
    timeline,
    package,
    instruct,
    resend,
    voice_audio,
    cancel,
    approve,
    reject,
    queue,
    audit,
    verify_audit
))]
pub struct AgentApi;
