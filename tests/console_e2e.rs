//! End-to-end test of the console: the real `carddesk` binary, with the built UI
//! embedded, driven through WebDriver as an agent would use it.
//!
//! The test starts `tauri-driver` itself on free ports, opens a session that
//! launches the console on a fresh offline demo (its own data and config
//! folders, so the user's are never touched), and checks that the main window
//! comes up on the sign-in screen, that the IPC round trips work (the version
//! the Rust side reports through `desk_info`, the demo staff through
//! `demo_staff`), that the demo's phone window opens beside it, and that
//! a demo agent signs in with one click.
//! Screenshots for people land in `target/tmp/console_e2e/`.
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
/// How long the first screen may take: on a fresh demo the shell seeds the
/// bank first (every card's password through Argon2id), and commands wait.
const FIRST_START: Duration = Duration::from_secs(90);
/// How long the whole walk through the console may take before the test gives up.
const WHOLE_TEST: Duration = Duration::from_secs(180);

#[tokio::test]
async fn console_starts_on_the_offline_demo_with_its_phone() {
    // Several rustls providers are compiled into the workspace: without one
    // chosen, the WebDriver client's TLS setup panics before it connects.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let tools = Tools::find();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console_e2e");
    fs::create_dir_all(&shots).expect("the screenshot folder can be made");

    // A fresh demo each run: the console keeps its bank and settings under
    // the XDG folders, which the driver passes on to the app.
    let home = shots.join("xdg");
    let _ = fs::remove_dir_all(&home);
    let driver = TauriDriver::start(&tools, &shots.join("tauri-driver.log"), &home);
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
    use_main_window(&client).await;
    wait_for(&client, "[data-testid=sign-in-username]", FIRST_START).await;
    let title = client.title().await.expect("title");
    assert!(title.starts_with("CardDesk"), "the window title: {title:?}");

    // From the Rust side, through IPC: the version of this very package,
    // which the UI has no other way to know, and the offline demo's staff.
    let version = text(&client, "[data-testid=desk-version]").await;
    assert!(
        version.contains(VERSION),
        "the status line shows the version desk_info reports ({VERSION}), not {version:?}"
    );
    for username in ["agent.li", "agent.wang", "supervisor.zhang"] {
        wait_for(
            &client,
            &format!("[data-testid=\"demo-staff-{username}\"]"),
            SCREEN_CHANGE,
        )
        .await;
    }

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
    screenshot(&client, &shots.join("console-sign-in.png")).await;

    // The demo opens the customer's phone as a second window.
    let deadline = Instant::now() + SCREEN_CHANGE;
    let mut windows = 0;
    while Instant::now() < deadline {
        windows = client.windows().await.map(|w| w.len()).unwrap_or_default();
        if windows >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        windows, 2,
        "the offline demo opens the phone window beside the console"
    );

    // One click signs a demo agent in (`sign_in_demo`: the shell knows the
    // demo passwords; the token stays in Rust), and the profile comes back.
    use_main_window(&client).await;
    client
        .find(Locator::Css("[data-testid=\"demo-staff-agent.li\"]"))
        .await
        .expect("the demo agent's button")
        .click()
        .await
        .expect("the demo agent's button can be clicked");
    wait_for(&client, "[data-testid=staff-name]", SCREEN_CHANGE).await;
    assert_eq!(text(&client, "[data-testid=staff-name]").await, "李娜");
    screenshot(&client, &shots.join("console-signed-in.png")).await;
}

/// Makes the main window (the one not showing the phone's page) the one
/// the session drives: the demo opens two, and which one a new session
/// starts in is the driver's choice.
async fn use_main_window(client: &Client) {
    let deadline = Instant::now() + FIRST_START;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        seen.clear();
        match client.windows().await {
            Ok(handles) => {
                for handle in handles {
                    let switched = client.switch_to_window(handle.clone()).await;
                    let shown = client.current_url().await;
                    if switched.is_ok()
                        && shown
                            .as_ref()
                            .is_ok_and(|url| !url.path().ends_with("phone.html"))
                    {
                        return;
                    }
                    seen.push(format!("{handle:?}: {switched:?} {shown:?}"));
                }
            }
            Err(e) => seen.push(format!("no window list: {e}")),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no main window within {FIRST_START:?}; windows: {seen:?}");
}

/// Waits until the page has an element `css`.
async fn wait_for(client: &Client, css: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if client.find(Locator::Css(css)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the page never showed {css} within {within:?}; page source:\n{}",
        client.source().await.unwrap_or_default()
    );
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
    fn start(tools: &Tools, log: &Path, home: &Path) -> Self {
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
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
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
