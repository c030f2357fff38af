//! The CardDesk console: the agents' desktop app for remote card services.
//!
//! This crate is the console's Rust shell. It builds the Tauri app (one main
//! window whose front-end lives in `ui/`), decides which desk the console works
//! against, and exposes that desk to the front-end as Tauri commands. Commands
//! stay thin adapters: the rules live in the `carddesk-*` crates.
//!
//! Every command answers either its value or a [`CommandError`], which crosses
//! IPC as `{code, message}` so the front-end can handle failures by code.
//!
//! For now the console only reports which desk it has ([`commands::desk_info`]);
//! card lookup, cases and queues arrive as further commands.

#![deny(missing_docs)]

pub mod commands;
pub mod error;

pub use commands::{DeskInfo, DeskMode};
pub use error::{CommandError, ErrorCode};

/// Builds the console's Tauri app and runs it until its last window closes.
///
/// The window, the content security policy and the capabilities come from
/// `tauri.conf.json` at the repository root.
///
/// # Errors
///
/// Returns Tauri's error when the app cannot be built, for example when no
/// display or webview is available.
pub fn run() -> tauri::Result<()> {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![commands::desk_info])
        .run(tauri::generate_context!())
}
