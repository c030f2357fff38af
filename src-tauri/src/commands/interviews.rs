//! The video-interview queue: one-line commands over the desk.

use carddesk_wire::{
    DeclineRequest, DeskResult, InterviewDto, ReassignRequest, UploadKind, VerdictAnswer,
    VerdictRequest,
};
use tauri::State;
use tauri::ipc::Response;

use crate::state::Console;

/// The interview queue, oldest first.
#[tauri::command]
pub async fn interviews(console: State<'_, Console>) -> DeskResult<Vec<InterviewDto>> {
    console
        .with_session(|desk, token| async move { desk.interviews(&token).await })
        .await
}

/// Takes an interview to review.
#[tauri::command]
pub async fn claim_interview(
    console: State<'_, Console>,
    application_id: i64,
) -> DeskResult<InterviewDto> {
    console
        .with_session(
            |desk, token| async move { desk.claim_interview(&token, application_id).await },
        )
        .await
}

/// Gives an interview to another member of staff.
#[tauri::command]
pub async fn reassign_interview(
    console: State<'_, Console>,
    application_id: i64,
    request: ReassignRequest,
) -> DeskResult<InterviewDto> {
    console
        .with_session(|desk, token| async move {
            desk.reassign_interview(&token, application_id, &request)
                .await
        })
        .await
}

/// Records the reviewer's verdict.
#[tauri::command]
pub async fn decide_interview(
    console: State<'_, Console>,
    application_id: i64,
    request: VerdictRequest,
) -> DeskResult<VerdictAnswer> {
    console
        .with_session(|desk, token| async move {
            desk.decide_interview(&token, application_id, &request)
                .await
        })
        .await
}

/// Approves a pass given with an item unticked.
#[tauri::command]
pub async fn approve_override(
    console: State<'_, Console>,
    application_id: i64,
) -> DeskResult<VerdictAnswer> {
    console
        .with_session(
            |desk, token| async move { desk.approve_override(&token, application_id).await },
        )
        .await
}

/// Declines a pass given with an item unticked, with the reasons the
/// applicant is told.
#[tauri::command]
pub async fn decline_override(
    console: State<'_, Console>,
    application_id: i64,
    request: DeclineRequest,
) -> DeskResult<VerdictAnswer> {
    console
        .with_session(|desk, token| async move {
            desk.decline_override(&token, application_id, &request)
                .await
        })
        .await
}

/// One of an interview's uploads, as raw bytes (no JSON array of numbers).
#[tauri::command]
pub async fn interview_media(
    console: State<'_, Console>,
    application_id: i64,
    kind: UploadKind,
) -> DeskResult<Response> {
    console
        .with_session(|desk, token| async move {
            desk.interview_media(&token, application_id, kind).await
        })
        .await
        .map(Response::new)
}
