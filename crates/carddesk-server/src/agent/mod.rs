//! The agent API: the desk (`carddesk_wire::Desk`) over HTTP. Each handler
//! only translates: it takes the bearer token, the caller's address and
//! the request as the wire types, asks the processor's desk
//! ([`LocalDesk`]) the one question, and answers its wire type as JSON.
//! Who may do what, whose case it is, what is audited and which input is
//! valid are all the desk's to decide, so the console in-process and a
//! console over HTTP get the same answers.

mod cases;
mod customers;
mod interviews;
mod session;
mod supervisor;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use carddesk_processor::desk::LocalDesk;
use carddesk_wire::routes;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

use crate::AppState;
use crate::limits::{Buckets, RateLimiter, SignInLimits};

/// The agent API's routes (without the live events), under
/// [`routes::PREFIX`], sign-ins limited per address by `sign_in`.
pub fn routes(sign_in: SignInLimits, buckets: &Buckets) -> Router<AppState> {
    let sign_ins = Arc::new(RateLimiter::new(
        "staff:sign-in",
        sign_in.address_burst,
        sign_in.address_per_minute,
        buckets,
    ));
    Router::new()
        .route(
            routes::SIGN_IN,
            post(session::sign_in).route_layer(axum::middleware::from_fn_with_state(
                sign_ins,
                crate::limits::per_address,
            )),
        )
        .route(routes::SIGN_OUT, post(session::sign_out))
        .route(routes::ME, get(session::me))
        .route(routes::SEARCH, post(customers::search))
        .route(routes::CUSTOMER, get(customers::customer))
        .route(routes::CARD_HISTORY, get(customers::card_history))
        .route(routes::MARK, post(customers::mark))
        .route(routes::SEND_UNFREEZE, post(customers::send_unfreeze))
        .route(routes::PREVIEW, get(customers::preview))
        .route(routes::VOICE_AUDIO, get(customers::voice_audio))
        .route(routes::QUEUE, get(cases::queue))
        .route(routes::CASE, get(cases::case))
        .route(routes::TIMELINE, get(cases::timeline))
        .route(routes::PACKAGE, post(cases::package))
        .route(routes::INSTRUCT, post(cases::instruct))
        .route(routes::RESEND, post(cases::resend))
        .route(routes::CANCEL, post(cases::cancel))
        .route(routes::APPROVE, post(supervisor::approve))
        .route(routes::REJECT, post(supervisor::reject))
        .route(routes::REASSIGN, post(supervisor::reassign))
        .route(routes::AUDIT, get(supervisor::audit))
        .route(routes::VERIFY_AUDIT, get(supervisor::verify_audit))
        .route(routes::INTERVIEWS, get(interviews::interviews))
        .route(routes::CLAIM_INTERVIEW, post(interviews::claim))
        .route(routes::REASSIGN_INTERVIEW, post(interviews::reassign))
        .route(routes::VERDICT, post(interviews::verdict))
        .route(routes::OVERRIDE, post(interviews::approve_override))
        .route(routes::DECLINE_OVERRIDE, post(interviews::decline_override))
        .route(routes::INTERVIEW_MEDIA, get(interviews::media))
}

/// The desk for one request: the processor, with the caller's address as
/// the origin its audit entries name.
pub(crate) fn desk(state: &AppState, origin: String) -> LocalDesk {
    LocalDesk::with_origin(state.processor.clone(), origin)
}

/// The refusals every desk call can give, for the OpenAPI document: a 4xx
/// or 5xx in the common shape.
#[derive(Debug)]
pub struct Refused;

impl utoipa::IntoResponses for Refused {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        let body = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build()
        };
        BTreeMap::from([
            (
                "4XX".to_owned(),
                RefOr::T(
                    ResponseBuilder::new()
                        .description("refused, in the common shape; `code` says why")
                        .content("application/json", body())
                        .build(),
                ),
            ),
            (
                "5XX".to_owned(),
                RefOr::T(
                    ResponseBuilder::new()
                        .description("failed inside (`internal`), or `unavailable` (503, with `Retry-After`): the server is at its limits or the database is away; in the common shape")
                        .content("application/json", body())
                        .build(),
                ),
            ),
        ])
    }
}

/// The agent API's OpenAPI paths.
#[derive(Debug, utoipa::OpenApi)]
#[openapi(
    paths(
        session::sign_in,
        session::sign_out,
        session::me,
        customers::search,
        customers::customer,
        customers::card_history,
        customers::mark,
        customers::send_unfreeze,
        customers::preview,
        customers::voice_audio,
        cases::queue,
        cases::case,
        cases::timeline,
        cases::package,
        cases::instruct,
        cases::resend,
        cases::cancel,
        supervisor::approve,
        supervisor::reject,
        supervisor::reassign,
        supervisor::audit,
        supervisor::verify_audit,
        interviews::interviews,
        interviews::claim,
        interviews::reassign,
        interviews::verdict,
        interviews::approve_override,
        interviews::decline_override,
        interviews::media,
    ),
    components(schemas(carddesk_wire::ErrorBody, carddesk_wire::DeskEvent))
)]
pub struct AgentApi;
