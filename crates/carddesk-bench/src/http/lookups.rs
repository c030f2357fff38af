//! Card lookup at many agents at once on the million-card bank, over HTTP,
//! in process and through sqlx: each path adds one layer to the one
//! before, so the table says where a view's cost goes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use carddesk_domain::CustomerId;
use carddesk_processor::Keyring;
use carddesk_processor::desk::LocalDesk;
use carddesk_store::{PgStore, Store};
use carddesk_wire::Desk as _;
use rand::{Rng, SeedableRng};
use secrecy::SecretString;
use tokio::task::JoinSet;

use crate::lookup::{RAW_QUERY, RawCard};
use crate::{Args, percentiles, us};

use super::{Server, call, client, sign_out, signed_in_agents};

/// The ways to look a customer's cards up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// `RAW_QUERY` through sqlx, decoded into tuples: the customer's
    /// cards, one statement.
    Sqlx,
    /// The store's `customer_overview`: what the customer view reads (the
    /// customer, the cards with their virtual-card facts, the open cases),
    /// one statement, into domain types.
    Store,
    /// The desk's customer view in this process, as the offline console
    /// calls it: the session checked, the reads, the read's audit entry
    /// committed, the wire's types.
    Desk,
    /// The same view as `GET /api/agent/customers/{id}` over HTTP: the
    /// desk's call in the server, HTTP and JSON at both ends.
    Http,
}

const PATHS: [Path; 4] = [Path::Sqlx, Path::Store, Path::Desk, Path::Http];

impl Path {
    fn name(self) -> &'static str {
        match self {
            Path::Sqlx => "sqlx",
            Path::Store => "store",
            Path::Desk => "desk",
            Path::Http => "HTTP",
        }
    }
}

/// What the agents share.
struct Desk {
    pool: sqlx::PgPool,
    store: Arc<dyn Store>,
    local: LocalDesk,
    client: reqwest::Client,
    /// `…/api/agent/customers`, the customer's id to follow.
    customers_url: String,
    tokens: Vec<String>,
    customers: i64,
}

/// One lookup of customer `id` by `path`; how many cards it found.
async fn look_up(desk: &Desk, path: Path, agent: usize, id: i64) -> anyhow::Result<usize> {
    match path {
        Path::Sqlx => Ok(sqlx::query_as::<_, RawCard>(RAW_QUERY)
            .bind(id)
            .fetch_all(&desk.pool)
            .await?
            .len()),
        Path::Store => Ok(desk
            .store
            .customer_overview(CustomerId(id), 50)
            .await?
            .map_or(0, |found| found.cards.len())),
        Path::Desk => {
            let token = SecretString::from(desk.tokens[agent % desk.tokens.len()].clone());
            Ok(desk.local.customer(&token, id).await?.customer.cards.len())
        }
        Path::Http => {
            let found = call(
                &desk.client,
                reqwest::Method::GET,
                &format!("{}/{id}", desk.customers_url),
                Some(&desk.tokens[agent % desk.tokens.len()]),
                None,
            )
            .await?;
            Ok(found["customer"]["cards"].as_array().map_or(0, Vec::len))
        }
    }
}

/// Rounds of `agents` agents at once doing `each` lookups by every path,
/// as many rounds as paths, each path going first once so drift in the
/// machine's speed falls on all of them; per path, every lookup's time and
/// the wall time, and whether a phase hit `limit`.
async fn rounds(
    desk: &Arc<Desk>,
    agents: usize,
    each: usize,
    seed: u64,
    limit: Duration,
) -> anyhow::Result<(Vec<(Vec<Duration>, Duration)>, bool)> {
    let mut samples = vec![(Vec::new(), Duration::ZERO); PATHS.len()];
    let mut cut_short = false;
    for round in 0..PATHS.len() {
        for k in 0..PATHS.len() {
            let p = (round + k) % PATHS.len();
            let seed = seed + (round * PATHS.len() + p) as u64;
            let deadline = Instant::now() + limit;
            let (times, wall) = phase(desk, PATHS[p], agents, each, seed, deadline).await?;
            cut_short |= times.len() < agents * each;
            samples[p].0.extend(times);
            samples[p].1 += wall;
        }
    }
    Ok((samples, cut_short))
}

