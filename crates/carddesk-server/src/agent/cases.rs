//! The agent's cases: the queue, one case, its timeline, and the steps
//! after marking (package, instruct, resend, cancel).

use axum::Json;
use axum::extract::State;
use carddesk_wire::{
    AuditDto, CaseDto, Desk, InstructRequest, Page, QueueQuery, ReasonRequest, routes,
};

use super::{Refused, desk};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{JsonBody, Origin, PathId, QueryOf, StaffToken};

#[utoipa::path(get, path = routes::QUEUE, context_path = routes::PREFIX, params(QueueQuery), security(("bearer" = [])),
    responses((status = 200, description = "cases, newest first", body = Page<CaseDto>), Refused))]
pub(crate) async fn queue(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    QueryOf(query): QueryOf<QueueQuery>,
) -> ApiResult<Json<Page<CaseDto>>> {
    Ok(Json(desk(&s, origin).queue(&token, &query).await?))
}

#[utoipa::path(get, path = routes::CASE, context_path = routes::PREFIX, params(("case" = i64, Path, description = "case id")), security(("bearer" = [])),
    responses((status = 200, description = "the case", body = CaseDto), Refused))]
pub(crate) async fn case(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(case): PathId,
) -> ApiResult<Json<CaseDto>> {
    Ok(Json(desk(&s, origin).case(&token, case).await?))
}

#[utoipa::path(get, path = routes::TIMELINE, context_path = routes::PREFIX, params(("case" = i64, Path, description = "case id")), security(("bearer" = [])),
    responses((status = 200, description = "the case's audit entries, in order (the read is audited)", body = Vec<AuditDto>), Refused))]
pub(crate) async fn timeline(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(case): PathId,
) -> ApiResult<Json<Vec<AuditDto>>> {
    Ok(Json(desk(&s, origin).timeline(&token, case).await?))
}

#[utoipa::path(post, path = routes::PACKAGE, context_path = routes::PREFIX, params(("case" = i64, Path, description = "case id")), security(("bearer" = [])),
    responses((status = 200, description = "the case after the step", body = CaseDto), Refused))]
pub(crate) async fn package(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(case): PathId,
) -> ApiResult<Json<CaseDto>> {
    Ok(Json(desk(&s, origin).package(&token, case).await?))
}

#[utoipa::path(post, path = routes::INSTRUCT, context_path = routes::PREFIX, params(("case" = i64, Path, description = "case id")), request_body = InstructRequest, security(("bearer" = [])),
    responses((status = 200, description = "the case after the step", body = CaseDto), Refused))]
pub(crate) async fn instruct(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(case): PathId,
    JsonBody(body): JsonBody<InstructRequest>,
) -> ApiResult<Json<CaseDto>> {
    Ok(Json(desk(&s, origin).instruct(&token, case, &body).await?))
}

#[utoipa::path(post, path = routes::RESEND, context_path = routes::PREFIX, params(("case" = i64, Path, description = "case id")), request_body = InstructRequest, security(("bearer" = [])),
    responses((status = 200, description = "the case, instructed again with a fresh code", body = CaseDto), Refused))]
pub(crate) async fn resend(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(case): PathId,
    JsonBody(body): JsonBody<InstructRequest>,
) -> ApiResult<Json<CaseDto>> {
    Ok(Json(desk(&s, origin).resend(&token, case, &body).await?))
}

#[utoipa::path(post, path = routes::CANCEL, context_path = routes::PREFIX, params(("case" = i64, Path, description = "case id")), request_body = ReasonRequest, security(("bearer" = [])),
    responses((status = 200, description = "the case, cancelled", body = CaseDto), Refused))]
pub(crate) async fn cancel(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(case): PathId,
    JsonBody(body): JsonBody<ReasonRequest>,
) -> ApiResult<Json<CaseDto>> {
    Ok(Json(desk(&s, origin).cancel(&token, case, &body).await?))
}
