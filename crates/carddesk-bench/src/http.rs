//! The load generator over HTTP: a `carddesk-server` in this process on
//! 127.0.0.1:0 over PostgreSQL, driven by simulated agents and customers
//! through a reqwest client, only ever to that loopback address. Every loop
//! is bounded by a count and by `--phase-seconds`.
//!
//! 1. [`flows`]: completed remote-unfreeze flows per second (agent: mark,
//!    package, instructions; customer: open the code, challenge,
//!    verification) over HTTP, and the same flows through the processor in
//!    process, each against raw Argon2id verifications per second on the
//!    same cores measured right before, in alternating rounds;
//! 2. [`lookups`]: card lookup at 100 agents at once on the million-card
//!    bank, over HTTP and in process through the processor, against the
//!    same lookups straight through sqlx (the lookup section's `RAW_QUERY`)
//!    on the same pool at the same concurrency; and one agent alone, for
//!    scale.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use carddesk_domain::customer::IdDocument;
use carddesk_domain::{Actor, CardId, CustomerId, Role, StaffMember};
use carddesk_processor::{
    Channels, CredentialUpload, CustomerQuery, Keyring, Processor, ProcessorConfig, Purpose,
    SystemClock, VerifyOutcome, passwords,
};
use carddesk_server::AppState;
use carddesk_store::{ChainReport, PgStore, Store};
use rand::{Rng, SeedableRng};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::{
    Args, BenchPerson, RAW_QUERY, RawCard, cores, database, drop_all, percentiles, raw_argon2_rate,
    us,
};

/// The password every bench agent signs in with (staff passwords have at
/// least 12 characters).
const AGENT_PASSWORD: &str = "bench-agent-password";
/// Every bench customer's transaction password.
const TRANSACTION_PASSWORD: &str = "482915";

/// A `carddesk-server` serving on 127.0.0.1:0 in a task of this process.
pub(crate) struct Server {
    pub(crate) base: String,
    pub(crate) processor: Processor,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    pub(crate) async fn start(store: Arc<dyn Store>, keys: Arc<Keyring>) -> anyhow::Result<Self> {
        let processor = Processor::new(
            store,
            keys,
            ProcessorConfig::default(),
            Arc::new(SystemClock),
        )
        .await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(carddesk_server::serve(
            listener,
            AppState {
                processor: processor.clone(),
            },
            async move {
                let _ = stopped.await;
            },
        ));
        Ok(Self {
            base: format!("http://{addr}"),
            processor,
            stop,
            task,
        })
    }

    /// Stops the server, letting requests in flight finish (the client's
    /// idle connections are closed by the server's graceful shutdown).
    pub(crate) async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(15), self.task)
            .await
            .context("the server did not stop within 15 s")???;
        Ok(())
    }
}