/// One table row per path, with the ratios to the first (sqlx).
fn print_rows(samples: &mut [(Vec<Duration>, Duration)]) {
    let mut base = (0.0, 0.0);
    for (p, (times, wall)) in samples.iter_mut().enumerate() {
        let count = times.len();
        let (p50, p99) = percentiles(times);
        if p == 0 {
            base = (us(p50), us(p99));
        }
        println!(
            "  {:<10} {:>10.0} {:>10.0} {:>10.0} {:>8.2} {:>8.2}",
            PATHS[p].name(),
            count as f64 / wall.as_secs_f64(),
            us(p50),
            us(p99),
            us(p50) / base.0,
            us(p99) / base.1
        );
    }
}

/// `agents` agents at once, each looking up `each` random customers by
/// `path` one after the other; every lookup's time, and the wall time.
async fn phase(
    desk: &Arc<Desk>,
    path: Path,
    agents: usize,
    each: usize,
    seed: u64,
    deadline: Instant,
) -> anyhow::Result<(Vec<Duration>, Duration)> {
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for agent in 0..agents {
        let desk = desk.clone();
        tasks.spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed * 1_000 + agent as u64);
            let mut times = Vec::with_capacity(each);
            for _ in 0..each {
                if Instant::now() >= deadline {
                    break;
                }
                let id = rng.gen_range(1..=desk.customers);
                let begun = Instant::now();
                let cards = look_up(&desk, path, agent, id).await?;
                times.push(begun.elapsed());
                anyhow::ensure!(cards > 0, "customer {id} has cards ({})", path.name());
            }
            anyhow::Ok(times)
        });
    }
    let mut times = Vec::with_capacity(agents * each);
    while let Some(task) = tasks.join_next().await {
        times.extend(task??);
    }
    Ok((times, started.elapsed()))
}

/// Card lookup at `--agents-at-once` agents on the million-card PostgreSQL
/// bank: over HTTP (each agent signed in with a session of their own), in
/// process through the desk and the store, and through sqlx, all on the
/// one pool of the server's store, taking turns in rounds.
pub(crate) async fn lookups(
    args: &Args,
    keys: &Arc<Keyring>,
    pg: PgStore,
    customers: i64,
) -> anyhow::Result<()> {
    let agents = args.agents_at_once.max(1);
    let each = args.agent_lookups.div_ceil(PATHS.len()).max(1);
    println!(
        "\ncard lookup at {agents} agents at once, PostgreSQL, {} cards, {} lookups per path (µs):",
        args.cards,
        agents * each * PATHS.len()
    );
    let pool = pg.pool().clone();
    let store: Arc<dyn Store> = Arc::new(pg);
    let server = Server::start(store.clone(), keys.clone()).await?;
    let client = client()?;
    let tokens = signed_in_agents(&server, &client, "bench.agent.", agents).await?;
    let desk = Arc::new(Desk {
        pool,
        store,
        local: LocalDesk::new(server.processor.clone()),
        client: client.clone(),
        customers_url: format!("{}/api/agent/customers", server.base),
        tokens,
        customers,
    });

    // Warm every path (connections, caches) before measuring.
    for path in PATHS {
        let deadline = Instant::now() + Duration::from_secs(args.phase_seconds);
        phase(&desk, path, agents, 5, 99, deadline).await?;
    }
    let limit = Duration::from_secs(args.phase_seconds);
    let (mut samples, cut_short) = rounds(&desk, agents, each, 0, limit).await?;
    println!(
        "  {:<10} {:>10} {:>10} {:>10} {:>8} {:>8}",
        "path", "lookups/s", "p50", "p99", "p50 ×", "p99 ×"
    );
    print_rows(&mut samples);

    // For scale: one agent alone, so each lookup's own cost rather than
    // the queue in front of it.
    let alone = 200;
    println!(
        "  one agent alone, {} lookups per path:",
        alone * PATHS.len()
    );
    let (mut samples, cut) = rounds(&desk, 1, alone, 100, limit).await?;
    print_rows(&mut samples);
    if cut_short || cut {
        println!(
            "  (some phases stopped early at the {} s limit)",
            args.phase_seconds
        );
    }

    sign_out(&server, &client, &desk.tokens).await;
    drop(desk);
    drop(client);
    server.stop().await
}
