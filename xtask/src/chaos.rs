//! `cargo xtask chaos [--kills N] [--customers N] [--seconds N]`: the
//! chaos run of docs/reliability.md at full size (20 kills, 200 flows by
//! default), on SQLite and on PostgreSQL: the test suite's
//! `carddesk-server/tests/chaos.rs` with its bounds raised, its table
//! printed.

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{run, section, setup};

const USAGE: &str = "usage: cargo xtask chaos [--kills N] [--customers N] [--seconds N]";

pub fn chaos(extra: &[String]) -> Result<()> {
    let (mut kills, mut customers, mut seconds) = ("20", "200", "1800");
    let mut args = extra.iter();
    while let Some(flag) = args.next() {
        let value = args.next().context(USAGE)?;
        value
            .parse::<u64>()
            .with_context(|| format!("{flag} takes a number"))?;
        match flag.as_str() {
            "--kills" => kills = value,
            "--customers" => customers = value,
            "--seconds" => seconds = value,
            _ => bail!(USAGE),
        }
    }
    let database_url = setup::postgres()?;
    section(&format!(
        "chaos: {kills} kills under {customers} flows, on SQLite and PostgreSQL"
    ));
    run(Command::new(setup::cargo())
        .args([
            "test",
            "-p",
            "carddesk-server",
            "--test",
            "chaos",
            "--",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("DATABASE_URL", database_url)
        .env("CARDDESK_CHAOS_KILLS", kills)
        .env("CARDDESK_CHAOS_CUSTOMERS", customers)
        .env("CARDDESK_CHAOS_SECONDS", seconds))
}
