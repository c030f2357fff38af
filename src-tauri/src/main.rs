//! The `carddesk` binary: starts the console, or with `seed-demo` prepares
//! the offline demo's bank and exits. Everything it does lives in the
//! `carddesk_console` library, so tests and other front doors share it.

// A release build on Windows opens no console window beside the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    if std::env::args().nth(1).as_deref() == Some("seed-demo") {
        return match carddesk_console::seed_demo() {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("carddesk: the demo bank could not be prepared: {error:#}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    match carddesk_console::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("carddesk: the console could not start: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
