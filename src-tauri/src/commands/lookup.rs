//! Finding the caller and their cards.

use carddesk_wire::{
    CustomerView, DeskResult, InstructionPreview, SearchRequest, SearchResults, TransitionDto,
};
use tauri::State;
use tauri::ipc::Response;

use crate::state::Console;

/// Finds callers as the agent types.
#[tauri::command]
pub async fn search(
    console: State<'_, Console>,
    request: SearchRequest,
) -> DeskResult<SearchResults> {
    console
        .with_session(|desk, token| async move { desk.search(&token, &request).await })
        .await
}

/// A customer, every card, and their open cases.
#[tauri::command]
pub async fn customer(console: State<'_, Console>, customer_id: i64) -> DeskResult<CustomerView> {
    console
        .with_session(|desk, token| async move { desk.customer(&token, customer_id).await })
        .await
}

/// A card's status changes.
#[tauri::command]
pub async fn card_history(
    console: State<'_, Console>,
    card_id: i64,
) -> DeskResult<Vec<TransitionDto>> {
    console
        .with_session(|desk, token| async move { desk.card_history(&token, card_id).await })
        .await
}

/// What the card's customer would receive and be asked.
#[tauri::command]
pub async fn preview(console: State<'_, Console>, card_id: i64) -> DeskResult<InstructionPreview> {
    console
        .with_session(|desk, token| async move { desk.preview(&token, card_id).await })
        .await
}

/// A voice prompt as WAV bytes, for the agent to play into the call.
#[tauri::command]
pub async fn voice_audio(console: State<'_, Console>, message_id: i64) -> DeskResult<Response> {
    console
        .with_session(|desk, token| async move { desk.voice_audio(&token, message_id).await })
        .await
        .map(Response::new)
}
