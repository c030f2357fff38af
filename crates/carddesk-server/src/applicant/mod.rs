//! The applicant API (job 2), as JSON for a mobile app and for the pages'
//! video recorder: apply, the two-card route, the interview's uploads, the
//! card shown once. A bearer token from the application opens that
//! application only; every call is rate-limited per client address.

mod bodies;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use carddesk_processor::ProcessorError;
use carddesk_processor::desk::convert::{media_kind, upload_kind};
use secrecy::ExposeSecret;

pub use bodies::*;

use crate::AppState;
use crate::customer::CustomerLimits;
use crate::error::{ApiError, ApiResult};
use crate::extract::{CustomerToken, JsonBody, Origin};
use crate::limits::{Buckets, RateLimiter};

/// Where the applicant API lives.
pub const PREFIX: &str = "/api/applicant";

/// The largest upload taken: the video's limit, with room for nothing
/// else (the processor checks each kind's own limit by content).
pub const MAX_UPLOAD: usize = 25 * 1024 * 1024;

/// The applicant API's routes, under [`PREFIX`].
pub fn routes_with(limits: CustomerLimits, buckets: &Buckets) -> Router<AppState> {
    let limiter = Arc::new(RateLimiter::new(
        "applicant:addr",
        limits.address_burst,
        limits.address_per_minute,
        buckets,
    ));
    Router::new()
        .route("/applications", post(apply))
        .route("/application", get(status))
        .route("/withdrawal", post(withdraw))
        .route("/two-card/card", post(prove_card))
        .route("/two-card/code", post(enter_code))
        .route(
            "/media/{kind}",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/card/reveal", post(reveal))
        .route_layer(middleware::from_fn_with_state(limiter, per_address))
        // Answers carry a session token, and one the card's number: no
        // cache on the way may keep them.
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        ))
}

async fn per_address(
    State(limiter): State<Arc<RateLimiter>>,
    req: Request,
    next: Next,
) -> Response {
    let addr = crate::extract::client_addr(req.extensions());
    if let Err(wait) = limiter.take(&format!("addr:{addr}")).await {
        tracing::warn!(origin = %addr, "applicant API request over the address's rate limit");
        return crate::limits::rate_limited(wait);
    }
    next.run(req).await
}

/// A token that opens no application is a failed authentication.
fn session_error(e: ProcessorError) -> ApiError {
    match e {
        ProcessorError::Unauthenticated => ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            carddesk_wire::ErrorCode::Unauthenticated,
            "apply first, or your application's session has ended",
        ),
        other => other.into(),
    }
}

#[utoipa::path(post, path = "/api/applicant/applications", request_body = ApplyBody, responses((status = 200, description = "received and routed: the authentication page to go to, and a session", body = Applied), (status = 429, description = "rate-limited, or too many applications today (`too_many_applications`, `too_many_from_address`)", body = crate::error::ErrorBody), (status = "4XX", description = "refused, in the common shape (`open_application`, `court_order_freeze`, `invalid_input`)", body = crate::error::ErrorBody)))]
async fn apply(
    State(s): State<AppState>,
    Origin(origin): Origin,
    JsonBody(body): JsonBody<ApplyBody>,
) -> ApiResult<Json<Applied>> {
    let form = body.into_form()?;
    let submitted = s.processor.submit_application(form, &origin).await?;
    Ok(Json(Applied {
        application_id: submitted.application_id.0,
        route: submitted.route.into(),
        session_token: submitted.session.expose_secret().to_owned(),
    }))
}

#[utoipa::path(get, path = "/api/applicant/application", security(("bearer" = [])), responses((status = 200, description = "where the application stands", body = StatusDto), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn status(
    State(s): State<AppState>,
    CustomerToken(token): CustomerToken,
) -> ApiResult<Json<StatusDto>> {
    let st = s
        .processor
        .application_status(&token)
        .await
        .map_err(session_error)?;
    let a = &st.application;
    Ok(Json(StatusDto {
        application_id: a.id.0,
        state: a.state.into(),
        route: a.route.map(Into::into),
        interview_step: carddesk_wire::InterviewStep::parse(a.interview.as_str())
            .unwrap_or(carddesk_wire::InterviewStep::AwaitingUploads),
        verdict_reasons: st
            .verdict_reasons
            .iter()
            .filter_map(|r| carddesk_domain::application::VerdictReason::parse(r))
            .map(Into::into)
            .collect(),
        missing_uploads: st.missing_uploads.iter().map(|k| upload_kind(*k)).collect(),
        card: st.card.as_ref().map(IssuedDto::from),
        revealed: st.revealed,
    }))
}

