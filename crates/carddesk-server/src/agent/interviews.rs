//! The video-interview queue over HTTP: each handler one desk call. Who
//! may claim, decide, see the uploads or approve an override is the desk's
//! and the processor's to decide.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use carddesk_wire::{
    DeclineRequest, Desk, InterviewDto, MediaQuery, ReassignRequest, VerdictAnswer, VerdictRequest,
    routes,
};

use super::{Refused, desk};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{JsonBody, Origin, PathId, QueryOf, StaffToken};

#[utoipa::path(get, path = routes::INTERVIEWS, context_path = routes::PREFIX, security(("bearer" = [])),
    responses((status = 200, description = "interviews waiting for or under review, oldest first, with their ages against the SLA (audited)", body = Vec<InterviewDto>), Refused))]
pub(crate) async fn interviews(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
) -> ApiResult<Json<Vec<InterviewDto>>> {
    Ok(Json(desk(&s, origin).interviews(&token).await?))
}

#[utoipa::path(post, path = routes::CLAIM_INTERVIEW, context_path = routes::PREFIX, params(("application" = i64, Path, description = "application id")), security(("bearer" = [])),
    responses((status = 200, description = "the interview, now the caller's to review", body = InterviewDto), Refused))]
pub(crate) async fn claim(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(application): PathId,
) -> ApiResult<Json<InterviewDto>> {
    Ok(Json(
        desk(&s, origin)
            .claim_interview(&token, application)
            .await?,
    ))
}

#[utoipa::path(post, path = routes::REASSIGN_INTERVIEW, context_path = routes::PREFIX, params(("application" = i64, Path, description = "application id")), request_body = ReassignRequest, security(("bearer" = [])),
    responses((status = 200, description = "the interview, now held by the member of staff named (supervisors)", body = InterviewDto), Refused))]
pub(crate) async fn reassign(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(application): PathId,
    JsonBody(body): JsonBody<ReassignRequest>,
) -> ApiResult<Json<InterviewDto>> {
    Ok(Json(
        desk(&s, origin)
            .reassign_interview(&token, application, &body)
            .await?,
    ))
}

#[utoipa::path(post, path = routes::VERDICT, context_path = routes::PREFIX, params(("application" = i64, Path, description = "application id")), request_body = VerdictRequest, security(("bearer" = [])),
    responses((status = 200, description = "what the verdict did: a pass issues the card, a fail rejects, a retry asks for new uploads, or rejects once the application's attempts are used up (the applicant is told)", body = VerdictAnswer), Refused))]
pub(crate) async fn verdict(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(application): PathId,
    JsonBody(body): JsonBody<VerdictRequest>,
) -> ApiResult<Json<VerdictAnswer>> {
    Ok(Json(
        desk(&s, origin)
            .decide_interview(&token, application, &body)
            .await?,
    ))
}

#[utoipa::path(post, path = routes::OVERRIDE, context_path = routes::PREFIX, params(("application" = i64, Path, description = "application id")), security(("bearer" = [])),
    responses((status = 200, description = "the override approved and the card issued (a supervisor who did not claim, reassign or review the interview)", body = VerdictAnswer), Refused))]
pub(crate) async fn approve_override(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(application): PathId,
) -> ApiResult<Json<VerdictAnswer>> {
    Ok(Json(
        desk(&s, origin)
            .approve_override(&token, application)
            .await?,
    ))
}

#[utoipa::path(post, path = routes::DECLINE_OVERRIDE, context_path = routes::PREFIX, params(("application" = i64, Path, description = "application id")), request_body = DeclineRequest, security(("bearer" = [])),
    responses((status = 200, description = "the override declined: the application rejected and the applicant told why (a supervisor who did not claim, reassign or review the interview)", body = VerdictAnswer), Refused))]
pub(crate) async fn decline_override(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(application): PathId,
    JsonBody(body): JsonBody<DeclineRequest>,
) -> ApiResult<Json<VerdictAnswer>> {
    Ok(Json(
        desk(&s, origin)
            .decline_override(&token, application, &body)
            .await?,
    ))
}

// An upload as its reviewer sees it. Never cached: it is personal data.
#[utoipa::path(get, path = routes::INTERVIEW_MEDIA, context_path = routes::PREFIX, params(("application" = i64, Path, description = "application id"), MediaQuery), security(("bearer" = [])),
    responses((status = 200, description = "the upload's bytes (audited)", content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "video/webm"), (Vec<u8> = "video/mp4"))), Refused))]
pub(crate) async fn media(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(application): PathId,
    QueryOf(query): QueryOf<MediaQuery>,
) -> ApiResult<Response> {
    let bytes = desk(&s, origin)
        .interview_media(&token, application, query.kind)
        .await?;
    let mime = carddesk_media::sniff(&bytes).map_or("application/octet-stream", |c| c.mime());
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response())
}
