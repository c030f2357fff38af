//! Generates the app's per-command permissions (`allow-<command>`) from the
//! command lists the shell shares with this script, so tauri.conf.json's
//! capabilities can grant each window exactly its own commands.

include!("src/command_names.rs");

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/src/command_names.rs");
    let commands: &'static [&'static str] = Box::leak(
        MAIN_COMMANDS
            .iter()
            .chain(PHONE_COMMANDS)
            .copied()
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(commands));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
