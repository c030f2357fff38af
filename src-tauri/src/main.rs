//! The `carddesk` binary: starts the console, or with `seed-demo
//! [--fresh]` prepares the offline demo's bank (anew) and exits. Everything it does lives in the
//! `carddesk_console` library, so tests and other front doors share it.

// A release build on Windows opens no console window beside the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("seed-demo") {
        let fresh = args.get(1).map(String::as_str) == Some("--fresh");
        return match carddesk_console::seed_demo(fresh) {
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
