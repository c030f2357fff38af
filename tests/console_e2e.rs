//! End-to-end test of the console: the real `carddesk` binary, with the built UI
//! embedded, driven through WebDriver as an agent would use it.
//!
//! The test starts `tauri-driver` itself on free ports, opens a session that
//! launches the console, and checks that the shell comes up, that the status line
//! shows the desk the Rust side reports (so the IPC round trip through
//! `desk_info` works), and that the language switch turns the screen Chinese and
//! back. Screenshots for people land in `target/tmp/console_e2e/`.
//!
//! It needs a display, `tauri-driver` and `WebKitWebDriver`, and fails loudly
//! when one is missing. Run it with:
//!
//! ```sh
//! (cd ui && npm run build)
//! xvfb-run -a -s "-screen 0 1280x800x24" cargo test -p carddesk --features e2e --test console_e2e
//! ```

use std::env;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The console binary Cargo built for this test, with the UI embedded (`e2e` feature).
const CONSOLE: &str = env!("CARGO_BIN_EXE_carddesk");
/// The version the Rust side reports through `desk_info`.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How long tauri-driver may take to listen on its port.
const DRIVER_START: Duration = Duration::from_secs(20);
/// How long one expected change on screen may take.
const SCREEN_CHANGE: Duration = Duration::from_secs(20);
/// How long the whole walk through the console may take before the test gives up.
const WHOLE_TEST: Duration = Duration::from_secs(180);

#[tokio::test]
async fn console_starts_shows_the_offline_desk_and_switches_language() {
    // Several rustls providers are compiled into the workspace: without one
    // chosen, the WebDriver client's TLS setup panics before it connects.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let tools = Tools::find();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console_e2e");
    fs::create_dir_all(&shots).expect("the screenshot folder can be made");

    let driver = TauriDriver::start(&tools, &shots.join("tauri-driver.log"));
    let client = connect(&driver).await;

    // The checks run as their own task so that, whatever they do, the session is
    // closed below (which closes the console) before the driver is stopped.
    let checks = tokio::spawn(walk_through_console(client.clone(), shots.clone()));
    let outcome = tokio::time::timeout(WHOLE_TEST, checks).await;
    let closed = client.close().await;

    match outcome {
        Err(_) => panic!(
            "the console did not finish the walk-through within {WHOLE_TEST:?}; tauri-driver's log: {}",
            driver.log.display()
        ),
        Ok(Err(join_error)) if join_error.is_panic() => {
            std::panic::resume_unwind(join_error.into_panic())
        }
        Ok(Err(join_error)) => panic!("the walk-through task failed: {join_error}"),
        Ok(Ok(())) => {}
    }
    closed.expect("the WebDriver session closes, and with it the console");
    drop(driver);
    eprintln!("screenshots: {}", shots.display());
}