/// The HTTP client: no proxy whatever the environment says, so requests go
/// straight to the loopback server, and a timeout on every request.
fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// Sends a request and returns the answer's JSON; anything but 200 is an
/// error naming the call and the server's `{code, message}`.
async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> anyhow::Result<Value> {
    let mut request = client.request(method.clone(), url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await?;
    let status = response.status();
    let bytes = response.bytes().await?;
    anyhow::ensure!(
        status == reqwest::StatusCode::OK,
        "{method} {} answered {status}: {}",
        url.split_once("/api/").map_or(url, |(_, path)| path),
        String::from_utf8_lossy(&bytes)
    );
    Ok(serde_json::from_slice(&bytes)?)
}

/// Makes the agents `{prefix}000`… that do not exist yet (their Argon2id
/// hashes in parallel), then signs each in over HTTP, returning their
/// session tokens.
async fn signed_in_agents(
    server: &Server,
    client: &reqwest::Client,
    prefix: &str,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let password = SecretString::from(AGENT_PASSWORD.to_owned());
    let mut adding = JoinSet::new();
    for i in 0..count {
        let username = format!("{prefix}{i:03}");
        if server
            .processor
            .store()
            .staff_user(&username)
            .await?
            .is_some()
        {
            continue;
        }
        let (processor, password) = (server.processor.clone(), password.clone());
        adding.spawn(async move {
            processor
                .add_staff(
                    &Actor::System,
                    StaffMember {
                        username,
                        role: Role::Agent,
                    },
                    "Bench agent",
                    &password,
                    "bench",
                )
                .await
        });
    }
    while let Some(added) = adding.join_next().await {
        added??;
    }
    let mut signing = JoinSet::new();
    for i in 0..count {
        let (client, url) = (client.clone(), format!("{}/api/agent/sign-in", server.base));
        let body = json!({ "username": format!("{prefix}{i:03}"), "password": AGENT_PASSWORD });
        signing.spawn(async move {
            let answer = call(&client, reqwest::Method::POST, &url, None, Some(&body)).await?;
            answer["token"]
                .as_str()
                .map(str::to_owned)
                .context("sign-in gives a token")
        });
    }
    let mut tokens = Vec::with_capacity(count);
    while let Some(token) = signing.join_next().await {
        tokens.push(token??);
    }
    Ok(tokens)
}

/// Signs every token out, so repeated runs leave no live sessions behind.
async fn sign_out(server: &Server, client: &reqwest::Client, tokens: &[String]) {
    let url = format!("{}/api/agent/sign-out", server.base);
    for token in tokens {
        // A failed sign-out leaves a session that expires by itself.
        let _ = call(client, reqwest::Method::POST, &url, Some(token), None).await;
    }
}

/// The simulated phone: the text message the case's instruction put in the
/// outbox (no delivery worker runs here), opened, and the code in it.
async fn code_of(pool: &sqlx::PgPool, keys: &Keyring, case: i64) -> anyhow::Result<String> {
    let sealed: Vec<u8> = sqlx::query_scalar(
        "SELECT body_sealed FROM outbox WHERE case_id = $1 AND channel = 'text' ORDER BY id DESC LIMIT 1",
    )
    .bind(case)
    .fetch_one(pool)
    .await?;
    let body = keys.open(Purpose::Instruction, &sealed)?;
    String::from_utf8_lossy(&body)
        .split_whitespace()
        .find(|w| w.len() == 11 && w.as_bytes()[5] == b'-')
        .map(str::to_owned)
        .context("the instruction carries a code")
}

/// The steps of one flow, in order, as the table names them.
const STEPS: [&str; 7] = [
    "mark",
    "package",
    "instruct",
    "read code",
    "open code",
    "challenge",
    "verify",
];

/// How a flow reaches the processor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    /// The agent and customer APIs over HTTP.
    Http,
    /// The processor's calls in this process (no HTTP, no staff session
    /// check): what the HTTP layer adds is the difference.
    InProcess,
}

/// What the flows share.
struct FlowDesk {
    client: reqwest::Client,
    base: String,
    processor: Processor,
    pool: sqlx::PgPool,
    keys: Arc<Keyring>,
    /// Agents' session tokens and usernames.
    agents: Vec<(String, StaffMember)>,
}

