//! Finding the caller and acting on their cards: search, the customer
//! view, a card's history, the instructions' preview, marking (alone or
//! with packaging and sending), and a voice prompt's audio.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use carddesk_wire::{
    CaseDto, CustomerView, Desk, InstructRequest, InstructionPreview, SearchRequest, SearchResults,
    TransitionDto, routes,
};

use super::{Refused, desk};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{JsonBody, Origin, PathId, StaffToken};

// A search is a POST so card and ID numbers travel in the body, never in
// a URL that proxies and access logs keep.
#[utoipa::path(post, path = routes::SEARCH, context_path = routes::PREFIX, request_body = SearchRequest, security(("bearer" = [])),
    responses((status = 200, description = "customers found, best first, cards masked (the search is audited)", body = SearchResults), Refused))]
pub(crate) async fn search(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    JsonBody(body): JsonBody<SearchRequest>,
) -> ApiResult<Json<SearchResults>> {
    Ok(Json(desk(&s, origin).search(&token, &body).await?))
}

#[utoipa::path(get, path = routes::CUSTOMER, context_path = routes::PREFIX, params(("customer" = i64, Path, description = "customer id")), security(("bearer" = [])),
    responses((status = 200, description = "the customer, every card, and their open cases (audited)", body = CustomerView), Refused))]
pub(crate) async fn customer(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(customer): PathId,
) -> ApiResult<Json<CustomerView>> {
    Ok(Json(desk(&s, origin).customer(&token, customer).await?))
}

#[utoipa::path(get, path = routes::CARD_HISTORY, context_path = routes::PREFIX, params(("card" = i64, Path, description = "card id")), security(("bearer" = [])),
    responses((status = 200, description = "the card's status changes, oldest first (audited)", body = Vec<TransitionDto>), Refused))]
pub(crate) async fn card_history(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(card): PathId,
) -> ApiResult<Json<Vec<TransitionDto>>> {
    Ok(Json(desk(&s, origin).card_history(&token, card).await?))
}

#[utoipa::path(post, path = routes::MARK, context_path = routes::PREFIX, params(("card" = i64, Path, description = "card id")), security(("bearer" = [])),
    responses((status = 200, description = "the case opened for the card", body = CaseDto), Refused))]
pub(crate) async fn mark(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(card): PathId,
) -> ApiResult<Json<CaseDto>> {
    Ok(Json(desk(&s, origin).mark(&token, card).await?))
}

#[utoipa::path(post, path = routes::SEND_UNFREEZE, context_path = routes::PREFIX, params(("card" = i64, Path, description = "card id")), request_body = InstructRequest, security(("bearer" = [])),
    responses((status = 200, description = "the case, marked, packaged and instructed in one go", body = CaseDto), Refused))]
pub(crate) async fn send_unfreeze(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(card): PathId,
    JsonBody(body): JsonBody<InstructRequest>,
) -> ApiResult<Json<CaseDto>> {
    Ok(Json(
        desk(&s, origin).send_unfreeze(&token, card, &body).await?,
    ))
}

#[utoipa::path(get, path = routes::PREVIEW, context_path = routes::PREFIX, params(("card" = i64, Path, description = "card id")), security(("bearer" = [])),
    responses((status = 200, description = "what the card's customer would receive, the code hidden, and what they would be asked", body = InstructionPreview), Refused))]
pub(crate) async fn preview(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(card): PathId,
) -> ApiResult<Json<InstructionPreview>> {
    Ok(Json(desk(&s, origin).preview(&token, card).await?))
}

// The voice prompt as audio, for the agent to play into the call. Rendered
// on demand and never stored or cached: it speaks the one-time code.
#[utoipa::path(get, path = routes::VOICE_AUDIO, context_path = routes::PREFIX, params(("message" = i64, Path, description = "outbox message id of a voice prompt")), security(("bearer" = [])),
    responses((status = 200, description = "the prompt as WAV (audited: it speaks the code)", content_type = "audio/wav", body = Vec<u8>), Refused))]
pub(crate) async fn voice_audio(
    State(s): State<AppState>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    PathId(message): PathId,
) -> ApiResult<Response> {
    let wav = desk(&s, origin).voice_audio(&token, message).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "audio/wav"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        wav,
    )
        .into_response())
}
