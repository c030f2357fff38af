//! The `carddesk` binary: starts the console. Everything it does lives in the
//! `carddesk_console` library, so tests and other front doors share it.

// A release build on Windows opens no console window beside the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    match carddesk_console::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("carddesk: the console could not start: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
