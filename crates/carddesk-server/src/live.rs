//! Live events for consoles, as server-sent events: a case's progress and
//! the queues' changes, within a fraction of a second of the change, from
//! whichever server process made it (see `carddesk_processor::events`).

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::routing::get;
use carddesk_processor::Event;
use futures::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::AppState;
use crate::extract::{QueryOf, Staff};

/// The live routes, under `/api/agent`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/events", get(events))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct Filter {
    /// Only this case's events.
    case: Option<i64>,
}

/// The SSE form of an event: its kind as the event name, its fields as
/// JSON data.
fn to_sse(event: &Event) -> SseEvent {
    let (name, data) = match event {
        Event::CaseChanged { case_id, state } => (
            "case",
            serde_json::json!({ "case_id": case_id.0, "state": state.as_str() }),
        ),
        Event::AttemptFailed { case_id, remaining } => (
            "attempt",
            serde_json::json!({ "case_id": case_id.0, "remaining": remaining }),
        ),
        Event::CardChanged { card_id, status } => (
            "card",
            serde_json::json!({ "card_id": card_id.0, "status": status.as_str() }),
        ),
        Event::InstructionQueued { case_id, outbox_id } => (
            "instruction",
            serde_json::json!({ "case_id": case_id.0, "outbox_id": outbox_id }),
        ),
    };
    SseEvent::default().event(name).data(data.to_string())
}

fn case_of(event: &Event) -> Option<i64> {
    match event {
        Event::CaseChanged { case_id, .. }
        | Event::AttemptFailed { case_id, .. }
        | Event::InstructionQueued { case_id, .. } => Some(case_id.0),
        Event::CardChanged { .. } => None,
    }
}

#[utoipa::path(get, path = "/api/agent/events", params(Filter), security(("bearer" = [])), responses((status = 200, description = "server-sent events: case, attempt, card, instruction, resync", content_type = "text/event-stream", body = String), (status = "4XX", description = "refused, in the common shape", body = crate::error::ErrorBody)))]
async fn events(
    State(s): State<AppState>,
    _staff: Staff,
    QueryOf(filter): QueryOf<Filter>,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let receiver = s.processor.events().subscribe();
    let stream = futures::stream::unfold(receiver, move |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(event) => {
                    if filter.case.is_some_and(|c| case_of(&event) != Some(c)) {
                        continue;
                    }
                    return Some((Ok(to_sse(&event)), receiver));
                }
                // The watcher fell behind: tell it to re-read rather than
                // pretend nothing was missed.
                Err(RecvError::Lagged(_)) => {
                    return Some((Ok(SseEvent::default().event("resync").data("{}")), receiver));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// The live events' OpenAPI paths.
#[derive(Debug, utoipa::OpenApi)]
#[openapi(paths(events))]
pub struct LiveApi;