#[utoipa::path(post, path = "/api/applicant/withdrawal", security(("bearer" = [])), responses((status = 204, description = "withdrawn"), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn withdraw(
    State(s): State<AppState>,
    Origin(origin): Origin,
    CustomerToken(token): CustomerToken,
) -> ApiResult<axum::http::StatusCode> {
    s.processor
        .withdraw_application(&token, &origin)
        .await
        .map_err(session_error)?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/applicant/two-card/card", request_body = CardProof, security(("bearer" = [])), responses((status = 200, description = "the card and password matched: a code went to the phone on file for the card", body = CodeSentDto), (status = 401, description = "`verification_failed`: the details do not match (never which), with the attempts left", body = crate::error::ErrorBody), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn prove_card(
    State(s): State<AppState>,
    Origin(origin): Origin,
    CustomerToken(token): CustomerToken,
    JsonBody(body): JsonBody<CardProof>,
) -> ApiResult<Json<CodeSentDto>> {
    let (number, password) = body.parse()?;
    let sent = s
        .processor
        .prove_card(&token, &number, password, &origin)
        .await
        .map_err(session_error)?;
    Ok(Json(CodeSentDto {
        phone_masked: sent.phone_masked,
        expires_at: sent.expires_at,
    }))
}

#[utoipa::path(post, path = "/api/applicant/two-card/code", request_body = CodeBody, security(("bearer" = [])), responses((status = 200, description = "the code matched: the card is issued", body = IssuedDto), (status = 401, description = "`verification_failed`, with the attempts left", body = crate::error::ErrorBody), (status = 410, description = "`expired`: prove the card again for a new code", body = crate::error::ErrorBody), (status = 409, description = "`illegal_state`: the application cannot take this step; `not_completed`: after the right code, its card could not be issued (the card proven is no longer active, or one of the applicant's cards is under a court order): it is rejected, and the answer says only that it could not be completed", body = crate::error::ErrorBody), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn enter_code(
    State(s): State<AppState>,
    Origin(origin): Origin,
    CustomerToken(token): CustomerToken,
    JsonBody(body): JsonBody<CodeBody>,
) -> ApiResult<Json<IssuedDto>> {
    if body.code.len() > 6 {
        return Err(ApiError::invalid("the code has six digits"));
    }
    let issued = s
        .processor
        .enter_application_code(&token, &body.code, &origin)
        .await
        .map_err(session_error)?;
    Ok(Json(IssuedDto::from(&issued)))
}

#[utoipa::path(post, path = "/api/applicant/media/{kind}", params(("kind" = carddesk_wire::UploadKind, Path, description = "which upload this is")), request_body(content = Vec<u8>, description = "the file's bytes, checked by content: a JPEG or PNG photo of at most 5 MiB and 64 to 8192 pixels a side (id_front, id_back, selfie), or a WebM or MP4 video of at most 25 MiB lasting 1 to 60 seconds (video)", content_type = "application/octet-stream"), security(("bearer" = [])), responses((status = 200, description = "stored; the kinds still missing (none: the interview is queued)", body = UploadedDto), (status = 422, description = "`invalid_upload`: not a real photo or video, damaged, too large, too short or too long", body = crate::error::ErrorBody), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn upload(
    State(s): State<AppState>,
    Origin(origin): Origin,
    kind: Result<Path<carddesk_wire::UploadKind>, axum::extract::rejection::PathRejection>,
    CustomerToken(token): CustomerToken,
    bytes: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    // An unknown kind is refused in the common shape, not axum's text.
    let Ok(Path(kind)) = kind else {
        return ApiError::invalid("the upload's kind is id_front, id_back, selfie or video")
            .into_response();
    };
    let Ok(bytes) = bytes else {
        return ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            carddesk_wire::ErrorCode::TooLarge,
            "the file is larger than 25 MiB",
        )
        .into_response();
    };
    match s
        .processor
        .upload_interview_media(&token, media_kind(kind), &bytes, &origin)
        .await
    {
        Ok(missing) => Json(UploadedDto {
            missing: missing.into_iter().map(upload_kind).collect(),
        })
        .into_response(),
        Err(e) => session_error(e).into_response(),
    }
}

#[utoipa::path(post, path = "/api/applicant/card/reveal", security(("bearer" = [])), responses((status = 200, description = "the card's full number and security code, this once", body = RevealedDto), (status = 409, description = "`already_shown`: they were shown once and cannot be again", body = crate::error::ErrorBody), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn reveal(
    State(s): State<AppState>,
    Origin(origin): Origin,
    CustomerToken(token): CustomerToken,
) -> ApiResult<Json<RevealedDto>> {
    let shown = s
        .processor
        .reveal_card(&token, &origin)
        .await
        .map_err(session_error)?;
    Ok(Json(RevealedDto {
        number: shown.number.expose_secret().to_owned(),
        security_code: shown.security_code.expose_secret().to_owned(),
        expiry_month: shown.card.expiry_month,
        expiry_year: shown.card.expiry_year,
    }))
}

/// The applicant API's OpenAPI paths.
#[derive(Debug, utoipa::OpenApi)]
#[openapi(paths(apply, status, withdraw, prove_card, enter_code, upload, reveal))]
pub struct ApplicantApi;
