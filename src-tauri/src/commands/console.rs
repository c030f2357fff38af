//! The console's own commands: which desk it has, its settings, and the
//! demo staff.

use carddesk_wire::{DeskResult, Role};
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::desk::{ActiveDesk, DeskInfo};
use crate::settings::{self, ConsoleSettings};
use crate::state::Console;

/// A member of the demo staff, as the sign-in screen lists them (no
/// password: the shell signs them in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoStaffDto {
    /// The sign-in name.
    pub username: &'static str,
    /// The name shown.
    pub display_name: &'static str,
    /// Their role.
    pub role: Role,
}

/// Which desk the console works against, and its version.
#[tauri::command]
pub async fn desk_info(console: State<'_, Console>) -> DeskResult<DeskInfo> {
    Ok(console.active().await?.info())
}

/// The saved settings (the file's, even when its desk failed to open, so
/// they can be corrected).
#[tauri::command]
pub fn settings_get(console: State<'_, Console>) -> ConsoleSettings {
    settings::load(&console.config_dir)
}

/// Checks and saves the settings and switches to the desk they name,
/// ending any session.
#[tauri::command]
pub async fn settings_save(
    app: AppHandle,
    console: State<'_, Console>,
    settings: ConsoleSettings,
) -> DeskResult<DeskInfo> {
    let settings = settings.validated()?;
    // Opened first: a desk that cannot open leaves the current one working.
    let opened = ActiveDesk::open(settings.clone(), &console.data_dir).await?;
    settings::save(&console.config_dir, &settings)?;
    crate::switch_to(&app, &console, opened).await
}

/// The offline demo's staff; none on a shared server.
#[tauri::command]
pub async fn demo_staff(console: State<'_, Console>) -> DeskResult<Vec<DemoStaffDto>> {
    Ok(demo_staff_of(console.active().await?.is_demo()))
}

/// The demo staff the sign-in screen lists.
pub fn demo_staff_of(demo: bool) -> Vec<DemoStaffDto> {
    if !demo {
        return Vec::new();
    }
    carddesk_seed::DEMO_STAFF
        .iter()
        .map(|s| DemoStaffDto {
            username: s.username,
            display_name: s.display_name,
            role: s.role.into(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_staff_are_listed_on_the_demo_only_and_without_passwords() {
        assert!(demo_staff_of(false).is_empty());
        let listed = serde_json::to_value(demo_staff_of(true)).expect("serializes");
        assert_eq!(
            listed[0],
            serde_json::json!({ "username": "agent.li", "display_name": "李娜", "role": "agent" })
        );
        assert_eq!(listed[2]["role"], "supervisor");
        let text = listed.to_string();
        for staff in &carddesk_seed::DEMO_STAFF {
            assert!(!text.contains(staff.password));
        }
    }
}