/// One customer's whole remote unfreeze; the time of each step.
async fn one_flow(
    desk: &FlowDesk,
    via: Via,
    agent: usize,
    card: i64,
    id_number: &str,
) -> anyhow::Result<[Duration; STEPS.len()]> {
    let mut times = [Duration::ZERO; STEPS.len()];
    let mut at = Instant::now();
    let mut lap = |step: usize| {
        let now = Instant::now();
        times[step] = now - at;
        at = now;
    };
    let (token, staff) = &desk.agents[agent % desk.agents.len()];
    match via {
        Via::Http => {
            use reqwest::Method;
            let (client, base) = (&desk.client, &desk.base);
            let case = call(
                client,
                Method::POST,
                &format!("{base}/api/agent/cards/{card}/cases"),
                Some(token),
                None,
            )
            .await?;
            let case = case["id"].as_i64().context("a case id")?;
            lap(0);
            call(
                client,
                Method::POST,
                &format!("{base}/api/agent/cases/{case}/package"),
                Some(token),
                None,
            )
            .await?;
            lap(1);
            call(
                client,
                Method::POST,
                &format!("{base}/api/agent/cases/{case}/instructions"),
                Some(token),
                Some(&json!({ "text": true, "voice": false })),
            )
            .await?;
            lap(2);
            let code = code_of(&desk.pool, &desk.keys, case).await?;
            lap(3);
            let opened = call(
                client,
                Method::POST,
                &format!("{base}/api/customer/unfreeze-requests"),
                None,
                Some(&json!({ "code": code })),
            )
            .await?;
            let session = opened["session_token"]
                .as_str()
                .context("a session token")?
                .to_owned();
            lap(4);
            call(
                client,
                Method::GET,
                &format!("{base}/api/customer/challenge"),
                Some(&session),
                None,
            )
            .await?;
            lap(5);
            let verified = call(
                client,
                Method::POST,
                &format!("{base}/api/customer/verification"),
                Some(&session),
                Some(&json!({ "id_number": id_number, "transaction_password": TRANSACTION_PASSWORD })),
            )
            .await?;
            anyhow::ensure!(
                verified["outcome"] == "unfrozen",
                "the flow ends unfrozen, not {}",
                verified["outcome"]
            );
            lap(6);
        }
        Via::InProcess => {
            let p = &desk.processor;
            let case = p.mark(staff, CardId(card), "127.0.0.1").await?.id;
            lap(0);
            p.package(staff, case, "127.0.0.1").await?;
            lap(1);
            let channels = Channels {
                text: true,
                voice: false,
            };
            p.instruct(staff, case, channels, "127.0.0.1").await?;
            lap(2);
            let code = code_of(&desk.pool, &desk.keys, case.0).await?;
            lap(3);
            let session = p.request_unfreeze(&code, "127.0.0.1").await?.token;
            lap(4);
            p.challenge(&session, "127.0.0.1").await?;
            lap(5);
            let upload = CredentialUpload {
                id_document: Some(IdDocument::resident_id(id_number)?),
                transaction_password: Some(SecretString::from(TRANSACTION_PASSWORD.to_owned())),
            };
            let outcome = p.verify(&session, upload, "127.0.0.1").await?;
            anyhow::ensure!(
                outcome == VerifyOutcome::Unfrozen,
                "the flow ends unfrozen, not {outcome:?}"
            );
            lap(6);
        }
    }
    Ok(times)
}

/// Runs `people`'s flows `at_once` at a time; each completed flow's total
/// time and step times, and the wall time.
async fn run_flows(
    desk: &Arc<FlowDesk>,
    via: Via,
    people: Arc<Vec<(i64, String)>>,
    at_once: usize,
    deadline: Instant,
) -> anyhow::Result<(FlowTimes, Duration)> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = JoinSet::new();
    for _ in 0..at_once.max(1) {
        let (desk, people, next) = (desk.clone(), people.clone(), next.clone());
        workers.spawn(async move {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= people.len() || Instant::now() >= deadline {
                    return anyhow::Ok(done);
                }
                let (card, id_number) = &people[i];
                let begun = Instant::now();
                let steps = one_flow(&desk, via, i, *card, id_number)
                    .await
                    .with_context(|| format!("flow {i} ({via:?})"))?;
                done.push((begun.elapsed(), steps));
            }
        });
    }
    let mut done = Vec::with_capacity(people.len());
    while let Some(worker) = workers.join_next().await {
        done.extend(worker??);
    }
    Ok((done, started.elapsed()))
}

/// Each completed flow: its total time and the time of each step.
type FlowTimes = Vec<(Duration, [Duration; STEPS.len()])>;

