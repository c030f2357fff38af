//! tauri.conf.json grants each window exactly its own commands: a command
//! missing from a capability fails at run time in the window, and a command
//! granted to the wrong window would widen what that window's page may do.

use std::collections::BTreeSet;

use crate::command_names::{MAIN_COMMANDS, PHONE_COMMANDS};
use crate::{MAIN_WINDOW, PHONE_WINDOW};

/// What a window's page needs of Tauri's core: listening to the shell's events.
const CORE: [&str; 2] = ["core:event:allow-listen", "core:event:allow-unlisten"];

fn granted(window: &str) -> BTreeSet<String> {
    let config: serde_json::Value =
        serde_json::from_str(include_str!("../../tauri.conf.json")).expect("tauri.conf.json");
    let capabilities = config["app"]["security"]["capabilities"]
        .as_array()
        .expect("inline capabilities");
    let mine: Vec<_> = capabilities
        .iter()
        .filter(|c| {
            c["windows"]
                .as_array()
                .is_some_and(|w| w.iter().any(|w| w == window))
        })
        .collect();
    assert_eq!(mine.len(), 1, "one capability for the {window} window");
    mine[0]["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("a permission name").to_owned())
        .collect()
}

fn expected(commands: &[&str]) -> BTreeSet<String> {
    commands
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .chain(CORE.iter().map(|p| (*p).to_owned()))
        .collect()
}

#[test]
fn the_main_window_gets_its_commands_and_event_listening_only() {
    assert_eq!(granted(MAIN_WINDOW), expected(MAIN_COMMANDS));
}

#[test]
fn the_phone_window_gets_its_commands_and_event_listening_only() {
    assert_eq!(granted(PHONE_WINDOW), expected(PHONE_COMMANDS));
}

#[test]
fn the_content_security_policy_lets_media_blobs_play_and_nothing_else_in() {
    let config: serde_json::Value =
        serde_json::from_str(include_str!("../../tauri.conf.json")).expect("tauri.conf.json");
    let csp = &config["app"]["security"]["csp"];
    assert_eq!(csp["media-src"], "'self' blob:");
    // The interview's photos, opened from the desk's bytes as object URLs.
    assert_eq!(csp["img-src"], "'self' data: blob:");
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["script-src"], "'self'");
    assert_eq!(csp["object-src"], "'none'");
    // The face model's worker fetches its weights from the console's own
    // assets; nothing else is reachable but IPC.
    assert_eq!(csp["connect-src"], "'self' ipc: http://ipc.localhost");
}

#[test]
fn no_capability_names_the_customer_page_window_or_a_remote_url() {
    // The customer page window shows server pages: they must reach no
    // command, which Tauri grants only through a capability naming the
    // window (or, for remote pages, their URL).
    let config: serde_json::Value =
        serde_json::from_str(include_str!("../../tauri.conf.json")).expect("tauri.conf.json");
    for capability in config["app"]["security"]["capabilities"]
        .as_array()
        .expect("inline capabilities")
    {
        let windows = capability["windows"].as_array().expect("windows");
        assert!(
            !windows
                .iter()
                .any(|w| w == crate::phone::page::CUSTOMER_PAGE_WINDOW || w == "*"),
            "{capability}"
        );
        assert!(capability.get("remote").is_none(), "{capability}");
        assert!(capability.get("webviews").is_none(), "{capability}");
    }
}
