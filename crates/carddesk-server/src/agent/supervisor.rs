//! The supervisor's calls: approve, reject, reassign, and the audit log.
//! Whether the caller is a supervisor is the desk's to check (and to audit
//! when they are not).

use axum::Json;
use axum::extract::State;
use carddesk_wire::{
    AuditDto, AuditQuery, CaseDto, ChainDto, Desk, Page, ReasonRequest, ReassignRequest, routes,
};

use super::{Refused, desk};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{JsonBody, Origin, PathId, QueryOf, StaffToken};

#[utoipa::path(post, path = routes::APPROVE, context_path = routes::PREFIX, params(("case" = i64, Path, description = "case id")), security(("bearer" = [])),
    responses((status = 200, description = "the case after approval (never one's own)", body = CaseDto), Refused))]
pub(crate) async fn approve(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(case): PathId,
) -> ApiResult<Json<CaseDto>> {
    Ok(Json(desk(&s, origin).approve(&token, case).await?))
}

#[utoipa::path(post, path = routes::REJECT, context_path = routes::PREFIX, params(("case" = i64, Path, description = "case id")), request_body = ReasonRequest, security(("bearer" = [])),
    responses((status = 200, description = "the case, rejected", body = CaseDto), Refused))]
pub(crate) async fn reject(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(case): PathId,
    JsonBody(body): JsonBody<ReasonRequest>,
) -> ApiResult<Json<CaseDto>> {
    Ok(Json(desk(&s, origin).reject(&token, case, &body).await?))
}

#[utoipa::path(post, path = routes::REASSIGN, context_path = routes::PREFIX, params(("case" = i64, Path, description = "case id")), request_body = ReassignRequest, security(("bearer" = [])),
    responses((status = 200, description = "the case, now held by the agent named", body = CaseDto), Refused))]
pub(crate) async fn reassign(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(case): PathId,
    JsonBody(body): JsonBody<ReassignRequest>,
) -> ApiResult<Json<CaseDto>> {
    Ok(Json(desk(&s, origin).reassign(&token, case, &body).await?))
}

#[utoipa::path(get, path = routes::AUDIT, context_path = routes::PREFIX, params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, description = "audit entries in chain order", body = Page<AuditDto>), Refused))]
pub(crate) async fn audit(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    QueryOf(query): QueryOf<AuditQuery>,
) -> ApiResult<Json<Page<AuditDto>>> {
    Ok(Json(desk(&s, origin).audit(&token, &query).await?))
}

#[utoipa::path(get, path = routes::VERIFY_AUDIT, context_path = routes::PREFIX, security(("bearer" = [])),
    responses((status = 200, description = "whether the audit log's hash chain is intact", body = ChainDto), Refused))]
pub(crate) async fn verify_audit(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
) -> ApiResult<Json<ChainDto>> {
    Ok(Json(desk(&s, origin).verify_audit(&token).await?))
}
