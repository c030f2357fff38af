//! The event stream: ids, reconnects, resyncs and the end of the session.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use carddesk_wire::{CardStatus, CaseState, Desk, DeskEvent, ErrorCode, EventFilter, EventStream};
use futures_util::StreamExt;

use crate::support::{Log, desk, error_body, json, recorded, serve, token};

/// An event-stream answer sending `chunks`, then closing, or staying open
/// in silence when `hang`.
fn sse(chunks: &[&'static str], hang: bool) -> Response {
    let chunks = futures_util::stream::iter(
        chunks
            .iter()
            .map(|c| Ok::<_, std::io::Error>(c.as_bytes().to_vec()))
            .collect::<Vec<_>>(),
    );
    let body = if hang {
        Body::from_stream(chunks.chain(futures_util::stream::pending()))
    } else {
        Body::from_stream(chunks)
    };
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(body)
        .unwrap()
}

async fn next(stream: &mut EventStream) -> Option<DeskEvent> {
    tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("an event, or the end, within 5 s")
}

fn case(case_id: i64, state: CaseState) -> DeskEvent {
    DeskEvent::Case { case_id, state }
}

#[tokio::test]
async fn a_reconnect_sends_the_last_event_id_and_the_server_resumes() {
    let log = Log::default();
    let router = Router::new().route("/api/agent/events", recorded(&log, |n| match n {
        0 => sse(&[
            ": keep-alive\n\n",
            "id: 1\nevent: case\ndata: {\"kind\":\"case\",\"case_id\":5,\"state\":\"instructed\"}\n\n",
            "id: 2\nevent: card\ndata: {\"kind\":\"card\",",
            "\"card_id\":40,\"status\":\"active\"}\n\n",
        ], false),
        _ => sse(&["id: 3\nevent: attempt\ndata: {\"kind\":\"attempt\",\"case_id\":5,\"remaining\":2}\n\n"], true),
    }));
    let desk = desk(serve(router).await);

    let mut events = desk
        .events(&token(), EventFilter { case: Some(5) })
        .await
        .unwrap();
    assert_eq!(
        next(&mut events).await,
        Some(case(5, CaseState::Instructed))
    );
    assert_eq!(
        next(&mut events).await,
        Some(DeskEvent::Card {
            card_id: 40,
            status: CardStatus::Active
        })
    );
    // The server resumed after event 2: nothing was missed, no resync.
    assert_eq!(
        next(&mut events).await,
        Some(DeskEvent::Attempt {
            case_id: 5,
            remaining: 2
        })
    );

    let seen = log.all();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].last_event_id, None);
    assert_eq!(seen[1].last_event_id.as_deref(), Some("2"));
    for connection in &seen {
        assert_eq!(connection.query.as_deref(), Some("case=5"));
        assert_eq!(
            connection.authorization.as_deref(),
            Some("Bearer tok-7f3a-secret")
        );
    }
}

#[tokio::test]
async fn without_ids_each_reconnect_yields_one_resync() {
    let log = Log::default();
    // The older server: no ids, data without the kind tag.
    let router = Router::new().route(
        "/api/agent/events",
        recorded(&log, |n| match n {
            0 => sse(
                &["event: case\ndata: {\"case_id\":5,\"state\":\"marked\"}\n\n"],
                false,
            ),
            1 => sse(
                &["event: case\ndata: {\"case_id\":5,\"state\":\"packaged\"}\n\n"],
                false,
            ),
            // It also says resync on its own; the console hears it once.
            _ => sse(
                &[
                    "event: resync\ndata: {}\n\n",
                    "event: case\ndata: {\"case_id\":5,\"state\":\"verified\"}\n\n",
                ],
                true,
            ),
        }),
    );
    let desk = desk(serve(router).await);

    let mut events = desk.events(&token(), EventFilter::default()).await.unwrap();
    assert_eq!(next(&mut events).await, Some(case(5, CaseState::Marked)));
    assert_eq!(next(&mut events).await, Some(DeskEvent::Resync));
    assert_eq!(next(&mut events).await, Some(case(5, CaseState::Packaged)));
    assert_eq!(next(&mut events).await, Some(DeskEvent::Resync));
    assert_eq!(next(&mut events).await, Some(case(5, CaseState::Verified)));
    let seen = log.all();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter()
            .all(|s| s.last_event_id.is_none() && s.query.is_none())
    );
}

