//! The console's log: a file per day in the OS log directory, through
//! tracing. What is logged is the shell's own doing (desks opened,
//! sessions started and ended, failures by code); never a request's
//! arguments, a token, a code, a card or ID number or a password.

use std::path::Path;

use tracing_subscriber::EnvFilter;

/// The log files' name (a date is appended).
const FILE_PREFIX: &str = "carddesk.log";

/// Sends tracing to a daily file in `dir`, at `info` unless `RUST_LOG`
/// says otherwise. A second call (a test, a second app) changes nothing.
pub fn init(dir: &Path) {
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("carddesk: no log folder {}: {e}", dir.display());
        return;
    }
    let file = tracing_appender::rolling::daily(dir, FILE_PREFIX);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(file)
        .with_ansi(false)
        .try_init();
}