/// Completed remote-unfreeze flows per second over HTTP on a fresh
/// PostgreSQL database, against raw Argon2id on the same cores measured
/// right before; and the same flows in process, against their own
/// baseline, to show what HTTP adds.
pub(crate) async fn flows(args: &Args, keys: &Arc<Keyring>) -> anyhow::Result<()> {
    let n = args.flows;
    println!(
        "\nremote-unfreeze flows, PostgreSQL, {n} flows each, {} cores, {} flows in flight, {} agents:",
        cores(),
        args.flows_at_once,
        args.flow_agents
    );
    let url = database(&args.database_url, "carddesk_bench_http").await?;
    drop_all(&url).await?;
    let pg = PgStore::connect(&url, keys.audit_key()).await?;
    let pool = pg.pool().clone();
    let store: Arc<dyn Store> = Arc::new(pg);

    // The customers and their frozen cards, straight into the store in one
    // transaction, all with one transaction-password hash: the first n for
    // the flows over HTTP, the next n for those in process.
    let hash = passwords::hash(&SecretString::from(TRANSACTION_PASSWORD.to_owned()));
    let now = chrono::Utc::now();
    let mut people = Vec::with_capacity(2 * n);
    let mut tx = store.begin().await?;
    for i in 0..2 * n as u64 {
        let person = BenchPerson::new(i)?;
        let card = person.enrol(tx.as_mut(), keys, &hash, now).await?;
        people.push((card.0, person.id_number));
    }
    tx.commit().await?;
    let in_process = Arc::new(people.split_off(n));
    let over_http = Arc::new(people);

    let server = Server::start(store.clone(), keys.clone()).await?;
    let client = client()?;
    let count = args.flow_agents.max(1);
    let tokens = signed_in_agents(&server, &client, "bench.desk.", count).await?;
    let desk = Arc::new(FlowDesk {
        client: client.clone(),
        base: server.base.clone(),
        processor: server.processor.clone(),
        pool: pool.clone(),
        keys: keys.clone(),
        agents: tokens
            .into_iter()
            .enumerate()
            .map(|(i, token)| {
                let member = StaffMember {
                    username: format!("bench.desk.{i:03}"),
                    role: Role::Agent,
                };
                (token, member)
            })
            .collect(),
    });

    println!(
        "  {:<10} {:>14} {:>10} {:>8} {:>12} {:>12}",
        "path", "raw Argon2id/s", "flows/s", "ratio", "flow p50 ms", "flow p99 ms"
    );
    // Four rounds, each a baseline right before a quarter of a path's
    // flows, the paths taking turns at going first: the machine's speed
    // drifts (a virtual machine's neighbours), and the drift then falls on
    // flows and baseline alike.
    const ROUNDS: usize = 4;
    let chunk = n.div_ceil(ROUNDS).max(1);
    let paths = [(Via::Http, over_http), (Via::InProcess, in_process)];
    // Per path: baseline verifications and seconds, flows, flow seconds.
    let mut tally: Vec<(f64, f64, FlowTimes, f64)> = vec![(0.0, 0.0, Vec::new(), 0.0); 2];
    for round in 0..ROUNDS {
        for k in 0..2 {
            let p = (round + k) % 2;
            let (via, people) = &paths[p];
            let part: Vec<(i64, String)> = people
                .iter()
                .skip(round * chunk)
                .take(chunk)
                .cloned()
                .collect();
            if part.is_empty() {
                continue;
            }
            let count = part.len();
            let raw = raw_argon2_rate(count);
            let deadline = Instant::now() + Duration::from_secs(args.phase_seconds);
            let (done, elapsed) =
                run_flows(&desk, *via, Arc::new(part), args.flows_at_once, deadline).await?;
            let t = &mut tally[p];
            t.0 += count as f64;
            t.1 += count as f64 / raw;
            t.2.extend(done);
            t.3 += elapsed.as_secs_f64();
        }
    }
    let mut steps = Vec::new();
    let mut unfrozen = 0;
    for ((via, _), (raw_count, raw_secs, done, secs)) in paths.iter().zip(tally) {
        let raw = raw_count / raw_secs;
        let rate = done.len() as f64 / secs;
        unfrozen += done.len();
        let mut totals: Vec<Duration> = done.iter().map(|(total, _)| *total).collect();
        let (t50, t99) = percentiles(&mut totals);
        let name = match via {
            Via::Http => "HTTP",
            Via::InProcess => "in process",
        };
        println!(
            "  {:<10} {:>14.1} {:>10.1} {:>8.2} {:>12.1} {:>12.1}",
            name,
            raw,
            rate,
            rate / raw,
            us(t50) / 1e3,
            us(t99) / 1e3
        );
        if done.len() < n {
            println!(
                "  (stopped after {} s per round: {} of {n} flows done)",
                args.phase_seconds,
                done.len()
            );
        }
        steps.push((name, done));
    }

    // Every completed flow unfroze exactly its card, and the audit chain
    // held under the concurrent appends.
    let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cards WHERE status = 'active'")
        .fetch_one(&pool)
        .await?;
    anyhow::ensure!(
        active == unfrozen as i64,
        "{unfrozen} flows completed but {active} cards are active"
    );
    let chain = server.processor.verify_audit_chain().await?;
    anyhow::ensure!(
        matches!(chain, ChainReport::Intact { .. }),
        "audit chain: {chain:?}"
    );

    print!("  {:<10}", "step, ms");
    for (name, _) in &steps {
        print!(
            " {:>14} {:>14}",
            format!("{name} p50"),
            format!("{name} p99")
        );
    }
    println!();
    for (s, step) in STEPS.iter().enumerate() {
        print!("  {step:<10}");
        for (_, done) in &steps {
            let mut times: Vec<Duration> = done.iter().map(|(_, steps)| steps[s]).collect();
            let (p50, p99) = percentiles(&mut times);
            print!(" {:>14.2} {:>14.2}", us(p50) / 1e3, us(p99) / 1e3);
        }
        println!();
    }

    let tokens: Vec<String> = desk.agents.iter().map(|(t, _)| t.clone()).collect();
    sign_out(&server, &client, &tokens).await;
    drop(desk);
    drop(client);
    server.stop().await
}

