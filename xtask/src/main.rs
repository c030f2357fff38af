//! CardDesk's build tool, behind the `cargo xtask` alias.
//!
//! - `cargo xtask demo [--fresh]`: the offline demo as the desktop app,
//!   with the customer's phone beside it.
//! - `cargo xtask walkthrough [--fresh]`: the offline demo as a guided
//!   walk-through in the terminal (no display needed).
//! - `cargo xtask test`: every check and test, installing what is missing.
//! - `cargo xtask bench [--cards N]`: the benchmarks of docs/benchmarks.md.
//! - `cargo xtask fuzz-api [--examples N]`: schemathesis against the
//!   server's OpenAPI document (docs/reliability.md).
//! - `cargo xtask fuzz [--seconds N]`: libFuzzer over every parser of
//!   outside input, N seconds per target (docs/reliability.md).
//! - `cargo xtask chaos [--kills N] [--customers N] [--seconds N]`: the
//!   server killed with SIGKILL under load and restarted, on SQLite and
//!   PostgreSQL, the database checked after each kill (docs/reliability.md).
//!
//! Each command installs what it needs on Debian or Ubuntu when run as root
//! (apt packages, PostgreSQL, npm packages, tauri-driver) and otherwise says
//! exactly what to install.

mod chaos;
mod fuzz;
mod fuzz_parsers;
mod setup;

use std::process::Command;

use anyhow::{Context, Result, bail};

const USAGE: &str = "usage: cargo xtask <demo [--fresh] | walkthrough [--fresh] | test | bench [--cards N] | fuzz-api [--examples N] | chaos [--kills N] [--customers N] [--seconds N] | fuzz [--seconds N]>";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = setup::root()?;
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("demo") => demo(&args[1..]),
        Some("walkthrough") => walkthrough(&args[1..]),
        Some("test") => test(),
        Some("bench") => bench(&args[1..]),
        Some("fuzz-api") => fuzz::fuzz_api(&args[1..]),
        Some("chaos") => chaos::chaos(&args[1..]),
        Some("fuzz") => fuzz_parsers::fuzz(&args[1..]),
        _ => bail!(USAGE),
    }
}

/// The offline demo as the desktop app: installs what is missing, builds
/// the UI, seeds the demo bank where the console keeps it (first run, or
/// `--fresh`), and runs the console with the UI embedded.
fn demo(extra: &[String]) -> Result<()> {
    let fresh = parse_fresh(extra)?;
    if cfg!(target_os = "linux")
        && ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .all(|v| std::env::var_os(v).is_none_or(|d| d.is_empty()))
    {
        bail!(
            "no display (DISPLAY and WAYLAND_DISPLAY are unset), so the console cannot open a window; \
             `cargo xtask walkthrough` plays the same demo in the terminal"
        );
    }
    setup::system_packages(setup::CONSOLE_PACKAGES)?;
    setup::ui_packages()?;
    section("building the user interface");
    run(setup::npm().args(["run", "build"]).current_dir("ui"))?;
    section("preparing the demo bank");
    let console = |args: &[&str]| {
        let mut cmd = Command::new(setup::cargo());
        cmd.args([
            "run",
            "--quiet",
            "-p",
            "carddesk",
            "--features",
            "carddesk/e2e",
            "--",
        ])
        .args(args);
        cmd
    };
    run(&mut console(if fresh {
        &["seed-demo", "--fresh"]
    } else {
        &["seed-demo"]
    }))?;
    section("starting the console (close its window to stop)");
    run(&mut console(&[]))
}

/// The offline demo as a guided walk-through in the terminal: the
/// processor in-process on its own SQLite bank, one remote unfreeze
/// played from both sides.
fn walkthrough(extra: &[String]) -> Result<()> {
    parse_fresh(extra)?;
    // SQLite's C sources are compiled with the system's C compiler.
    setup::system_packages(&["build-essential"])?;
    run(Command::new(setup::cargo())
        .args([
            "run",
            "--quiet",
            "-p",
            "carddesk-seed",
            "--bin",
            "carddesk-demo",
            "--",
        ])
        .args(extra))
}

/// Whether `--fresh` was asked for; anything else is refused.
fn parse_fresh(extra: &[String]) -> Result<bool> {
    match extra {
        [] => Ok(false),
        [flag] if flag == "--fresh" => Ok(true),
        _ => bail!(USAGE),
    }
}

/// Every check and test the project has.
fn test() -> Result<()> {
    setup::system_packages(setup::TEST_PACKAGES)?;
    let database_url = setup::postgres()?;
    setup::redis()?;
    setup::ui_packages()?;
    let tauri_driver = setup::tauri_driver()?;

    section("formatting");
    run(Command::new(setup::cargo()).args(["fmt", "--all", "--check"]))?;

    section("user interface: type check, unit tests, build");
    run(setup::npm().args(["run", "check"]).current_dir("ui"))?;
    run(setup::npm().args(["run", "test"]).current_dir("ui"))?;
    run(setup::npm().args(["run", "build"]).current_dir("ui"))?;

    section("lints");
    run(Command::new(setup::cargo()).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--features",
        "carddesk/e2e",
        "--",
        "-D",
        "warnings",
    ]))?;

    section("Rust tests on SQLite and PostgreSQL, and the console end to end under Xvfb");
    let cargo = setup::cargo();
    let tests = |args: &[&str]| {
        let mut argv = vec![cargo.as_str(), "test"];
        argv.extend_from_slice(args);
        let mut cmd = setup::under_display(&argv);
        cmd.env("DATABASE_URL", &database_url)
            .env("TAURI_DRIVER", &tauri_driver);
        cmd
    };
    run(&mut tests(&["--workspace", "--exclude", "carddesk"]))?;
    // The console's own tests, its end-to-end walks among them. WebKitGTK's
    // web process has been seen to crash mid-walk on a loaded two-core
    // machine ("session deleted because of page crash"), outside anything
    // the console does: a failed run is tried once more, whole, and said
    // so; a failure that is ours fails both.
    let console = ["-p", "carddesk", "--features", "e2e"];
    if run(&mut tests(&console)).is_err() {
        println!(
            "\nThe console's tests failed once; running them again \
             (WebKitGTK's web process can crash under load)."
        );
        run(&mut tests(&console))?;
    }

    // A short run of every fuzz target: a parser change that panics on
    // some input is caught here, not only in the long runs.
    fuzz_parsers::run_all(10)?;

    section("the OpenAPI document, fuzzed briefly (schemathesis)");
    fuzz::short_run()?;

    section("documentation");
    run(Command::new(setup::cargo())
        .args(["doc", "--workspace", "--no-deps", "--exclude", "xtask"])
        .env("RUSTDOCFLAGS", "-D warnings"))?;
    println!("\nAll checks passed.");
    Ok(())
}

/// The benchmarks: card lookup among a million cards on SQLite and
/// PostgreSQL, and credential verification against raw Argon2id.
fn bench(extra: &[String]) -> Result<()> {
    let database_url = setup::postgres()?;
    run(Command::new(setup::cargo())
        .args(["run", "--release", "-p", "carddesk-bench", "--"])
        .args(extra)
        .env("DATABASE_URL", database_url))
}

pub(crate) fn section(name: &str) {
    println!("\n==> {name}");
}

pub(crate) fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("could not start {:?}", cmd.get_program()))?;
    if !status.success() {
        bail!("{:?} failed ({status})", cmd);
    }
    Ok(())
}