/// Everything an agent sees, checked in order.
async fn walk_through_console(client: Client, shots: PathBuf) {
    let status = wait_for_desk(&client).await;
    assert_eq!(status, "ready", "the status line should show a ready desk");

    assert_eq!(
        client.title().await.expect("title"),
        "CardDesk",
        "the window title"
    );
    assert_eq!(text(&client, "h1").await, "CardDesk");
    assert_eq!(
        text(&client, "[data-testid=starting-title]").await,
        "The console is starting"
    );

    // These come from the Rust command, through IPC: the mode, and the version of
    // this very package, which the UI has no other way to know.
    let mode = client
        .find(Locator::Css("[data-testid=desk-mode]"))
        .await
        .expect("the status line shows the desk mode");
    assert_eq!(
        mode.attr("data-mode").await.expect("data-mode").as_deref(),
        Some("offline-demo")
    );
    assert_eq!(mode.text().await.expect("mode text"), "Offline demo");
    assert_eq!(
        text(&client, "[data-testid=desk-version]").await,
        format!("Version {VERSION}")
    );

    // The strict CSP must still let the bundled stylesheet apply.
    let header_background = script(
        &client,
        "return getComputedStyle(document.querySelector('header')).backgroundImage;",
    )
    .await;
    assert!(
        header_background.contains("gradient"),
        "the header should be styled (is the stylesheet blocked?): background-image is {header_background:?}"
    );
    let viewport = script(
        &client,
        "return `${window.innerWidth}x${window.innerHeight}`;",
    )
    .await;
    eprintln!("console viewport: {viewport}");
    screenshot(&client, &shots.join("console-en.png")).await;

    // The agent picks Chinese with the mouse…
    client
        .find(Locator::Css("button[data-locale='zh-CN']"))
        .await
        .expect("the language switch offers 简体中文")
        .click()
        .await
        .expect("简体中文 can be clicked");
    wait_for_text(&client, "[data-testid=desk-mode]", "离线演示").await;
    assert_eq!(
        text(&client, "[data-testid=starting-title]").await,
        "控制台正在启动"
    );
    assert_eq!(
        text(&client, "[data-testid=desk-version]").await,
        format!("版本 {VERSION}")
    );
    assert_eq!(
        script(&client, "return document.documentElement.lang;").await,
        "zh-CN"
    );
    screenshot(&client, &shots.join("console-zh-CN.png")).await;

    // …goes back to English with Alt+L…
    press(&client, &[Key::Alt.into(), 'l']).await;
    wait_for_text(&client, "[data-testid=desk-mode]", "Offline demo").await;
    assert_eq!(
        script(&client, "return document.documentElement.lang;").await,
        "en"
    );

    // …and reaches the switch with Tab alone: English first, then 简体中文.
    script(&client, "document.activeElement?.blur(); return '';").await;
    press(&client, &[Key::Tab.into()]).await;
    assert_eq!(
        focused_locale(&client).await,
        "en",
        "the first Tab stop is the English button"
    );
    press(&client, &[Key::Tab.into()]).await;
    assert_eq!(
        focused_locale(&client).await,
        "zh-CN",
        "the second Tab stop is the 简体中文 button"
    );
    screenshot(&client, &shots.join("console-focus.png")).await;
    press(&client, &[Key::Enter.into()]).await;
    wait_for_text(&client, "[data-testid=desk-mode]", "离线演示").await;
}

/// Presses `keys` together, as a chord, and lets them go.
async fn press(client: &Client, keys: &[char]) {
    let mut actions = KeyActions::new("keyboard".to_owned());
    for &key in keys {
        actions = actions.then(KeyAction::Down { value: key });
    }
    for &key in keys.iter().rev() {
        actions = actions.then(KeyAction::Up { value: key });
    }
    client
        .perform_actions(actions)
        .await
        .expect("keys can be pressed");
    client
        .release_actions()
        .await
        .expect("keys can be released");
}

/// The language of the focused language button, or what has the focus instead.
async fn focused_locale(client: &Client) -> String {
    script(
        client,
        "const el = document.activeElement; \
         return el?.dataset?.locale ?? `not a language button: ${el?.outerHTML}`;",
    )
    .await
}

/// Waits until the status line leaves its loading state, and returns the state
/// it reached; a failed `desk_info` fails the test with what the UI says.
async fn wait_for_desk(client: &Client) -> String {
    let deadline = Instant::now() + SCREEN_CHANGE;
    let mut last = String::from("(no status line yet)");
    while Instant::now() < deadline {
        if let Ok(status) = client.find(Locator::Css("[data-testid=desk-status]")).await {
            let state = status
                .attr("data-state")
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            match state.as_str() {
                "ready" => return state,
                "error" => panic!(
                    "the console shows an error instead of its desk: {}",
                    status.text().await.unwrap_or_default()
                ),
                _ => last = state,
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the status line never showed a desk within {SCREEN_CHANGE:?} (last state: {last}); page source:\n{}",
        client.source().await.unwrap_or_default()
    );
}

/// Waits until the element `css` shows exactly `expected`.
async fn wait_for_text(client: &Client, css: &str, expected: &str) {
    let deadline = Instant::now() + SCREEN_CHANGE;
    let mut last = None;
    while Instant::now() < deadline {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            let shown = element.text().await.unwrap_or_default();
            if shown == expected {
                return;
            }
            last = Some(shown);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} should show {expected:?} within {SCREEN_CHANGE:?}, but shows {last:?}");
}

/// The text the element `css` shows.
async fn text(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("the page should have {css}: {error}"))
        .text()
        .await
        .unwrap_or_else(|error| panic!("the text of {css} should be readable: {error}"))
}

/// Runs `body` in the page and returns its answer as a string.
async fn script(client: &Client, body: &str) -> String {
    match client.execute(body, Vec::new()).await {
        Ok(serde_json::Value::String(answer)) => answer,
        Ok(other) => panic!("the script {body:?} answered {other}, not a string"),
        Err(error) => panic!("the script {body:?} failed: {error}"),
    }
}

/// Saves what the console's window shows to `path`, for people to look at.
async fn screenshot(client: &Client, path: &Path) {
    let png = client
        .screenshot()
        .await
        .expect("the console can be photographed");
    fs::write(path, png).unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    eprintln!("screenshot: {}", path.display());
}

/// Opens a WebDriver session that launches the console.
async fn connect(driver: &TauriDriver) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".to_owned(), "wry".into());
    capabilities.insert(
        "tauri:options".to_owned(),
        serde_json::json!({ "application": CONSOLE }),
    );
    ClientBuilder::rustls()
        .expect("rustls can be set up (are CA certificates installed?)")
        .capabilities(capabilities)
        .connect(&driver.url())
        .await
        .unwrap_or_else(|error| {
            panic!(
                "no WebDriver session with the console {CONSOLE}: {error}\ntauri-driver's log ({}):\n{}",
                driver.log.display(),
                fs::read_to_string(&driver.log).unwrap_or_default()
            )
        })
}

