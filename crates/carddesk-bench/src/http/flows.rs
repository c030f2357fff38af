//! Completed remote-unfreeze flows per second over HTTP and in process,
//! each against raw Argon2id on the same cores.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use carddesk_domain::customer::IdDocument;
use carddesk_domain::{CardId, Role, StaffMember};
use carddesk_processor::{
    Channels, CredentialUpload, Keyring, Processor, Purpose, VerifyOutcome, passwords,
};
use carddesk_store::{ChainReport, PgStore, Store};
use secrecy::SecretString;
use serde_json::json;
use tokio::task::JoinSet;

use crate::verify::{BASELINE_ROUNDS, BenchPerson, raw_argon2_rate};
use crate::{Args, cores, database, drop_all, percentiles, us};

use super::{Server, TRANSACTION_PASSWORD, call, client, sign_out, signed_in_agents};

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

/// The steps of one flow, in order, as the table names them: the agent's
/// "send unfreeze" (mark, package and instruct in one transaction, as the
/// console asks with the customer on the line), then the customer's.
const STEPS: [&str; 5] = ["send", "read code", "open code", "challenge", "verify"];

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
                &format!("{base}/api/agent/cards/{card}/remote-unfreeze"),
                Some(token),
                Some(&json!({ "text": true, "voice": false })),
            )
            .await?;
            let case = case["id"].as_i64().context("a case id")?;
            lap(0);
            let code = code_of(&desk.pool, &desk.keys, case).await?;
            lap(1);
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
            lap(2);
            call(
                client,
                Method::POST,
                &format!("{base}/api/customer/challenge"),
                Some(&session),
                None,
            )
            .await?;
            lap(3);
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
            lap(4);
        }
        Via::InProcess => {
            let p = &desk.processor;
            let channels = Channels {
                text: true,
                voice: false,
            };
            let case = p
                .mark_package_send(staff, CardId(card), channels, "127.0.0.1")
                .await?
                .id;
            lap(0);
            let code = code_of(&desk.pool, &desk.keys, case.0).await?;
            lap(1);
            let session = p.request_unfreeze(&code, "127.0.0.1").await?.token;
            lap(2);
            p.challenge(&session, "127.0.0.1").await?;
            lap(3);
            let upload = CredentialUpload {
                id_document: Some(IdDocument::resident_id(id_number)?),
                transaction_password: Some(SecretString::from(TRANSACTION_PASSWORD.to_owned())),
            };
            let outcome = p.verify(&session, upload, "127.0.0.1").await?;
            anyhow::ensure!(
                outcome == VerifyOutcome::Unfrozen,
                "the flow ends unfrozen, not {outcome:?}"
            );
            lap(4);
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
    // Rounds, each a baseline right before a share of a path's flows, the
    // paths taking turns at going first.
    let chunk = n.div_ceil(BASELINE_ROUNDS).max(1);
    let paths = [(Via::Http, over_http), (Via::InProcess, in_process)];
    // Per path: baseline verifications and seconds, flows, flow seconds.
    let mut tally: Vec<(f64, f64, FlowTimes, f64)> = vec![(0.0, 0.0, Vec::new(), 0.0); 2];
    for round in 0..BASELINE_ROUNDS {
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
