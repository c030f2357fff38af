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
//! `--only` runs some of them (`--only search`, `--only lookup,verify`).

mod http;
mod search;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{CardStatus, CustomerId, FreezeReason, Role, StaffMember, id_number, luhn};
use carddesk_processor::{
    Channels, CredentialUpload, Keyring, Processor, ProcessorConfig, SystemClock, enrol, passwords,
};
use carddesk_store::{PgStore, SqliteStore, Store};
use clap::Parser;
use rand::{Rng, SeedableRng};
use secrecy::SecretString;

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
        lookup_row("sqlite", sqlite, customers, args.lookups, |id| {
            let pool = sqlite.pool().clone();
            async move { raw_lookup_sqlite(&pool, id).await }
        })
        .await?;
        lookup_row("postgres", pg, customers, args.lookups, |id| {
            let pool = pg.pool().clone();
            async move { raw_lookup_pg(&pool, id).await }
        })
        .await?;
    }

    // 2. Verification throughput.
    if args.runs(Section::Verify) {
        verification(&args, &keys).await?;
    }

    // 3. Remote-unfreeze flows over HTTP.
    if args.runs(Section::Flows) {
        http::flows(&args, &keys).await?;
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
    Ok((sqlite, pg))
}

/// Section 2 on a fresh database of each kind.
async fn verification(args: &Args, keys: &Arc<Keyring>) -> anyhow::Result<()> {
    println!(
        "\ncredential verification, {} verifications, {} cores, {} customers at once:",
        args.verifications,
        cores(),
        args.customers_at_once
    );
    println!(
        "  {:<10} {:>14} {:>18} {:>9}",
        "database", "raw Argon2id/s", "processor/s", "overhead"
    );
    let sqlite_path = args.dir.join("verify.db");
    for f in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{f}", sqlite_path.display()));
    }
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(
            &format!("sqlite:{}", sqlite_path.display()),
            keys.audit_key(),
        )
        .await?,
    );
    verification_row("sqlite", store, keys, args).await?;
    let pg_url = database(&args.database_url, "carddesk_bench_verify").await?;
    drop_all(&pg_url).await?;
    let store: Arc<dyn Store> = Arc::new(PgStore::connect(&pg_url, keys.audit_key()).await?);
    verification_row("postgres", store, keys, args).await
}

/// One database's verification figures. The baseline is measured right
/// before the processor, after the cases are set up, so both see the same
/// state of the machine.
async fn verification_row(
    name: &str,
    store: Arc<dyn Store>,
    keys: &Arc<Keyring>,
    args: &Args,
) -> anyhow::Result<()> {
    let (raw, rate) = processor_rate(
        store,
        keys.clone(),
        args.verifications,
        args.customers_at_once,
    )
    .await?;
    println!(
        "  {:<10} {:>14.1} {:>18.1} {:>8.1}%",
        name,
        raw,
        rate,
        overhead(rate, raw)
    );
    Ok(())
}

fn overhead(rate: f64, raw: f64) -> f64 {
    (1.0 - rate / raw) * 100.0
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

async fn lookup_row<F, Fut>(
    name: &str,
    store: &dyn Store,
    customers: i64,
    n: usize,
    raw: F,
) -> anyhow::Result<()>
where
    F: Fn(i64) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let (mut ours, mut direct) = (Vec::with_capacity(n), Vec::with_capacity(n));
    // Warm the caches of both paths alike, then alternate them so drift in
    // the machine's load falls on both.
    for _ in 0..200 {
        let id = rng.gen_range(1..=customers);
        store.cards_of_customer(CustomerId(id)).await?;
        raw(id).await?;
    }
    for i in 0..n {
        let id = rng.gen_range(1..=customers);
        // The second query of a customer finds its pages hot: take turns at
        // going first, so neither path gets that advantage.
        let (a, b) = if i % 2 == 0 {
            let a = timed(&mut ours, store.cards_of_customer(CustomerId(id)))
                .await?
                .len();
            (a, timed(&mut direct, raw(id)).await?)
        } else {
            let b = timed(&mut direct, raw(id)).await?;
            (
                timed(&mut ours, store.cards_of_customer(CustomerId(id)))
                    .await?
                    .len(),
                b,
            )
        };
        anyhow::ensure!(a == b && a > 0, "both paths must find the same cards");
    }
    let (o50, o99) = percentiles(&mut ours);
    let (d50, d99) = percentiles(&mut direct);
    println!(
        "  {:<10} {:>10.0} {:>10.0} {:>10.0} {:>10.0} {:>8.2} {:>8.2}",
        name,
        us(o50),
        us(o99),
        us(d50),
        us(d99),
        us(o50) / us(d50),
        us(o99) / us(d99)
    );
    Ok(())
}