#[tokio::test]
async fn a_silent_connection_is_replaced_and_the_servers_resync_passed_on() {
    let log = Log::default();
    let router = Router::new().route("/api/agent/events", recorded(&log, |n| match n {
        // Event 1, then nothing: a half-open connection.
        0 => sse(&["id: 1\nevent: case\ndata: {\"kind\":\"case\",\"case_id\":5,\"state\":\"requested\"}\n\n"], true),
        // The server cannot resume after 1 and says so.
        _ => sse(&[
            "id: 9\nevent: resync\ndata: {\"kind\":\"resync\"}\n\n",
            "id: 10\nevent: case\ndata: {\"kind\":\"case\",\"case_id\":5,\"state\":\"verified\"}\n\n",
        ], true),
    }));
    let desk = desk(serve(router).await);

    let mut events = desk.events(&token(), EventFilter::default()).await.unwrap();
    assert_eq!(next(&mut events).await, Some(case(5, CaseState::Requested)));
    assert_eq!(next(&mut events).await, Some(DeskEvent::Resync));
    assert_eq!(next(&mut events).await, Some(case(5, CaseState::Verified)));
    let seen = log.all();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].last_event_id.as_deref(), Some("1"));
}

#[tokio::test]
async fn keep_alives_hold_a_quiet_connection_open() {
    let log = Log::default();
    let router = Router::new().route("/api/agent/events", recorded(&log, |_| {
        // Quiet for longer than the idle timeout (400 ms), with a
        // keep-alive every 100 ms.
        let beats = futures_util::stream::unfold(0, |beat| async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let chunk = match beat {
                0..9 => ": keep-alive\n\n",
                9 => "id: 1\nevent: case\ndata: {\"kind\":\"case\",\"case_id\":5,\"state\":\"marked\"}\n\n",
                _ => return None,
            };
            Some((Ok::<_, std::io::Error>(chunk.as_bytes().to_vec()), beat + 1))
        });
        Response::builder()
            .header("content-type", "text/event-stream")
            .body(Body::from_stream(beats.chain(futures_util::stream::pending())))
            .unwrap()
    }));
    let desk = desk(serve(router).await);

    let mut events = desk.events(&token(), EventFilter::default()).await.unwrap();
    assert_eq!(next(&mut events).await, Some(case(5, CaseState::Marked)));
    assert_eq!(log.all().len(), 1);
}

#[tokio::test]
async fn the_stream_ends_with_the_session() {
    let log = Log::default();
    let router = Router::new().route("/api/agent/events", recorded(&log, |n| match n {
        0 => sse(&["id: 1\nevent: case\ndata: {\"kind\":\"case\",\"case_id\":5,\"state\":\"unfrozen\"}\n\n"], false),
        // The session ran out while the connection was down.
        1 => json(StatusCode::SERVICE_UNAVAILABLE, error_body("internal", "restarting")),
        _ => json(StatusCode::UNAUTHORIZED, error_body("unauthenticated", "the session has ended")),
    }));
    let desk = desk(serve(router).await);

    let mut events = desk.events(&token(), EventFilter::default()).await.unwrap();
    assert_eq!(next(&mut events).await, Some(case(5, CaseState::Unfrozen)));
    // A 503 is tried again; the 401 after it ends the stream.
    assert_eq!(next(&mut events).await, None);
    assert_eq!(log.all().len(), 3);

    let error = desk
        .events(&token(), EventFilter::default())
        .await
        .map(|_| ())
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::Unauthenticated);
    assert_eq!(error.message, "the session has ended");
}
