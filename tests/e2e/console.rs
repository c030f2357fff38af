//! One console per test: a fresh home (its own XDG data and config
//! folders, so the user's are never touched), tauri-driver, a WebDriver
//! session that launches the console, the walk run under a time limit, and
//! on any failure a photograph of the window and of the whole screen
//! before the session and the driver are closed.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::Client;
use fantoccini::wd::WindowHandle;
use tokio::sync::Mutex;

use super::driver::{TauriDriver, Tools, on_path};
use super::page::{FIRST_START, SCREEN_CHANGE};

/// How long one walk through the console may take before the test gives up.
const WHOLE_WALK: Duration = Duration::from_secs(120);

/// One console at a time: two cores, one display, and each console seeds a
/// demo bank at start.
static ONE_CONSOLE: Mutex<()> = Mutex::const_new(());

/// The console's app identifier (`tauri.conf.json`), which names its
/// folders inside the XDG ones.
const IDENTIFIER: &str = "com.carddesk.console";

/// Where a test's console keeps its files, and where its photographs go.
#[derive(Debug, Clone)]
pub struct Home {
    /// This test's folder under the target directory.
    pub dir: PathBuf,
}

impl Home {
    /// The console's config folder (its `settings.json`).
    pub fn config_dir(&self) -> PathBuf {
        self.dir.join("xdg/config").join(IDENTIFIER)
    }

    /// A photograph's path in this test's folder.
    pub fn shot(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.png"))
    }
}

/// Runs `walk` against a console launched on a fresh home, after
/// `prepare` has written what the console should find there.
pub async fn run<W, F>(name: &str, prepare: impl FnOnce(&Home), walk: W)
where
    W: FnOnce(Client, Home) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    let _one = ONE_CONSOLE.lock().await;
    // Several rustls providers are compiled into the workspace: without one
    // chosen, the WebDriver client's TLS setup panics before it connects.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let tools = Tools::find();
    let home = Home {
        dir: PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("console_e2e")
            .join(name),
    };
    let _ = std::fs::remove_dir_all(&home.dir);
    std::fs::create_dir_all(&home.dir).expect("the test's folder can be made");
    prepare(&home);
    let driver = TauriDriver::start(
        &tools,
        &home.dir.join("tauri-driver.log"),
        &home.dir.join("xdg"),
    );
    let client = driver.connect().await;

    // The walk runs as its own task so that, whatever it does, the session
    // is closed below (which closes the console) before the driver stops.
    let mut task = tokio::spawn(walk(client.clone(), home.clone()));
    let outcome = tokio::time::timeout(WHOLE_WALK, &mut task).await;
    let failed = !matches!(outcome, Ok(Ok(())));
    if failed {
        task.abort();
        photograph_failure(&client, &home).await;
    }
    let closed = client.close().await;
    drop(driver);
    match outcome {
        Err(_) => panic!(
            "the walk {name} did not finish within {WHOLE_WALK:?}; photographs and tauri-driver's log in {}",
            home.dir.display()
        ),
        Ok(Err(join_error)) if join_error.is_panic() => {
            std::panic::resume_unwind(join_error.into_panic())
        }
        Ok(Err(join_error)) => panic!("the walk {name} failed: {join_error}"),
        Ok(Ok(())) => {}
    }
    closed.expect("the WebDriver session closes, and with it the console");
    eprintln!("photographs of {name}: {}", home.dir.display());
}

/// Photographs the window the walk was in and the whole screen.
async fn photograph_failure(client: &Client, home: &Home) {
    let window = home.shot("failure-window");
    match client.screenshot().await {
        Ok(png) if std::fs::write(&window, &png).is_ok() => {
            eprintln!("FAILED: the window then: {}", window.display());
        }
        other => eprintln!(
            "FAILED: the window could not be photographed: {:?}",
            other.err()
        ),
    }
    let screen = home.shot("failure-screen");
    if on_path("import").is_some()
        && Command::new("import")
            .args(["-window", "root"])
            .arg(&screen)
            .status()
            .is_ok_and(|status| status.success())
    {
        eprintln!("FAILED: the whole screen then: {}", screen.display());
    }
}

/// The console's windows: the main one and, on the offline demo, the phone.
#[derive(Debug, Clone)]
pub struct Windows {
    /// The agent's window.
    pub main: WindowHandle,
    /// The demo's customer phone.
    pub phone: Option<WindowHandle>,
}

impl Windows {
    /// Finds the windows once `expected` of them are open (the main one, and
    /// the phone's, which shows `phone.html`), leaving the session in the main one.
    pub async fn find(client: &Client, expected: usize) -> Self {
        let within = if expected > 1 {
            FIRST_START
        } else {
            SCREEN_CHANGE
        };
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            seen.clear();
            let (mut main, mut phone) = (None, None);
            for handle in client.windows().await.unwrap_or_default() {
                let switched = client.switch_to_window(handle.clone()).await;
                let shown = client.current_url().await;
                match (&switched, &shown) {
                    (Ok(()), Ok(url)) if url.path().ends_with("phone.html") => {
                        phone = Some(handle.clone());
                    }
                    (Ok(()), Ok(url)) if url.scheme() != "about" => main = Some(handle.clone()),
                    _ => {}
                }
                seen.push(format!("{handle:?}: {switched:?} {shown:?}"));
            }
            let count = usize::from(main.is_some()) + usize::from(phone.is_some());
            if let Some(main) = main
                && count >= expected
            {
                client
                    .switch_to_window(main.clone())
                    .await
                    .expect("the main window can be driven");
                return Self { main, phone };
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("not {expected} windows within {within:?}; windows: {seen:?}");
    }

    /// Drives the main window from now on.
    pub async fn to_main(&self, client: &Client) {
        client
            .switch_to_window(self.main.clone())
            .await
            .expect("the main window can be driven");
    }

    /// Drives the phone window from now on.
    pub async fn to_phone(&self, client: &Client) {
        let phone = self
            .phone
            .clone()
            .expect("the offline demo has a phone window");
        client
            .switch_to_window(phone)
            .await
            .expect("the phone window can be driven");
    }
}

/// Writes the console's settings file into `home` before it starts.
pub fn write_settings(home: &Home, settings: &serde_json::Value) {
    let dir = home.config_dir();
    std::fs::create_dir_all(&dir).expect("the console's config folder can be made");
    std::fs::write(
        dir.join("settings.json"),
        serde_json::to_vec_pretty(settings).expect("settings as JSON"),
    )
    .expect("the settings can be written");
}

/// Whether this run records what the docs show (`CARDDESK_E2E_RECORD=1`):
/// the photographs in `docs/screenshots/` and the time to done in
/// docs/benchmarks.md. Off by default, so a test run leaves the checkout as
/// it found it.
pub fn recording() -> bool {
    std::env::var_os("CARDDESK_E2E_RECORD").is_some_and(|v| v == "1")
}

/// After a successful walk, copies its photographs whose names start with
/// one of `prefixes` into `docs/screenshots/` when [`recording`].
pub fn publish_photos(home: &Home, prefixes: &[&str]) {
    if !recording() {
        return;
    }
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&docs).expect("docs/screenshots can be made");
    for entry in std::fs::read_dir(&home.dir).expect("the test's folder can be read") {
        let path = entry.expect("a file of the test's folder").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.ends_with(".png") && prefixes.iter().any(|p| name.starts_with(&format!("{p}-"))) {
            std::fs::copy(&path, docs.join(name)).expect("a photograph can be copied");
            eprintln!("screenshot for the docs: {}", docs.join(name).display());
        }
    }
}
