//! CardDesk's benchmarks. Each figure is a ratio against a baseline
//! measured in the same run on the same machine, never an absolute time
//! to compare across machines:
//!
//! 1. card lookup for one customer among a million stored cards, through
//!    the store (what the console's lookup runs), against the same query
//!    run directly through sqlx; p50 and p99, on SQLite and PostgreSQL;
//! 2. credential verification throughput of the processor (locking,
//!    keyed-hash comparison, Argon2id, the unfreeze transaction with its
//!    audit entries) against raw Argon2id verification with the same
//!    parameters on the same cores;
//! 3. (`http`) completed remote-unfreeze flows per second through a
//!    `carddesk-server` over HTTP, against raw Argon2id on the same cores;
//! 4. (`http`) card lookup at 100 agents at once over HTTP on PostgreSQL
//!    with a million cards, against the same lookups through sqlx;
//! 5. (`search`) one search as the agent types it, each kind of query,
//!    through the processor, the in-process desk and the HTTP desk,
//!    against the same statements through sqlx; p50 and p99, on SQLite
//!    and PostgreSQL with a million cards.
//!
//! 6. (`cards`) virtual cards on the two-card route: time from the
//!    application to the number shown, against one raw Argon2id check;
//!    issuing throughput against raw card-number generation.
//!
//! `--only` runs some of them (`--only search`, `--only lookup,verify`).

mod cards;
mod http;
mod lookup;
mod search;
mod verify;

use std::sync::Arc;
use std::time::Duration;

use carddesk_processor::Keyring;
use carddesk_store::{CardStore, PgStore, SqliteStore, Store};
use clap::Parser;

// As in `carddesk-server`, whose requests this measures: glibc's malloc and
// free were a seventh of the process's time under load; with mimalloc
// the customer view over HTTP serves 30 % more a second, flows 8 % more
// (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The benchmark sections, for `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Section {
    /// Card lookup for one customer, store against sqlx.
    Lookup,
    /// Credential verification against raw Argon2id.
    Verify,
    /// Remote-unfreeze flows over HTTP.
    Flows,
    /// Card lookup at many agents at once over HTTP.
    Agents,
    /// Search as the agent types.
    Search,
    /// Virtual cards: time to a card, issuing throughput.
    Cards,
}

/// Runs the benchmarks.
#[derive(Debug, Parser)]
struct Args {
    /// Run only these sections (comma-separated; all when not given).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Section>,
    /// Searches measured per kind of query, per path and per database.
    #[arg(long, default_value_t = 200)]
    searches: usize,
    /// Print the database's plan of every kind of search, not only those
    /// that read a whole table.
    #[arg(long)]
    plans: bool,
    /// Cards in the lookup benchmark's bank.
    #[arg(long, default_value_t = 1_000_000)]
    cards: u64,
    /// Lookups measured per database and per path.
    #[arg(long, default_value_t = 5_000)]
    lookups: usize,
    /// Verifications measured per database.
    #[arg(long, default_value_t = 200)]
    verifications: usize,
    /// Customers verifying at once.
    #[arg(long, default_value_t = 8)]
    customers_at_once: usize,
    /// Remote-unfreeze flows per path, over HTTP and in process (agent
    /// steps, then the customer's).
    #[arg(long, default_value_t = 800)]
    flows: usize,
    /// Flows in flight at once.
    #[arg(long, default_value_t = 16)]
    flows_at_once: usize,
    /// Signed-in agents sharing the flows.
    #[arg(long, default_value_t = 4)]
    flow_agents: usize,
    /// Agents looking cards up at once over HTTP.
    #[arg(long, default_value_t = 100)]
    agents_at_once: usize,
    /// Lookups per agent and per path (in three rounds, rounded up).
    #[arg(long, default_value_t = 240)]
    agent_lookups: usize,
    /// Two-card applications timed from submission to the number shown,
    /// per database.
    #[arg(long, default_value_t = 100)]
    card_flows: usize,
    /// Cards issued for the throughput figure, per database.
    #[arg(long, default_value_t = 200)]
    issues: usize,
    /// Codes entered at once for the throughput figure.
    #[arg(long, default_value_t = 8)]
    issues_at_once: usize,
    /// The most seconds any one HTTP phase may run before it stops early.
    #[arg(long, default_value_t = 120)]
    phase_seconds: u64,
    /// The PostgreSQL server (a database `carddesk_bench` is made on it).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    database_url: String,
    /// Where the SQLite bank and the key are kept between runs.
    #[arg(long, default_value = "target/bench")]
    dir: std::path::PathBuf,
}

impl Args {
    fn runs(&self, section: Section) -> bool {
        self.only.is_empty() || self.only.contains(&section)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.dir)?;
    let keys = Arc::new(Keyring::load_or_create(&args.dir.join("master.key"))?);
    println!("machine: {}", machine());

    // The million-card banks, for the lookups and the searches.
    let banks =
        args.runs(Section::Lookup) || args.runs(Section::Agents) || args.runs(Section::Search);
    let (sqlite, pg, customers) = if banks {
        let (sqlite, pg) = open_banks(&args, &keys).await?;
        let customers = sqlite.counts().await?.0;
        (Some(sqlite), Some(pg), customers)
    } else {
        (None, None, 0)
    };