/// The programs the test drives the console with.
#[derive(Debug)]
struct Tools {
    tauri_driver: PathBuf,
    webkit_driver: PathBuf,
}

impl Tools {
    /// Finds the tools and the display, or fails the test saying how to get them.
    fn find() -> Self {
        assert!(
            env::var_os("DISPLAY").is_some_and(|display| !display.is_empty()),
            "the console needs a display and DISPLAY is not set: run this test under \
             xvfb-run -a -s \"-screen 0 1280x800x24\" cargo test -p carddesk --features e2e --test console_e2e"
        );
        let cargo_bin = env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
            .map(|home| home.join("bin"));
        let tauri_driver = env::var_os("TAURI_DRIVER")
            .map(PathBuf::from)
            .or_else(|| on_path("tauri-driver"))
            .or_else(|| cargo_bin.map(|bin| bin.join("tauri-driver")).filter(|path| path.is_file()))
            .unwrap_or_else(|| {
                panic!(
                    "tauri-driver is not installed (not on PATH, not in ~/.cargo/bin, no TAURI_DRIVER): \
                     install it with `cargo install tauri-driver --locked --version 2.1.0`"
                )
            });
        let webkit_driver = on_path("WebKitWebDriver").unwrap_or_else(|| {
            panic!(
                "WebKitWebDriver is not on PATH: install it with `apt-get install webkit2gtk-driver`"
            )
        });
        Self {
            tauri_driver,
            webkit_driver,
        }
    }
}

/// The first file called `name` in a folder of PATH.
fn on_path(name: impl AsRef<OsStr>) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|folder| folder.join(name.as_ref()))
        .find(|candidate| candidate.is_file())
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free local port")
        .port()
}

/// A running tauri-driver, stopped with SIGTERM when dropped, even when a check
/// failed: tauri-driver then stops WebKitWebDriver, which SIGKILL would leave
/// running and holding its port.
#[derive(Debug)]
struct TauriDriver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl TauriDriver {
    /// Starts tauri-driver on free ports and waits until it listens.
    fn start(tools: &Tools, log: &Path) -> Self {
        let port = free_port();
        let native_port = free_port();
        let log_file = File::create(log)
            .unwrap_or_else(|error| panic!("cannot create {}: {error}", log.display()));
        let child = Command::new(&tools.tauri_driver)
            .arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .arg("--native-driver")
            .arg(&tools.webkit_driver)
            // The console picks its first language from the locale; the checks start in English.
            .env("LANG", "C.UTF-8")
            .env_remove("LANGUAGE")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("the log can be shared"))
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {}: {error}", tools.tauri_driver.display())
            });
        let mut driver = Self {
            child,
            port,
            log: log.to_owned(),
        };
        driver.wait_until_listening();
        driver
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + DRIVER_START;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "tauri-driver exited at start ({status}); its log:\n{}",
                    fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_ok() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "tauri-driver did not listen on port {} within {DRIVER_START:?}; its log:\n{}",
            self.port,
            fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let terminated = i32::try_from(self.child.id())
            .ok()
            .is_some_and(|pid| kill(Pid::from_raw(pid), Signal::SIGTERM).is_ok());
        let deadline = Instant::now() + Duration::from_secs(10);
        while terminated && Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        // Only when SIGTERM failed or was ignored: better a stray WebKitWebDriver
        // than a test that never ends.
        eprintln!("tauri-driver did not stop on SIGTERM; killing it");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
