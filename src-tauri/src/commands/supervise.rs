//! A supervisor's decisions and the audit log.

use carddesk_wire::{
    AuditDto, AuditQuery, CaseDto, ChainDto, DeskResult, Page, ReasonRequest, ReassignRequest,
};
use tauri::State;

use crate::state::Console;

/// Approves a verified case.
#[tauri::command]
pub async fn approve(console: State<'_, Console>, case_id: i64) -> DeskResult<CaseDto> {
    console
        .with_session(|desk, token| async move { desk.approve(&token, case_id).await })
        .await
}

/// Rejects a verified case.
#[tauri::command]
pub async fn reject(
    console: State<'_, Console>,
    case_id: i64,
    request: ReasonRequest,
) -> DeskResult<CaseDto> {
    console
        .with_session(|desk, token| async move { desk.reject(&token, case_id, &request).await })
        .await
}

/// Gives a case to another agent.
#[tauri::command]
pub async fn reassign(
    console: State<'_, Console>,
    case_id: i64,
    request: ReassignRequest,
) -> DeskResult<CaseDto> {
    console
        .with_session(|desk, token| async move { desk.reassign(&token, case_id, &request).await })
        .await
}

/// Audit entries in chain order.
#[tauri::command]
pub async fn audit(console: State<'_, Console>, query: AuditQuery) -> DeskResult<Page<AuditDto>> {
    console
        .with_session(|desk, token| async move { desk.audit(&token, &query).await })
        .await
}

/// Walks the audit chain.
#[tauri::command]
pub async fn verify_audit(console: State<'_, Console>) -> DeskResult<ChainDto> {
    console
        .with_session(|desk, token| async move { desk.verify_audit(&token).await })
        .await
}
