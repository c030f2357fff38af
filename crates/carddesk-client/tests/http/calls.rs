//! Calls: headers, bodies, errors, timeouts and retries.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use carddesk_wire::{CaseState, Desk, ErrorCode, InstructRequest, SignInRequest};
use secrecy::{ExposeSecret, SecretString};

use crate::support::{Log, assert_discreet, case, desk, error_body, json, recorded, serve, token};

#[tokio::test]
async fn calls_carry_the_token_the_key_and_the_wire_json() {
    let log = Log::default();
    let router = Router::new()
        .route(
            "/api/agent/sign-in",
            recorded(&log, |_| {
                json(
                    StatusCode::OK,
                    serde_json::json!({
                        "token": "fresh-session", "username": "alice", "display_name": "Alice",
                        "role": "agent", "expires_at": "2030-01-01T00:00:00Z"
                    })
                    .to_string(),
                )
            }),
        )
        .route(
            "/api/agent/cases/{case}/instructions",
            recorded(&log, |_| {
                json(
                    StatusCode::OK,
                    serde_json::to_string(&case(5, CaseState::Instructed)).unwrap(),
                )
            }),
        )
        .route(
            "/api/agent/cases/{case}",
            recorded(&log, |_| {
                json(
                    StatusCode::OK,
                    serde_json::to_string(&case(5, CaseState::Marked)).unwrap(),
                )
            }),
        )
        .route(
            "/api/agent/outbox/{message}/audio",
            recorded(&log, |_| {
                (
                    [("content-type", "audio/wav")],
                    b"RIFF\x24\0\0\0WAVEfmt ".to_vec(),
                )
                    .into_response()
            }),
        );
    let desk = desk(serve(router).await);

    let signed_in = desk
        .sign_in(&SignInRequest {
            username: "alice".into(),
            password: SecretString::from("pw-1"),
        })
        .await
        .unwrap();
    assert_eq!(signed_in.token.expose_secret(), "fresh-session");
    assert_eq!(signed_in.profile.username, "alice");
    let instructed = desk
        .instruct(
            &token(),
            5,
            &InstructRequest {
                text: true,
                voice: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(instructed.state, CaseState::Instructed);
    assert_eq!(
        desk.case(&token(), 5).await.unwrap().state,
        CaseState::Marked
    );
    assert_eq!(
        desk.voice_audio(&token(), 9).await.unwrap(),
        b"RIFF\x24\0\0\0WAVEfmt "
    );

    let seen = log.all();
    let summary: Vec<_> = seen
        .iter()
        .map(|s| (s.method.as_str(), s.path.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("POST", "/api/agent/sign-in"),
            ("POST", "/api/agent/cases/5/instructions"),
            ("GET", "/api/agent/cases/5"),
            ("GET", "/api/agent/outbox/9/audio"),
        ]
    );
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "username": "alice", "password": "pw-1" })
    );
    assert_eq!(seen[0].authorization, None);
    assert_eq!(seen[1].body, r#"{"text":true,"voice":false}"#);
    for request in &seen[1..] {
        assert_eq!(
            request.authorization.as_deref(),
            Some("Bearer tok-7f3a-secret")
        );
    }
    // Every write has its own key; reads have none.
    let (first, second) = (
        seen[0].idempotency_key.clone(),
        seen[1].idempotency_key.clone(),
    );
    assert!(first.is_some() && second.is_some() && first != second);
    assert_eq!(seen[2].idempotency_key, None);
}

#[tokio::test]
async fn a_write_whose_connection_broke_is_sent_again_with_the_same_key() {
    let log = Log::default();
    let router = Router::new().route(
        "/api/agent/cases/{case}/package",
        recorded(&log, |n| {
            if n == 0 {
                // The answer breaks off: the server may or may not have acted.
                let broken =
                    futures_util::stream::iter([Err::<Vec<u8>, _>(std::io::Error::other("cut"))]);
                Response::builder()
                    .header("content-type", "application/json")
                    .body(Body::from_stream(broken))
                    .unwrap()
            } else {
                json(
                    StatusCode::OK,
                    serde_json::to_string(&case(5, CaseState::Packaged)).unwrap(),
                )
            }
        }),
    );
    let desk = desk(serve(router).await);

    let packaged = desk.package(&token(), 5).await.unwrap();
    assert_eq!(packaged.state, CaseState::Packaged);
    let seen = log.all();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].idempotency_key.is_some());
    assert_eq!(seen[0].idempotency_key, seen[1].idempotency_key);

    // The next logical call is a new write with a new key.
    desk.package(&token(), 5).await.unwrap();
    assert_ne!(log.all()[2].idempotency_key, seen[0].idempotency_key);
}

