//! Search as the agent types (`--only search`): one search's latency over
//! the million-card bank, on SQLite and on PostgreSQL, for each kind of
//! query an agent types ([`queries::Kind`]), by four paths:
//!
//! - `sqlx`: the statements the store runs, written out by hand and run
//!   straight through sqlx ([`baseline`]), the baseline;
//! - `processor`: `Processor::search` in the process (parse, keyed hashes,
//!   the store's search, ranking, the page's cards and open cases);
//! - `desk`: `LocalDesk::search` in the process, what the offline console
//!   calls (the session check, the search, the wire types, each customer's
//!   language, and the read's audit entry in a transaction of its own);
//! - `HTTP`: `HttpDesk::search`, the connected console's client, against a
//!   `carddesk-server` on 127.0.0.1 over the same database (the server
//!   runs the desk call, and keeps the answer sealed under its
//!   idempotency key).
//!
//! One search after another, every path finding the same customers; the
//! four paths take turns at going first (the first to ask for a customer
//! finds their pages cold), and the kinds take turns too, so drift in the
//! machine's speed falls on all of them. A page is 20, as the console asks.

mod baseline;
mod queries;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use carddesk_client::{ClientConfig, HttpDesk};
use carddesk_domain::{Actor, Role, StaffMember};
use carddesk_processor::Keyring;
use carddesk_processor::desk::LocalDesk;
use carddesk_wire::{Desk, SearchRequest, SearchResults, SignInRequest, Token};
use rand::SeedableRng;
use secrecy::SecretString;

pub(crate) use baseline::Bank;
use baseline::Found;
use queries::Kind;

use crate::{Args, percentiles, us};

/// The console's page (`SEARCH_LIMIT` in the UI).
const PAGE: u32 = 20;
/// The bench's searching agent and its password.
const AGENT: &str = "bench.search";
const PASSWORD: &str = "bench-search-password";

/// The ways a search is run, in the tables' order.
#[derive(Debug, Clone, Copy)]
enum Path {
    Sqlx,
    Processor,
    Desk,
    Http,
}

const PATHS: [Path; 4] = [Path::Sqlx, Path::Processor, Path::Desk, Path::Http];

/// What the paths need.
struct Runner<'a> {
    bank: &'a Bank,
    keys: &'a Keyring,
    local: LocalDesk,
    http: HttpDesk,
    token: Token,
}

impl Runner<'_> {
    /// One search of `query` by `path`, what it found.
    async fn run(&self, path: Path, query: &str) -> anyhow::Result<Found> {
        let request = SearchRequest {
            query: query.to_owned(),
            limit: Some(PAGE),
        };
        match path {
            Path::Sqlx => {
                let terms = queries::terms(self.keys, query);
                self.bank.raw_search(&terms, PAGE).await
            }
            Path::Processor => {
                let found = self.local.processor().search(query, PAGE).await?;
                Ok(Found {
                    customers: found.hits.iter().map(|h| h.customer.id.0).collect(),
                    cards: found.hits.iter().map(|h| h.cards.len()).sum(),
                })
            }
            Path::Desk => desk_found(self.local.search(&self.token, &request).await),
            Path::Http => desk_found(self.http.search(&self.token, &request).await),
        }
    }
}

fn desk_found(answer: carddesk_wire::DeskResult<SearchResults>) -> anyhow::Result<Found> {
    let results =
        answer.map_err(|e| anyhow::anyhow!("search refused: {:?}: {}", e.code, e.message))?;
    Ok(Found {
        customers: results.hits.iter().map(|h| h.customer.id).collect(),
        cards: results.hits.iter().map(|h| h.customer.cards.len()).sum(),
    })
}

/// The search benchmark on each bank.
pub(crate) async fn search(
    args: &Args,
    keys: &Arc<Keyring>,
    banks: &[Bank],
    customers: i64,
) -> anyhow::Result<()> {
    let n = args.searches.max(1);
    println!(
        "\nsearch as the agent types, {} cards, {} customers, {n} searches per kind and path, \
         a page of {PAGE} (µs; × = ratio to sqlx):",
        args.cards, customers
    );
    for bank in banks {
        one_bank(args, keys, bank, customers as u64).await?;
    }
    Ok(())
}

