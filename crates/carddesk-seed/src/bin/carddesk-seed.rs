//! Seeds a database: the demo bank, or a large bank for benchmarks.
//!
//! ```text
//! carddesk-seed --database-url sqlite:bank.db --key-file keys.hex            # demo bank
//! carddesk-seed --database-url postgres://… --key-file keys.hex --cards 1000000
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use carddesk_processor::{Keyring, Processor, ProcessorConfig, SystemClock};
use clap::Parser;

/// Seeds a CardDesk database.
#[derive(Debug, Parser)]
struct Args {
    /// The database (`sqlite:path` or `postgres://…`).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// The master key file (created when missing).
    #[arg(long, env = "CARDDESK_KEY_FILE")]
    key_file: PathBuf,
    /// Write a large bank of this many cards instead of the demo bank.
    #[arg(long)]
    cards: Option<u64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let keys = Arc::new(Keyring::load_or_create(&args.key_file)?);
    let store = carddesk_store::open(&args.database_url, keys.audit_key()).await?;
    let now = chrono::Utc::now();
    let report = match args.cards {
        Some(n) => {
            carddesk_seed::seed_large(store.as_ref(), &keys, n, now, |done| {
                eprint!("\r{done} / {n} cards");
            })
            .await?
        }
        None => {
            let processor = Processor::new(
                store,
                keys,
                ProcessorConfig::default(),
                Arc::new(SystemClock),
            )
            .await?;
            carddesk_seed::seed_demo(&processor, now).await?
        }
    };
    eprintln!();
    println!(
        "seeded {} customers, {} cards, {} cases in {:.1} s",
        report.customers,
        report.cards,
        report.cases,
        report.elapsed.as_secs_f64()
    );
    Ok(())
}
