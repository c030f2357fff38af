//! The CardDesk console: the agents' desktop app for remote card services.
//!
//! This crate is the console's Rust shell. At start it reads the per-user
//! [`settings`] and opens the [`desk`] they name: the processor in-process
//! on the offline demo bank ([`offline`]), or the HTTP client against a
//! shared server. The front-end (`ui/`) reaches the desk only through the
//! Tauri [`commands`] of `docs/ipc.md`, each a one-line adapter that asks
//! the desk with the staff session the shell keeps ([`state`]) and answers
//! the wire's type or its `DeskError` (`{code, message}`). The signed-in
//! session's live events go to the main window ([`events`]).
//!
//! On the offline demo a second window, the customer's [`phone`], shows
//! the instructions sent to demo customers and plays the customer's side.

#![deny(missing_docs)]

/// The app's commands by window (shared with build.rs).
pub mod command_names;
pub mod commands;
pub mod demo_hint;
pub mod desk;
pub mod events;
pub mod logging;
pub mod offline;
pub mod phone;
pub mod settings;
pub mod state;

use carddesk_wire::DeskResult;
use tauri::{AppHandle, Manager, WindowEvent};

use desk::{ActiveDesk, DeskInfo};
use state::Console;

/// The main window's label.
pub const MAIN_WINDOW: &str = "main";
/// The demo phone's window label.
pub const PHONE_WINDOW: &str = "phone";

/// The app's configuration and embedded UI, from `tauri.conf.json`.
fn context() -> tauri::Context {
    tauri::generate_context!()
}

/// Builds the console's Tauri app and runs it until the main window closes.
///
/// # Errors
///
/// Returns Tauri's error when the app cannot be built, for example when no
/// display or webview is available.
pub fn run() -> tauri::Result<()> {
    tauri::Builder::default()
        .setup(|app| Ok(start(app.handle())?))
        .on_window_event(|window, event| {
            // The phone belongs to the console: closing the console closes it.
            if window.label() == MAIN_WINDOW && matches!(event, WindowEvent::Destroyed) {
                window.app_handle().exit(0);
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::console::desk_info,
            commands::console::settings_get,
            commands::console::settings_save,
            commands::console::demo_staff,
            commands::session::sign_in,
            commands::session::sign_in_demo,
            commands::session::sign_out,
            commands::session::me,
            commands::lookup::search,
            commands::lookup::customer,
            commands::lookup::card_history,
            commands::lookup::preview,
            commands::lookup::voice_audio,
            commands::cases::mark,
            commands::cases::package,
            commands::cases::instruct,
            commands::cases::send_unfreeze,
            commands::cases::resend,
            commands::cases::cancel,
            commands::cases::get_case,
            commands::cases::timeline,
            commands::cases::queue,
            commands::supervise::approve,
            commands::supervise::reject,
            commands::supervise::reassign,
            commands::supervise::audit,
            commands::supervise::verify_audit,
            commands::interviews::interviews,
            commands::interviews::claim_interview,
            commands::interviews::reassign_interview,
            commands::interviews::decide_interview,
            commands::interviews::approve_override,
            commands::interviews::decline_override,
            commands::interviews::interview_media,
            phone::phone_inbox,
            phone::phone_voice_audio,
            phone::phone_open_code,
            phone::phone_challenge,
            phone::phone_verify,
            phone::phone_open_page,
            phone::phone_open_apply,
        ])
        .run(context())
}

/// Sets the console up: the log, the state, and the desk the settings
/// name, opened in the background (commands wait for it; the first start
/// of the demo seeds its bank, which takes a few seconds).
fn start(app: &AppHandle) -> tauri::Result<()> {
    let paths = app.path();
    logging::init(&paths.app_log_dir()?);
    let console = Console::new(app.clone(), paths.app_config_dir()?, paths.app_data_dir()?);
    let settings = settings::load(&console.config_dir);
    let data_dir = console.data_dir.clone();
    let slot = console.claim_for_opening();
    app.manage(console);
    tracing::info!(mode = ?settings.mode, version = env!("CARGO_PKG_VERSION"), "console starting");
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let opened = ActiveDesk::open(settings, &data_dir).await;
        let demo = opened.as_ref().is_ok_and(ActiveDesk::is_demo);
        if let Ok(active) = &opened {
            installed(&app, active);
        }
        if let Some(mut slot) = slot {
            *slot = opened;
        }
        phone::window::sync(&app, demo);
    });
    Ok(())
}

/// What starts with a desk: the phone's news of the outbox.
fn installed(app: &AppHandle, active: &ActiveDesk) {
    if let Ok(processor) = active.demo_processor() {
        events::forward_outbox(app.clone(), processor);
    }
    tracing::info!(mode = ?active.desk.mode(), demo = active.is_demo(), "desk open");
}

/// Switches to `opened`, ending the session on the old desk and the
/// phone's customer session.
pub async fn switch_to(
    app: &AppHandle,
    console: &Console,
    opened: ActiveDesk,
) -> DeskResult<DeskInfo> {
    let mut slot = console.desk_slot().await;
    if let Some(token) = console.end_session().await
        && let Ok(old) = slot.as_ref()
        && let Err(e) = old.desk.sign_out(&token).await
    {
        tracing::warn!(code = e.code.as_str(), "sign-out on the old desk failed");
    }
    *console.phone.lock().await = None;
    // The old desk's customer pages stop with it.
    phone::page::close(app);
    let info = opened.info();
    installed(app, &opened);
    *slot = Ok(opened);
    drop(slot);
    phone::window::sync(app, info.demo);
    Ok(info)
}

/// `carddesk seed-demo [--fresh]`: opens the offline demo's bank where the
/// console keeps it (deleted first when `fresh`) and seeds it if it is
/// empty, saying what it does; for `cargo xtask demo`, so the first window
/// opens on a ready bank.
///
/// # Errors
///
/// When there is no data directory or the bank cannot be opened or seeded.
pub fn seed_demo(fresh: bool) -> anyhow::Result<()> {
    use anyhow::Context;
    // Where Tauri's path API puts the app's data (`app_data_dir`).
    let dir = dirs::data_dir()
        .context("this system has no data directory")?
        .join(&context().config().identifier);
    if fresh {
        offline::delete_bank(&dir)?;
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        println!("==> demo bank: {}", offline::database_path(&dir).display());
        // Links in the seeded case's texts: no pages are served here, and
        // the console serves them on a port of its own (the phone opens a
        // text's page by its code, not by this link).
        let link_base = carddesk_processor::ProcessorConfig::default().link_base;
        offline::open_processor(&dir, link_base, |step| match step {
            offline::Progress::StaffAdded(n) => println!("    added {n} demo staff"),
            offline::Progress::Seeding => {
                println!("    seeding 300 customers and their cards (a few seconds)…");
            }
            offline::Progress::Seeded {
                customers,
                cards,
                seconds,
            } => println!("    seeded {customers} customers and {cards} cards in {seconds:.1} s"),
        })
        .await?;
        println!("    the demo bank is ready");
        Ok(())
    })
}

#[cfg(test)]
mod capability_tests;
