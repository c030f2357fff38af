//! Sign-in, sign-out and who is signed in.

use axum::Json;
use axum::extract::State;
use carddesk_wire::{Desk, SignInRequest, SignedIn, StaffProfile, routes};
use serde::Serialize;

use super::{Refused, desk};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{JsonBody, Origin, StaffToken};

/// The answer to a sign-out.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SignedOut {
    /// Always `true`: the session is over.
    signed_out: bool,
}

#[utoipa::path(post, path = routes::SIGN_IN, context_path = routes::PREFIX, request_body = SignInRequest,
    responses((status = 200, description = "signed in: the session token, once, and the profile", body = SignedIn), Refused))]
pub(crate) async fn sign_in(
    State(s): State<AppState>,
    Origin(origin): Origin,
    JsonBody(body): JsonBody<SignInRequest>,
) -> ApiResult<Json<SignedIn>> {
    Ok(Json(desk(&s, origin).sign_in(&body).await?))
}

#[utoipa::path(post, path = routes::SIGN_OUT, context_path = routes::PREFIX, security(("bearer" = [])),
    responses((status = 200, description = "the session is over", body = SignedOut), Refused))]
pub(crate) async fn sign_out(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
) -> ApiResult<Json<SignedOut>> {
    desk(&s, origin).sign_out(&token).await?;
    Ok(Json(SignedOut { signed_out: true }))
}

#[utoipa::path(get, path = routes::ME, context_path = routes::PREFIX, security(("bearer" = [])),
    responses((status = 200, description = "who the session belongs to", body = StaffProfile), Refused))]
pub(crate) async fn me(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
) -> ApiResult<Json<StaffProfile>> {
    Ok(Json(desk(&s, origin).me(&token).await?))
}
