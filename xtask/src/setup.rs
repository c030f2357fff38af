//! Finding and installing what the commands need.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// Debian packages the console needs to build and run: the Tauri build's
/// libraries, and the speech engine the demo phone's voice prompts use.
pub const CONSOLE_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "espeak-ng",
];

/// Debian packages the tests need: the Tauri build's libraries, a display
/// server and the WebKit WebDriver for the console's end-to-end tests, the
/// speech engine and the browser for the server's.
pub const TEST_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    // The voice prompts' speech engine, whose output the tests measure.
    "espeak-ng",
    // The customer pages' browser test, and a font for their Chinese.
    "chromium",
    "fonts-noto-cjk",
];

/// The repository root: the nearest folder, from where the command was run
/// upwards, that holds this xtask. Found at run time, not from the path the
/// binary was built at: a target directory shared between checkouts can
/// hand one checkout another's xtask binary.
pub fn root() -> Result<PathBuf> {
    let start = std::env::current_dir()?;
    start
        .ancestors()
        .find(|dir| {
            dir.join("xtask").join("Cargo.toml").is_file() && dir.join("Cargo.toml").is_file()
        })
        .map(Path::to_path_buf)
        .context("run cargo xtask inside the CardDesk repository")
}

/// The cargo that runs us.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// npm, as a command.
pub fn npm() -> Command {
    Command::new("npm")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn has_apt() -> bool {
    Path::new("/usr/bin/apt-get").exists() && Path::new("/usr/bin/dpkg-query").exists()
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// Installs missing Debian packages when it can (Debian or Ubuntu, as
/// root); elsewhere says what to install and stops.
pub fn system_packages(packages: &[&str]) -> Result<()> {
    if !has_apt() {
        if cfg!(target_os = "linux") {
            eprintln!(
                "note: not a Debian system; make sure the equivalents of these are installed: {}",
                packages.join(" ")
            );
        }
        return Ok(());
    }
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        bail!(
            "missing packages; install them with:\n  sudo apt-get install -y {}",
            missing.join(" ")
        );
    }
    println!("==> installing {}", missing.join(" "));
    let quiet = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
    };
    quiet(&["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(&missing);
    if !quiet(&args)?.success() {
        bail!("apt-get install {} failed", missing.join(" "));
    }
    Ok(())
}

fn postgres_listening() -> bool {
    listening("127.0.0.1:5432")
}

/// Makes sure a PostgreSQL server listens on 127.0.0.1:5432 (installing and
/// starting Debian's when needed) and returns the URL the tests use. An
/// already set `DATABASE_URL` naming PostgreSQL wins.
pub fn postgres() -> Result<String> {
    if let Ok(url) = std::env::var("DATABASE_URL")
        && url.starts_with("postgres")
    {
        return Ok(url);
    }
    let url = "postgres://postgres@127.0.0.1:5432/postgres".to_owned();
    if postgres_listening() {
        return Ok(url);
    }
    if has_apt() && is_root() {
        system_packages(&["postgresql"])?;
        for entry in std::fs::read_dir("/etc/postgresql").context("/etc/postgresql")? {
            let version = entry?.file_name().to_string_lossy().into_owned();
            println!("==> starting PostgreSQL {version}");
            Command::new("pg_ctlcluster")
                .args(["--skip-systemctl-redirect", &version, "main", "start"])
                .status()?;
        }
        for _ in 0..30 {
            if postgres_listening() {
                return Ok(url);
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    }
    bail!(
        "PostgreSQL is not listening on 127.0.0.1:5432. Install and start PostgreSQL 15 or newer \
         with trust (or set DATABASE_URL=postgres://user:password@host/db)"
    )
}

/// Makes sure a Redis listens on 127.0.0.1:6379 for the shared rate-limit
/// tests (installing and starting Debian's when root), unless
/// `CARDDESK_TEST_REDIS` names another.
pub fn redis() -> Result<()> {
    if std::env::var_os("CARDDESK_TEST_REDIS").is_some() || listening("127.0.0.1:6379") {
        return Ok(());
    }
    if has_apt() && is_root() {
        system_packages(&["redis-server"])?;
        println!("==> starting Redis");
        Command::new("redis-server")
            .args(["--daemonize", "yes", "--save", "", "--bind", "127.0.0.1"])
            .status()?;
        for _ in 0..30 {
            if listening("127.0.0.1:6379") {
                return Ok(());
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    }
    bail!(
        "Redis is not listening on 127.0.0.1:6379. Install and start Redis 6 or newer \
         (or set CARDDESK_TEST_REDIS=redis://host:port/db)"
    )
}

fn listening(addr: &str) -> bool {
    TcpStream::connect_timeout(
        &addr.parse().expect("a socket address"),
        Duration::from_secs(1),
    )
    .is_ok()
}

/// Installs the UI's npm packages when node_modules is missing or older
/// than the lockfile.
pub fn ui_packages() -> Result<()> {
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| {
            let v = String::from_utf8_lossy(&o.stdout);
            v.trim()
                .trim_start_matches('v')
                .split('.')
                .next()?
                .parse::<u32>()
                .ok()
        })
        .is_some_and(|major| major >= 20);
    if !node_ok {
        bail!(
            "Node.js 20 or newer is needed for the UI (Vite 8): install it from nodejs.org or your package manager"
        );
    }
    let stamp = Path::new("ui/node_modules/.package-lock.json");
    let fresh = match (
        std::fs::metadata(stamp),
        std::fs::metadata("ui/package-lock.json"),
    ) {
        (Ok(installed), Ok(lock)) => installed.modified()? >= lock.modified()?,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    println!("==> installing the UI's npm packages");
    // The registry here lacks other platforms' optional packages, so a
    // lockfile made on one platform can fail `npm ci` on another; `npm
    // install` then resolves what this platform needs.
    let ci = npm()
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir("ui")
        .status()?;
    if !ci.success() {
        let install = npm()
            .args(["install", "--no-audit", "--no-fund"])
            .current_dir("ui")
            .status()?;
        if !install.success() {
            bail!("npm install in ui/ failed");
        }
    }
    Ok(())
}

/// The tauri-driver binary the console's end-to-end tests use, installed
/// with cargo when missing.
pub fn tauri_driver() -> Result<String> {
    Ok(cargo_tool("tauri-driver", "2.1.0")?.display().to_string())
}

/// A tool from crates.io in Cargo's bin directory, `cargo install`ed at
/// `version` when it is not there yet.
pub fn cargo_tool(name: &str, version: &str) -> Result<PathBuf> {
    let bin = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|_| std::env::var("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin").join(name))
        .context("no HOME")?;
    if bin.exists() {
        return Ok(bin);
    }
    println!("==> installing {name}");
    let status = Command::new(cargo())
        .args(["install", name, "--locked", "--version", version])
        // Its own target directory: the project's would rebuild for it.
        .env_remove("CARGO_TARGET_DIR")
        .status()?;
    if !status.success() {
        bail!("cargo install {name} failed");
    }
    Ok(bin)
}

/// A command that runs `argv` with a display: as is when one is set,
/// under `xvfb-run` otherwise.
pub fn under_display(argv: &[&str]) -> Command {
    if std::env::var_os("DISPLAY").is_some() {
        let mut cmd = Command::new(argv[0]);
        cmd.args(&argv[1..]);
        cmd
    } else {
        let mut cmd = Command::new("xvfb-run");
        cmd.args(["-a", "-s", "-screen 0 1280x800x24"]).args(argv);
        cmd
    }
}
