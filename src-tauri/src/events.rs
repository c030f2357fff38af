//! Events the shell sends the windows: the signed-in session's live desk
//! events and its end to the main window, and news of the local outbox
//! to the demo's phone.

use carddesk_processor::{Event, Processor};
use carddesk_wire::EventStream;
use futures_util::StreamExt;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::broadcast::error::RecvError;

use crate::state::Console;
use crate::{MAIN_WINDOW, PHONE_WINDOW};

/// A live desk event (`DeskEvent`), to the main window.
pub const DESK_EVENT: &str = "desk-event";
/// The session ended (signed out, expired, or its stream closed).
pub const SESSION_ENDED: &str = "desk-session-ended";
/// An instruction was queued: the phone re-reads its inbox.
pub const PHONE_INBOX: &str = "phone-inbox";

/// Tells the main window the session ended.
pub fn session_ended(app: &AppHandle) {
    if let Err(e) = app.emit_to(MAIN_WINDOW, SESSION_ENDED, ()) {
        tracing::warn!(error = %e, "could not tell the main window the session ended");
    }
}

/// Forwards session `id`'s events to the main window until the stream
/// ends, then ends the session (if it is still the current one).
pub fn forward_session(
    app: AppHandle,
    id: u64,
    mut stream: EventStream,
) -> tauri::async_runtime::JoinHandle<()> {
    tauri::async_runtime::spawn(async move {
        while let Some(event) = stream.next().await {
            // Only the kind: the event's ids are not secret, but the log
            // needs no more than what happened.
            tracing::debug!(kind = event.kind(), "desk event");
            if let Err(e) = app.emit_to(MAIN_WINDOW, DESK_EVENT, &event) {
                tracing::warn!(error = %e, "could not forward a desk event");
            }
        }
        tracing::info!("the session's event stream ended");
        app.state::<Console>().forget_session(id).await;
    })
}

/// Tells the phone window each time the processor queues an instruction
/// (or an application changed, which may have texted its applicant), for
/// as long as the processor lives.
pub fn forward_outbox(app: AppHandle, processor: &Processor) {
    let mut events = processor.events().subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(Event::InstructionQueued { .. } | Event::ApplicationChanged { .. })
                | Err(RecvError::Lagged(_)) => {
                    if let Err(e) = app.emit_to(PHONE_WINDOW, PHONE_INBOX, ()) {
                        tracing::warn!(error = %e, "could not tell the phone of a new instruction");
                    }
                }
                Ok(_) => {}
                Err(RecvError::Closed) => break,
            }
        }
    });
}
