//! `cargo xtask fuzz [--seconds N]`: libFuzzer over every parser of
//! outside input (`crates/carddesk-fuzz`: resident ID and passport
//! numbers, card numbers, phone numbers, unfreeze codes, the desk's JSON
//! bodies), each target for N seconds (default 600). `cargo xtask test`
//! runs each for a few seconds.
//!
//! cargo-fuzz builds with `--sanitizer none`, the mode that runs on the
//! stable toolchain (AddressSanitizer needs nightly, and the workspace
//! forbids `unsafe` code, so what the fuzzer looks for is panics and
//! broken round trips). Crashing inputs are kept under
//! `crates/carddesk-fuzz/artifacts/`.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{run, section, setup};

/// The targets, as `crates/carddesk-fuzz/Cargo.toml` names them.
pub const TARGETS: [&str; 7] = [
    "resident_id",
    "passport",
    "card_number",
    "phone_number",
    "case_code",
    "json_bodies",
    "media",
];
const CARGO_FUZZ: &str = "0.13.2";

pub fn fuzz(extra: &[String]) -> Result<()> {
    let seconds = match extra {
        [] => 600,
        [flag, n] if flag == "--seconds" => n.parse().context("--seconds takes a number")?,
        _ => bail!("usage: cargo xtask fuzz [--seconds N]"),
    };
    run_all(seconds)
}

/// Runs every target for `seconds` each.
pub fn run_all(seconds: u64) -> Result<()> {
    let cargo_fuzz = setup::cargo_tool("cargo-fuzz", CARGO_FUZZ)?;
    // Instrumented builds of their own, apart from the workspace's.
    let target_dir =
        PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_owned()))
            .join("fuzz");
    for target in TARGETS {
        section(&format!("fuzzing {target} for {seconds} s"));
        run(Command::new(&cargo_fuzz)
            .args([
                "fuzz",
                "run",
                "--fuzz-dir",
                "crates/carddesk-fuzz",
                "--sanitizer",
                "none",
                "--target-dir",
            ])
            .arg(&target_dir)
            .arg(target)
            .args([
                "--",
                &format!("-max_total_time={seconds}"),
                "-print_final_stats=1",
            ]))?;
    }
    Ok(())
}