    // 1. Lookup among a million cards.
    if let (Some(sqlite), Some(pg), true) = (&sqlite, &pg, args.runs(Section::Lookup)) {
        println!(
            "\ncard lookup for one customer, {} cards stored, {} lookups each (µs):",
            args.cards, args.lookups
        );
        println!(
            "  {:<10} {:>10} {:>10} {:>10} {:>10} {:>8} {:>8}",
            "database", "store p50", "store p99", "sqlx p50", "sqlx p99", "p50 ×", "p99 ×"
        );
        lookup::lookup_row("sqlite", sqlite, customers, args.lookups, |id| {
            let pool = sqlite.pool().clone();
            async move { lookup::raw_lookup_sqlite(&pool, id).await }
        })
        .await?;
        lookup::lookup_row("postgres", pg, customers, args.lookups, |id| {
            let pool = pg.pool().clone();
            async move { lookup::raw_lookup_pg(&pool, id).await }
        })
        .await?;
    }

    // 2. Verification throughput.
    if args.runs(Section::Verify) {
        verify::verification(&args, &keys).await?;
    }

    // 3. Remote-unfreeze flows over HTTP.
    if args.runs(Section::Flows) {
        http::flows(&args, &keys).await?;
    }

    // 6. Virtual cards on the two-card route.
    if args.runs(Section::Cards) {
        cards::cards(&args, &keys).await?;
    }

    // 5. Search as the agent types, on both million-card banks.
    if let (Some(sqlite), Some(pg), true) = (&sqlite, &pg, args.runs(Section::Search)) {
        let banks = [
            search::Bank::Sqlite(sqlite.clone()),
            search::Bank::Postgres(pg.clone()),
        ];
        search::search(&args, &keys, &banks, customers).await?;
    }

    // 4. Lookup at 100 agents at once over HTTP, on the million cards.
    if let (Some(pg), true) = (pg, args.runs(Section::Agents)) {
        http::lookups(&args, &keys, pg, customers).await?;
    }
    Ok(())
}

/// The million-card banks (seeded on first use), SQLite and PostgreSQL.
async fn open_banks(args: &Args, keys: &Keyring) -> anyhow::Result<(SqliteStore, PgStore)> {
    let sqlite = SqliteStore::open(
        &format!(
            "sqlite:{}",
            args.dir.join(format!("lookup-{}.db", args.cards)).display()
        ),
        keys.audit_key(),
    )
    .await?;
    ensure_bank(&sqlite, keys, args.cards).await?;
    let pg_url = database(
        &args.database_url,
        &format!("carddesk_bench_{}", args.cards),
    )
    .await?;
    let pg = PgStore::connect(&pg_url, keys.audit_key()).await?;
    ensure_bank(&pg, keys, args.cards).await?;
    ensure_statistics(pg.pool()).await?;
    Ok((sqlite, pg))
}

/// Gathers PostgreSQL's statistics on the bank if it has none. A server
/// with autovacuum on (the default) gathers them itself soon after the
/// bulk load; this machine's cluster runs with it off. Without them the
/// planner guesses a last-four digits match finds 1,100 customers, and
/// walks the name index in name order filtering each one until a page is
/// full: seconds per search instead of milliseconds (docs/benchmarks.md).
async fn ensure_statistics(pool: &sqlx::PgPool) -> anyhow::Result<()> {
    let known: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stats WHERE tablename = 'customers' AND attname = 'phone_last_four'",
    )
    .fetch_one(pool)
    .await?;
    if known == 0 {
        eprintln!("gathering PostgreSQL's statistics on the bank (ANALYZE; once)…");
        sqlx::query("ANALYZE").execute(pool).await?;
    }
    Ok(())
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{cpu}, {} cores, {}", cores(), std::env::consts::OS)
}

/// Creates (if needed) a database `name` on the server and returns its URL.
async fn database(server_url: &str, name: &str) -> anyhow::Result<String> {
    let pool = sqlx::PgPool::connect(server_url).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&pool)
            .await?;
    if !exists {
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await?;
    }
    let base = server_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(server_url);
    Ok(format!("{base}/{name}"))
}

async fn drop_all(url: &str) -> anyhow::Result<()> {
    let pool = sqlx::PgPool::connect(url).await?;
    sqlx::query("DROP SCHEMA public CASCADE")
        .execute(&pool)
        .await?;
    sqlx::query("CREATE SCHEMA public").execute(&pool).await?;
    Ok(())
}

/// Seeds the large bank unless this store already holds exactly it.
async fn ensure_bank(store: &dyn Store, keys: &Keyring, cards: u64) -> anyhow::Result<()> {
    let (_, stored) = store.counts().await?;
    if stored == cards as i64 {
        return Ok(());
    }
    anyhow::ensure!(
        stored == 0,
        "the {} bench database holds {stored} cards, not {cards}; delete it",
        store.kind()
    );
    eprintln!(
        "seeding {cards} cards into {} (once; later runs reuse it)…",
        store.kind()
    );
    let report = carddesk_seed::seed_large(store, keys, cards, chrono::Utc::now(), |done| {
        eprint!("\r  {done} cards")
    })
    .await?;
    eprintln!(
        "\r  {} cards in {:.0} s",
        report.cards,
        report.elapsed.as_secs_f64()
    );
    Ok(())
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn percentiles(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    (at(0.50), at(0.99))
}