#[tokio::test]
async fn reads_are_retried_on_5xx_but_writes_and_refusals_are_not() {
    let log = Log::default();
    let router = Router::new()
        .route(
            "/api/agent/cases/{case}",
            recorded(&log, |n| {
                if n == 0 {
                    json(
                        StatusCode::SERVICE_UNAVAILABLE,
                        error_body("internal", "try later"),
                    )
                } else {
                    json(
                        StatusCode::OK,
                        serde_json::to_string(&case(5, CaseState::Marked)).unwrap(),
                    )
                }
            }),
        )
        .route(
            "/api/agent/cases/{case}/approve",
            recorded(&log, |_| {
                json(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    error_body("internal", "something failed inside"),
                )
            }),
        )
        .route(
            "/api/agent/cards/{card}/cases",
            recorded(&log, |_| {
                json(
                    StatusCode::CONFLICT,
                    error_body("case_open", "the card already has an open case"),
                )
            }),
        )
        .route(
            "/api/agent/me",
            recorded(&log, |_| {
                json(
                    StatusCode::UNAUTHORIZED,
                    error_body("unauthenticated", "sign in first"),
                )
            }),
        );
    let desk = desk(serve(router).await);

    assert_eq!(desk.case(&token(), 5).await.unwrap().id, 5);
    assert_eq!(log.all().len(), 2, "the read was tried again after the 503");

    let error = desk.approve(&token(), 5).await.unwrap_err();
    assert_eq!(
        (error.code, error.message.as_str()),
        (ErrorCode::Internal, "something failed inside")
    );
    let error = desk.mark(&token(), 40).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::CaseOpen);
    assert_eq!(error.message, "the card already has an open case");
    let error = desk.me(&token()).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::Unauthenticated);
    let paths: Vec<_> = log.all().into_iter().map(|s| s.path).collect();
    assert_eq!(
        paths[2..],
        [
            "/api/agent/cases/5/approve",
            "/api/agent/cards/40/cases",
            "/api/agent/me"
        ]
    );
}

/// A keyed write whose twin is still running (`409 conflict`) is asked
/// again a second later, with the same key, for the first call's answer;
/// any other 409 is an answer.
#[tokio::test]
async fn a_write_waits_for_its_twin_still_running() {
    let log = Log::default();
    let router = Router::new().route(
        "/api/agent/cases/{case}/package",
        recorded(&log, |n| {
            if n == 0 {
                json(
                    StatusCode::CONFLICT,
                    error_body(
                        "conflict",
                        "a request with this Idempotency-Key is still running",
                    ),
                )
            } else {
                json(
                    StatusCode::OK,
                    serde_json::to_string(&case(5, CaseState::Packaged)).unwrap(),
                )
            }
        }),
    );
    let desk = desk(serve(router).await);
    let started = std::time::Instant::now();
    assert_eq!(
        desk.package(&token(), 5).await.unwrap().state,
        CaseState::Packaged
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "it waited as asked"
    );
    let seen = log.all();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].idempotency_key, seen[1].idempotency_key,
        "the same key"
    );
}

#[tokio::test]
async fn an_answer_in_a_foreign_shape_is_internal() {
    let router = Router::new()
        .route(
            "/api/agent/cases/{case}",
            get(|| async {
                (
                    StatusCode::NOT_FOUND,
                    "<html>no such page on 127.0.0.1</html>",
                )
            }),
        )
        .route(
            "/api/agent/cases/{case}/package",
            post(|| async { json(StatusCode::OK, "[1, 2]".into()) }),
        );
    let desk = desk(serve(router).await);

    let error = desk.case(&token(), 5).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::Internal);
    assert_discreet(&error.message);
    let error = desk.package(&token(), 5).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::Internal);
}

#[tokio::test]
async fn a_server_too_slow_to_answer_is_unavailable_and_not_asked_again() {
    let log = Log::default();
    let slow_log = log.clone();
    let router = Router::new().route(
        "/api/agent/me",
        get(move |uri: Uri, headers: HeaderMap| async move {
            slow_log.record("GET", &uri, &headers, "");
            tokio::time::sleep(Duration::from_secs(5)).await;
            StatusCode::OK
        }),
    );
    let desk = desk(serve(router).await);

    let started = Instant::now();
    let error = desk.me(&token()).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::Unavailable);
    assert_discreet(&error.message);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(log.all().len(), 1);
}

#[tokio::test]
async fn a_server_that_is_not_there_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let desk = desk(format!("http://{address}").parse().unwrap());

    for error in [
        desk.me(&token()).await.unwrap_err(),
        desk.package(&token(), 5).await.unwrap_err(),
        desk.events(&token(), Default::default())
            .await
            .map(|_| ())
            .unwrap_err(),
    ] {
        assert_eq!(error.code, ErrorCode::Unavailable);
        assert_eq!(error.message, "the desk server could not be reached");
        assert_discreet(&error.message);
    }
}

#[tokio::test]
async fn the_local_outbox_is_not_asked_of_a_shared_server() {
    let log = Log::default();
    let router = Router::new().fallback(recorded(&log, |_| StatusCode::OK.into_response()));
    let desk = desk(serve(router).await);

    let error = desk.local_outbox().await.unwrap_err();
    assert_eq!(error.code, ErrorCode::NotAvailable);
    assert!(log.all().is_empty());
}