async fn one_bank(
    args: &Args,
    keys: &Arc<Keyring>,
    bank: &Bank,
    customers: u64,
) -> anyhow::Result<()> {
    let server = crate::http::Server::start(bank.store(), keys.clone()).await?;
    let processor = server.processor.clone();
    if processor.store().staff_user(AGENT).await?.is_none() {
        let member = StaffMember {
            username: AGENT.to_owned(),
            role: Role::Agent,
        };
        let password = SecretString::from(PASSWORD.to_owned());
        processor
            .add_staff(&Actor::System, member, "Bench search", &password, "bench")
            .await?;
    }
    let url = server.base.parse().context("the server's URL")?;
    let http = HttpDesk::new(ClientConfig::new(url))
        .map_err(|e| anyhow::anyhow!("client: {}", e.message))?;
    let signed_in = http
        .sign_in(&SignInRequest {
            username: AGENT.to_owned(),
            password: SecretString::from(PASSWORD.to_owned()),
        })
        .await
        .map_err(|e| anyhow::anyhow!("sign-in: {}", e.message))?;
    let runner = Runner {
        bank,
        keys,
        local: LocalDesk::new(processor),
        http,
        token: signed_in.token,
    };
    let cards = args.cards;
    let measured = measure(&runner, args.searches.max(1), customers, cards).await;
    let _ = runner.http.sign_out(&runner.token).await;
    server.stop().await?;
    let samples = measured?;

    println!("  {}:", bank.name());
    println!(
        "  {:<13} {:>5} {:>12} | {:>12} {:>11} | {:>12} {:>11} | {:>12} {:>11}",
        "query", "hits", "sqlx", "processor", "×", "desk", "×", "HTTP", "×"
    );
    let mut all: Vec<Vec<Duration>> = vec![Vec::new(); PATHS.len()];
    for (kind, (times, hits)) in Kind::ALL.iter().zip(samples) {
        for (p, t) in times.iter().enumerate() {
            all[p].extend(t);
        }
        print_row(kind.name(), Some(hits), times);
    }
    print_row("all kinds", None, all);
    plans(args, keys, bank, customers, cards).await
}

/// Per kind: each path's search times, and the mean customers found.
type Samples = Vec<(Vec<Vec<Duration>>, f64)>;

async fn measure(
    runner: &Runner<'_>,
    n: usize,
    customers: u64,
    cards: u64,
) -> anyhow::Result<Samples> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut samples: Samples =
        vec![(vec![Vec::with_capacity(n); PATHS.len()], 0.0); Kind::ALL.len()];
    // Warm every path (connections, statement caches, the pages of the
    // indexes' upper levels), then measure.
    for round in 0..10 + n {
        for (k, kind) in Kind::ALL.iter().enumerate() {
            let query = kind.sample(&mut rng, customers, cards);
            let mut found: Vec<Found> = Vec::with_capacity(PATHS.len());
            let mut times = [Duration::ZERO; PATHS.len()];
            for turn in 0..PATHS.len() {
                let p = (round + k + turn) % PATHS.len();
                let started = Instant::now();
                let result = runner
                    .run(PATHS[p], &query)
                    .await
                    .with_context(|| format!("{} by {:?}", kind.name(), PATHS[p]))?;
                times[p] = started.elapsed();
                found.push(result);
            }
            anyhow::ensure!(
                found.windows(2).all(|w| w[0] == w[1]),
                "every path finds the same customers for a {} query",
                kind.name()
            );
            if round >= 10 {
                let (per_path, hits) = &mut samples[k];
                for (p, t) in times.into_iter().enumerate() {
                    per_path[p].push(t);
                }
                *hits += found[0].customers.len() as f64 / n as f64;
            }
        }
    }
    Ok(samples)
}

fn print_row(name: &str, hits: Option<f64>, mut times: Vec<Vec<Duration>>) {
    let p: Vec<(f64, f64)> = times
        .iter_mut()
        .map(|t| {
            let (a, b) = percentiles(t);
            (us(a), us(b))
        })
        .collect();
    let (b50, b99) = p[0];
    let hits = hits.map_or_else(String::new, |h| format!("{h:.1}"));
    print!("  {name:<13} {hits:>5} {b50:>5.0} {b99:>6.0}");
    for &(p50, p99) in &p[1..] {
        print!(
            " | {p50:>5.0} {p99:>6.0} {:>5.2} {:>5.2}",
            p50 / b50,
            p99 / b99
        );
    }
    println!();
}

/// The database's plan for one query of each kind; any that reads far
/// more than it finds is shown (every plan with `--plans`).
async fn plans(
    args: &Args,
    keys: &Keyring,
    bank: &Bank,
    customers: u64,
    cards: u64,
) -> anyhow::Result<()> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let mut scans = 0;
    for kind in Kind::ALL {
        let query = kind.sample(&mut rng, customers, cards);
        let plan = bank.plan(&queries::terms(keys, &query), PAGE + 1).await?;
        let scan = plan
            .iter()
            .any(|l| baseline::reads_too_much(l, kind.is_name()));
        if scan || args.plans {
            scans += usize::from(scan);
            println!(
                "  plan for {}{}:",
                kind.name(),
                if scan {
                    " (reads far more than it finds)"
                } else {
                    ""
                }
            );
            for line in plan {
                println!("    {line}");
            }
        }
    }
    if scans == 0 {
        println!("  every kind's search statement is index lookups (EXPLAIN; --plans shows them)");
    }
    Ok(())
}
