//! The Tauri commands the front-end may call.
//!
//! Each command is a thin adapter: it asks the desk and returns its answer, or a
//! [`CommandError`]. The front-end calls them only through `ui/src/lib/backend.ts`,
//! whose types mirror the ones here.

use serde::Serialize;

use crate::error::CommandError;

/// Which desk the console works against.
///
/// Serialized in kebab-case (`"offline-demo"`), the form the front-end expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeskMode {
    /// The processor runs inside the console on demonstration data; nothing
    /// leaves the machine.
    OfflineDemo,
}

/// What the console tells the front-end about its desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeskInfo {
    /// The desk the console works against.
    pub mode: DeskMode,
    /// The console's version, as in its Cargo package.
    pub version: String,
}

impl DeskInfo {
    /// The desk this build of the console uses: the offline demonstration desk.
    #[must_use]
    pub fn current() -> Self {
        Self {
            mode: DeskMode::OfflineDemo,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// Tells the front-end which desk the console works against, and its version.
///
/// # Errors
///
/// None yet; the `Result` keeps the contract every command shares, so that a
/// desk that can fail (a connected one) changes no caller.
#[tauri::command]
pub fn desk_info() -> Result<DeskInfo, CommandError> {
    Ok(DeskInfo::current())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desk_info_crosses_ipc_as_the_front_end_expects() {
        let json =
            serde_json::to_value(desk_info().expect("desk_info answers")).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({ "mode": "offline-demo", "version": env!("CARGO_PKG_VERSION") })
        );
    }
}
