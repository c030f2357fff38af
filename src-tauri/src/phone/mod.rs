//! The offline demo's customer phone: a second window showing the texts
//! and voice prompts sent to demo customers, and the customer's side of
//! the flow, natively or on the processor's own pages ([`page`]). Every
//! command here is refused outside the offline demo.

mod flow;
pub mod inbox;
pub mod page;
pub mod window;

use secrecy::SecretString;
use tauri::ipc::Response;
use tauri::{AppHandle, State};

use carddesk_wire::{DeskError, DeskResult, ErrorCode};

pub use flow::{Opened, PhoneChallenge, Verified};
pub use inbox::PhoneMessage;

use crate::state::{Console, PhoneSession};

fn no_code_opened() -> DeskError {
    DeskError::new(ErrorCode::Unauthenticated, "open your unfreeze code first")
}

/// The phone's messages, newest first.
#[tauri::command]
pub async fn phone_inbox(console: State<'_, Console>) -> DeskResult<Vec<PhoneMessage>> {
    flow::inbox(console.active().await?.demo_processor()?).await
}

/// A voice prompt as WAV bytes.
#[tauri::command]
pub async fn phone_voice_audio(
    console: State<'_, Console>,
    message_id: i64,
) -> DeskResult<Response> {
    let active = console.active().await?;
    Ok(Response::new(
        flow::voice_audio(active.demo_processor()?, message_id).await?,
    ))
}

/// Opens a code; the shell keeps the customer session it gives.
#[tauri::command]
pub async fn phone_open_code(console: State<'_, Console>, code: String) -> DeskResult<Opened> {
    let active = console.active().await?;
    let (token, opened) = flow::open_code(active.demo_processor()?, &code).await?;
    *console.phone.lock().await = Some(PhoneSession {
        token,
        case_id: opened.case_id,
    });
    Ok(opened)
}

/// What the opened case asks of the customer.
#[tauri::command]
pub async fn phone_challenge(console: State<'_, Console>) -> DeskResult<PhoneChallenge> {
    let active = console.active().await?;
    let processor = active.demo_processor()?;
    let token = phone_token(&console).await?.0;
    flow::challenge(processor, &token).await
}

/// Uploads the customer's credentials.
#[tauri::command]
pub async fn phone_verify(
    console: State<'_, Console>,
    id_number: Option<SecretString>,
    transaction_password: Option<SecretString>,
) -> DeskResult<Verified> {
    let active = console.active().await?;
    let processor = active.demo_processor()?;
    let (token, case) = phone_token(&console).await?;
    flow::verify(processor, &token, case, id_number, transaction_password).await
}

/// Opens text message `message_id`'s customer page (the pages the console
/// serves, for this run's port) in the customer page window.
#[tauri::command]
pub async fn phone_open_page(
    app: AppHandle,
    console: State<'_, Console>,
    message_id: i64,
) -> DeskResult<()> {
    let active = console.active().await?;
    let code = flow::text_code(active.demo_processor()?, message_id).await?;
    let base = active.demo_pages()?;
    page::show(&app, base, page::customer_page_url(base, &code)?)
}

/// Opens the virtual-card application's pages in the customer page window,
/// for the demonstrator to apply as a customer would.
#[tauri::command]
pub async fn phone_open_apply(app: AppHandle, console: State<'_, Console>) -> DeskResult<()> {
    let active = console.active().await?;
    active.demo_processor()?;
    let base = active.demo_pages()?;
    page::show(&app, base, page::apply_page_url(base)?)
}

/// The phone's customer session, or the refusal of a step taken before a
/// code was opened.
async fn phone_token(console: &Console) -> DeskResult<(SecretString, i64)> {
    console
        .phone
        .lock()
        .await
        .as_ref()
        .map(|s| (s.token.clone(), s.case_id))
        .ok_or_else(no_code_opened)
}
