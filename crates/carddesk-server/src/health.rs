//! Health probes for the orchestrator: `/health/live` (the process
//! answers) and `/health/ready` (it can serve: the database answers with
//! its migrations applied, and on PostgreSQL the event relay runs).
//!
//! Both sit outside the rate limits and take no session, so a probe never
//! spends a customer's budget nor needs a credential; neither says more
//! than which part failed (no error text, which could name a host).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

/// The path of the liveness probe.
pub const LIVE: &str = "/health/live";
/// The path of the readiness probe.
pub const READY: &str = "/health/ready";

/// A probe's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Health {
    /// `live`, `ready` or `unavailable`.
    pub status: &'static str,
    /// When unavailable, the part that failed: `database`, `migrations`
    /// or `event_relay`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing: Option<&'static str>,
}

/// The probes' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(LIVE, get(live))
        .route(READY, get(ready))
}

/// `GET /health/live`.
#[utoipa::path(get, path = "/health/live", tag = "health",
    responses((status = 200, description = "the process answers", body = Health)))]
async fn live() -> Json<Health> {
    Json(Health {
        status: "live",
        failing: None,
    })
}

/// `GET /health/ready`.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses(
        (status = 200, description = "the database answers, its migrations are applied and (PostgreSQL) the event relay listens", body = Health),
        (status = 503, description = "not ready: `failing` names the part", body = Health)))]
async fn ready(State(s): State<AppState>) -> Response {
    match failing_part(&s).await {
        None => Json(Health {
            status: "ready",
            failing: None,
        })
        .into_response(),
        Some(part) => {
            tracing::warn!(part, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    failing: Some(part),
                }),
            )
                .into_response()
        }
    }
}

/// The first part that keeps the server from serving, if any.
async fn failing_part(s: &AppState) -> Option<&'static str> {
    let store = s.processor.store();
    // The policy table is a few rows the processor saves on start: reading
    // it is a trivial query on a table only the migrations create, and an
    // empty one means the schema is not the one this server started on.
    match store.policy().await {
        Err(_) => return Some("database"),
        Ok(rules) if rules.is_empty() => return Some("migrations"),
        Ok(_) => {}
    }
    if store.kind() == "postgres" && !s.processor.events().relaying() {
        return Some("event_relay");
    }
    None
}

/// The probes' OpenAPI paths.
#[derive(Debug, utoipa::OpenApi)]
#[openapi(paths(live, ready), components(schemas(Health)))]
pub struct HealthApi;
