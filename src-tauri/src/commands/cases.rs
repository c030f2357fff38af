//! An agent's work on unfreeze cases.

use carddesk_wire::{
    AuditDto, CaseDto, DeskResult, InstructRequest, Page, QueueQuery, ReasonRequest,
};
use tauri::State;

use crate::state::Console;

/// Marks a frozen card for remote unfreeze, opening a case.
#[tauri::command]
pub async fn mark(console: State<'_, Console>, card_id: i64) -> DeskResult<CaseDto> {
    console
        .with_session(|desk, token| async move { desk.mark(&token, card_id).await })
        .await
}

/// Packages the reserved information for the case.
#[tauri::command]
pub async fn package(console: State<'_, Console>, case_id: i64) -> DeskResult<CaseDto> {
    console
        .with_session(|desk, token| async move { desk.package(&token, case_id).await })
        .await
}

/// Sends the instructions.
#[tauri::command]
pub async fn instruct(
    console: State<'_, Console>,
    case_id: i64,
    request: InstructRequest,
) -> DeskResult<CaseDto> {
    console
        .with_session(|desk, token| async move { desk.instruct(&token, case_id, &request).await })
        .await
}

/// Marks, packages and sends in one go.
#[tauri::command]
pub async fn send_unfreeze(
    console: State<'_, Console>,
    card_id: i64,
    request: InstructRequest,
) -> DeskResult<CaseDto> {
    console
        .with_session(
            |desk, token| async move { desk.send_unfreeze(&token, card_id, &request).await },
        )
        .await
}

/// Sends the instructions again, with a fresh code.
#[tauri::command]
pub async fn resend(
    console: State<'_, Console>,
    case_id: i64,
    request: InstructRequest,
) -> DeskResult<CaseDto> {
    console
        .with_session(|desk, token| async move { desk.resend(&token, case_id, &request).await })
        .await
}

/// Cancels the case.
#[tauri::command]
pub async fn cancel(
    console: State<'_, Console>,
    case_id: i64,
    request: ReasonRequest,
) -> DeskResult<CaseDto> {
    console
        .with_session(|desk, token| async move { desk.cancel(&token, case_id, &request).await })
        .await
}

/// A case.
#[tauri::command]
pub async fn get_case(console: State<'_, Console>, case_id: i64) -> DeskResult<CaseDto> {
    console
        .with_session(|desk, token| async move { desk.case(&token, case_id).await })
        .await
}

/// A case's audit entries, in order.
#[tauri::command]
pub async fn timeline(console: State<'_, Console>, case_id: i64) -> DeskResult<Vec<AuditDto>> {
    console
        .with_session(|desk, token| async move { desk.timeline(&token, case_id).await })
        .await
}

/// The case queue, newest first.
#[tauri::command]
pub async fn queue(console: State<'_, Console>, query: QueueQuery) -> DeskResult<Page<CaseDto>> {
    console
        .with_session(|desk, token| async move { desk.queue(&token, &query).await })
        .await
}
