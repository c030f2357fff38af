//! The OpenAPI document, generated from the handlers' annotations and served
//! at `/openapi.json`. A checked-in copy (docs/openapi.json) is compared
//! with it by a test, so the published contract cannot drift from the code.

use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

/// The whole API.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "CardDesk processor",
        description = "Remote card unfreeze: the agent API (the desk over HTTP: staff sessions, the roles and audit decided by the processor) and the customer API. Errors are {code, message} with a stable code; mutating calls accept an Idempotency-Key header; live events resume with Last-Event-ID."
    ),
    modifiers(&BearerAuth)
)]
struct CardDeskApi;

/// Adds the bearer-token scheme both APIs use.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
    }
}

/// The document.
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut doc = CardDeskApi::openapi();
    doc.merge(crate::agent::AgentApi::openapi());
    doc.merge(crate::live::LiveApi::openapi());
    doc.merge(crate::customer::CustomerApi::openapi());
    doc.merge(crate::applicant::ApplicantApi::openapi());
    doc.merge(crate::health::HealthApi::openapi());
    doc
}

/// `GET /openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(spec())
}