async fn timed<T, E>(
    samples: &mut Vec<Duration>,
    work: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let started = Instant::now();
    let result = work.await;
    samples.push(started.elapsed());
    result
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn percentiles(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    (at(0.50), at(0.99))
}

// The baseline: the same query, decoded into plain tuples, with no mapping
// into domain types.
type RawCard = (
    i64,
    i64,
    String,
    String,
    i32,
    String,
    String,
    Option<String>,
    Option<i64>,
);
const RAW_QUERY: &str = "SELECT id, customer_id, bin, last_four, pan_length, product, status, freeze_reason, frozen_since FROM cards WHERE customer_id = $1 ORDER BY id";

async fn raw_lookup_sqlite(pool: &sqlx::SqlitePool, id: i64) -> anyhow::Result<usize> {
    Ok(sqlx::query_as::<_, RawCard>(RAW_QUERY)
        .bind(id)
        .fetch_all(pool)
        .await?
        .len())
}

async fn raw_lookup_pg(pool: &sqlx::PgPool, id: i64) -> anyhow::Result<usize> {
    Ok(sqlx::query_as::<_, RawCard>(RAW_QUERY)
        .bind(id)
        .fetch_all(pool)
        .await?
        .len())
}

/// A customer of the verification benchmarks: one frozen card, a resident
/// ID, a phone; `i` makes them unique.
struct BenchPerson {
    /// The ID number in clear, as the customer types it.
    id_number: String,
    document: IdDocument,
    number: CardNumber,
    phone: PhoneNumber,
}

impl BenchPerson {
    fn new(i: u64) -> anyhow::Result<Self> {
        let first17 = format!("110105199001{:02}{:03}", 1 + i / 1000 % 28, i % 1000);
        let id_number = format!(
            "{first17}{}",
            id_number::check_character(&first17).unwrap_or('0')
        );
        let document = IdDocument::resident_id(&id_number)?;
        let payload = format!("623058{:09}", 900_000_000 + i);
        let number = CardNumber::parse(&format!(
            "{payload}{}",
            luhn::check_digit(&payload).unwrap_or(0)
        ))?;
        let phone = PhoneNumber::parse(&format!("+86137{:08}", i))?;
        Ok(Self {
            id_number,
            document,
            number,
            phone,
        })
    }

    /// Stores the customer and their card, frozen after too many wrong
    /// PINs (remote unfreeze with ID and transaction password, no
    /// approval), with the transaction password hash `hash`.
    async fn enrol(
        &self,
        tx: &mut dyn carddesk_store::Tx,
        keys: &Keyring,
        hash: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<carddesk_domain::CardId> {
        let customer = tx
            .insert_customer(&enrol::customer_record(
                keys,
                "Bench",
                &self.document,
                &self.phone,
                "en",
            ))
            .await?;
        let status = CardStatus::Frozen {
            reason: FreezeReason::WrongPinLimit,
            since: now,
        };
        Ok(tx
            .insert_card(&enrol::card_record(
                keys,
                customer,
                &self.number,
                hash.to_owned(),
                "Bench",
                status,
            ))
            .await?)
    }
}

/// Raw Argon2id verifications per second on every core.
fn raw_argon2_rate(n: usize) -> f64 {
    let password = SecretString::from("482915".to_owned());
    let hash = passwords::hash(&password);
    let threads = cores();
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let (hash, password) = (&hash, &password);
            s.spawn(move || {
                for _ in (t..n).step_by(threads) {
                    assert!(passwords::verify(hash, password));
                }
            });
        }
    });
    n as f64 / started.elapsed().as_secs_f64()
}

/// Raw Argon2id verifications per second, then completed verify-and-unfreeze
/// steps per second through the processor,
/// with `workers` customers at once, each on their own challenged case. The
/// processor itself runs no more Argon2id checks at once than there are
/// cores, as the baseline does; the other customers' database work fills
/// the gaps.
async fn processor_rate(
    store: Arc<dyn Store>,
    keys: Arc<Keyring>,
    n: usize,
    workers: usize,
) -> anyhow::Result<(f64, f64)> {
    let processor = Processor::new(
        store.clone(),
        keys.clone(),
        ProcessorConfig::default(),
        Arc::new(SystemClock),
    )
    .await?;
    let agent = StaffMember {
        username: "bench.agent".into(),
        role: Role::Agent,
    };
    let password = SecretString::from("482915".to_owned());
    let hash = passwords::hash(&password);
    let now = chrono::Utc::now();
    let mut sessions = Vec::with_capacity(n);
    for i in 0..n as u64 {
        let person = BenchPerson::new(i)?;
        let mut tx = store.begin().await?;
        let card = person.enrol(tx.as_mut(), &keys, &hash, now).await?;
        tx.commit().await?;
        let document = person.document;
        let case = processor.mark(&agent, card, "bench").await?;
        processor.package(&agent, case.id, "bench").await?;
        processor
            .instruct(
                &agent,
                case.id,
                Channels {
                    text: true,
                    voice: false,
                },
                "bench",
            )
            .await?;
        let outbox = processor.local_outbox(u32::MAX).await?;
        let body = outbox
            .iter()
            .rev()
            .find(|m| m.case_id == case.id)
            .context("instruction")?
            .body
            .clone();
        let code = body
            .split_whitespace()
            .find(|w| w.len() == 11 && w.as_bytes()[5] == b'-')
            .context("code")?
            .to_owned();
        let session = processor.request_unfreeze(&code, "bench").await?;
        processor.challenge(&session.token, "bench").await?;
        sessions.push((session.token, document));
    }
    let raw = raw_argon2_rate(n);
    let queue = Arc::new(std::sync::Mutex::new(sessions));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (processor, queue, password) = (processor.clone(), queue.clone(), password.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                let Some((token, document)) = next else {
                    return anyhow::Ok(());
                };
                let upload = CredentialUpload {
                    id_document: Some(document),
                    transaction_password: Some(password.clone()),
                };
                processor.verify(&token, upload, "bench").await?;
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok((raw, n as f64 / started.elapsed().as_secs_f64()))
}