/// The ways to look a customer's cards up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// `RAW_QUERY` through sqlx, decoded into tuples.
    Sqlx,
    /// The processor's `look_up` in this process (customer, then cards).
    Processor,
    /// `GET /api/agent/customers/{id}` over HTTP (the desk's customer
    /// view, which also reads the open cases and audits the read).
    Http,
}

const PATHS: [Path; 3] = [Path::Sqlx, Path::Processor, Path::Http];

impl Path {
    fn name(self) -> &'static str {
        match self {
            Path::Sqlx => "sqlx",
            Path::Processor => "processor",
            Path::Http => "HTTP",
        }
    }
}

/// What the agents share.
struct Desk {
    pool: sqlx::PgPool,
    processor: Processor,
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
        Path::Processor => {
            let found = desk
                .processor
                .look_up(&CustomerQuery::Id(CustomerId(id)))
                .await?;
            Ok(found.iter().map(|c| c.cards.len()).sum())
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

/// Three rounds of `agents` agents at once doing `each` lookups by every
/// path, each path going first once so drift in the machine's speed falls
/// on all of them; per path, every lookup's time and the wall time, and
/// whether a phase hit `limit`.
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
/// process through the processor, and through sqlx, all on the one pool
/// of the server's store, taking turns in three rounds.
pub(crate) async fn lookups(
    args: &Args,
    keys: &Arc<Keyring>,
    pg: PgStore,
    customers: i64,
) -> anyhow::Result<()> {
    let agents = args.agents_at_once.max(1);
    let each = args.agent_lookups.div_ceil(3).max(1);
    println!(
        "\ncard lookup at {agents} agents at once, PostgreSQL, {} cards, {} lookups per path (µs):",
        args.cards,
        agents * each * 3
    );
    let pool = pg.pool().clone();
    let server = Server::start(Arc::new(pg), keys.clone()).await?;
    let client = client()?;
    let tokens = signed_in_agents(&server, &client, "bench.agent.", agents).await?;
    let desk = Arc::new(Desk {
        pool,
        processor: server.processor.clone(),
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
    println!("  one agent alone, {} lookups per path:", alone * 3);
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
