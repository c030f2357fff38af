//! The phone window: opened beside the main window while the desk is the
//! offline demo, closed when it is not.

use tauri::{AppHandle, LogicalPosition, Manager, WebviewUrl, WebviewWindowBuilder};

use crate::{MAIN_WINDOW, PHONE_WINDOW};

/// The phone's size, about a phone's proportions.
const WIDTH: f64 = 420.0;
const HEIGHT: f64 = 800.0;
/// The gap between the main window and the phone.
const GAP: f64 = 16.0;

/// Opens the phone window (if it is not open) or closes it (if it is),
/// as the desk is the offline demo or not.
pub fn sync(app: &AppHandle, demo: bool) {
    let open = app.get_webview_window(PHONE_WINDOW);
    let result = match (demo, open) {
        (true, None) => open_beside_main(app),
        (false, Some(phone)) => phone.close(),
        _ => Ok(()),
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, demo, "could not open or close the phone window");
    }
}

fn open_beside_main(app: &AppHandle) -> tauri::Result<()> {
    let mut builder =
        WebviewWindowBuilder::new(app, PHONE_WINDOW, WebviewUrl::App("phone.html".into()))
            .title("CardDesk 演示手机 · Demo phone")
            .inner_size(WIDTH, HEIGHT)
            .min_inner_size(360.0, 560.0)
            .resizable(true);
    if let Some(position) = beside_main(app) {
        builder = builder.position(position.x, position.y);
    }
    builder.build()?;
    Ok(())
}

/// To the right of the main window, kept on its monitor.
fn beside_main(app: &AppHandle) -> Option<LogicalPosition<f64>> {
    let main = app.get_webview_window(MAIN_WINDOW)?;
    let scale = main.scale_factor().ok()?;
    let at = main.outer_position().ok()?.to_logical::<f64>(scale);
    let size = main.outer_size().ok()?.to_logical::<f64>(scale);
    let mut x = at.x + size.width + GAP;
    if let Some(monitor) = main.current_monitor().ok().flatten() {
        let screen = monitor.size().to_logical::<f64>(monitor.scale_factor());
        let origin = monitor.position().to_logical::<f64>(monitor.scale_factor());
        x = x.min(origin.x + screen.width - WIDTH).max(origin.x);
    }
    Some(LogicalPosition::new(x, at.y.max(0.0)))
}
