//! The programs the tests drive the console with: `tauri-driver` on free
//! ports (stopped with SIGTERM, which it forwards to `WebKitWebDriver`),
//! and a WebDriver session that launches the console binary.

use std::env;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The console binary Cargo built for this test, with the UI embedded (`e2e` feature).
pub const CONSOLE: &str = env!("CARGO_BIN_EXE_carddesk");

/// How long tauri-driver may take to listen on its port.
const DRIVER_START: Duration = Duration::from_secs(20);

/// The programs the test drives the console with.
#[derive(Debug)]
pub struct Tools {
    tauri_driver: PathBuf,
    webkit_driver: PathBuf,
}

impl Tools {
    /// Finds the tools and the display, or fails the test saying how to get them.
    pub fn find() -> Self {
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
pub fn on_path(name: impl AsRef<OsStr>) -> Option<PathBuf> {
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
pub struct TauriDriver {
    child: Child,
    port: u16,
    /// Where its output goes.
    pub log: PathBuf,
}

impl TauriDriver {
    /// Starts tauri-driver on free ports and waits until it listens. The
    /// console it launches keeps its bank and settings under `home`'s XDG
    /// folders, and starts in English.
    pub fn start(tools: &Tools, log: &Path, home: &Path) -> Self {
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

    /// Opens a WebDriver session, which launches the console.
    pub async fn connect(&self) -> Client {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".to_owned(), "wry".into());
        capabilities.insert(
            "tauri:options".to_owned(),
            serde_json::json!({ "application": CONSOLE }),
        );
        ClientBuilder::rustls()
            .expect("rustls can be set up (are CA certificates installed?)")
            .capabilities(capabilities)
            .connect(&self.url())
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "no WebDriver session with the console {CONSOLE}: {error}\ntauri-driver's log ({}):\n{}",
                    self.log.display(),
                    fs::read_to_string(&self.log).unwrap_or_default()
                )
            })
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
