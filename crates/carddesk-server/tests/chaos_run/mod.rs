//! The chaos run (issue 7, reliability): the real `carddesk-server` binary
//! under a load of agents and customers, killed with SIGKILL at random
//! moments and started again on the same database, over and over; after
//! each kill the database is checked (see [`invariants`]) while the server
//! is down, and at the end every flow must have unfrozen its card and
//! every instruction asked for must have reached the gateway.
//!
//! Bounded in count and time, loopback only. `cargo xtask chaos` runs it
//! at full size; the test suite runs a short one.

pub mod calls;
pub mod flows;
pub mod gateway;
pub mod invariants;
pub mod process;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use carddesk_domain::{Actor, FreezeReason, Role, StaffMember};
use carddesk_processor::{Processor, ProcessorConfig, SystemClock, passwords};
use rand::Rng;
use secrecy::SecretString;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::common::{self, RawDb};
use calls::{Caller, Retries};
use flows::{Customer, Load};

const AGENT_PASSWORD: &str = "chaos-agent-password";
const TRANSACTION_PASSWORD: &str = "482915";

/// The size of a run: from `CARDDESK_CHAOS_*`, else the suite's short run.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Times the server is killed.
    pub kills: usize,
    /// Customers, one flow each.
    pub customers: u32,
    /// Flows in flight at once.
    pub in_flight: usize,
    /// Agents signed in.
    pub agents: usize,
    /// The whole run's bound.
    pub max_seconds: u64,
}

impl Settings {
    pub fn from_env() -> Self {
        let get = |name: &str, default: u64| -> u64 {
            std::env::var(name)
                .ok()
                .map(|v| {
                    v.parse()
                        .unwrap_or_else(|_| panic!("{name}={v} is not a number"))
                })
                .unwrap_or(default)
        };
        Self {
            kills: usize::try_from(get("CARDDESK_CHAOS_KILLS", 3)).expect("kills"),
            customers: u32::try_from(get("CARDDESK_CHAOS_CUSTOMERS", 40)).expect("customers"),
            in_flight: usize::try_from(get("CARDDESK_CHAOS_IN_FLIGHT", 8)).expect("in flight"),
            agents: 4,
            max_seconds: get("CARDDESK_CHAOS_SECONDS", 300),
        }
    }
}

/// What a run saw.
#[derive(Debug, Default)]
pub struct Report {
    pub database: &'static str,
    pub kills: usize,
    pub flows: u32,
    pub unfrozen: u64,
    pub sent_again: u64,
    pub asked_again: u64,
    pub longest_wait_ms: u64,
    pub duplicate_deliveries: usize,
    /// Delivered, but recorded as not sent (see [`invariants::undelivered`]).
    pub unrecorded_deliveries: usize,
    pub seconds: f64,
    /// Every broken rule, after each kill and at the end.
    pub broken: Vec<String>,
    pub failed_flows: Vec<String>,
}

/// Runs the chaos over the database at `database_url` (`raw` is a pool on
/// it for the checks), in `dir` (key file, logs).
pub async fn run(
    database: &'static str,
    database_url: String,
    raw: RawDb,
    dir: &std::path::Path,
    settings: Settings,
) -> Report {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(settings.max_seconds);
    let key_file = dir.join("master.key");
    // The bank, opened as the server will open it (the key file made here).
    let (keys, store) = carddesk_processor::keyfile::open_store(&key_file, &database_url)
        .await
        .expect("open the chaos database");
    let hash = passwords::hash(&SecretString::from(TRANSACTION_PASSWORD.to_owned()));
    let frozen = [common::frozen(FreezeReason::WrongPinLimit)];
    let mut customers = Vec::new();
    for number in 0..settings.customers {
        let person = common::enrol(
            store.as_ref(),
            &keys,
            20_000 + number,
            &frozen,
            TRANSACTION_PASSWORD,
            &hash,
        )
        .await;
        customers.push(Customer {
            number,
            customer_id: person.id.0,
            card_id: person.card(0).0,
            phone: person.phone.clone(),
            credentials: person.right(),
        });
    }
    let processor = Processor::new(
        store.clone(),
        keys.clone(),
        ProcessorConfig::default(),
        Arc::new(SystemClock),
    )
    .await
    .expect("processor");
    let password = SecretString::from(AGENT_PASSWORD.to_owned());
    for i in 0..settings.agents {
        let member = StaffMember {
            username: format!("chaos.agent{i}"),
            role: Role::Agent,
        };
        processor
            .add_staff(&Actor::System, member, "Chaos agent", &password, "chaos")
            .await
            .expect("add an agent");
    }

    let (sms_gateway_url, received) = gateway::start().await;
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        probe.local_addr().expect("addr").port()
    };
    let launch = process::Launch {
        database_url,
        key_file,
        port,
        sms_gateway_url,
        log_file: dir.join("server.log"),
    };
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(40))
        .build()
        .expect("client");
    let mut server = launch.start(&client).await;
    let anonymous = Caller {
        client: client.clone(),
        base: launch.base(),
        token: None,
        forwarded_for: None,
    };
    let retries = Retries::default();
    let mut agents = Vec::new();
    for i in 0..settings.agents {
        let body = json!({ "username": format!("chaos.agent{i}"), "password": AGENT_PASSWORD });
        let answer = anonymous
            .call(
                reqwest::Method::POST,
                "/api/agent/sign-in",
                Some(&body),
                deadline,
                &retries,
            )
            .await;
        let token = answer.body["token"]
            .as_str()
            .expect("sign-in gives a token")
            .to_owned();
        agents.push(Caller {
            token: Some(token),
            ..anonymous.clone()
        });
    }
    let load = Arc::new(Load {
        agents,
        received: received.clone(),
        deadline,
        retries,
        unfrozen: Default::default(),
        sent_again: Default::default(),
        half_moved: Default::default(),
        finished: Default::default(),
    });

    let gate = Arc::new(Semaphore::new(settings.in_flight));
    let mut flows = JoinSet::new();
    for (i, customer) in customers.into_iter().enumerate() {
        let (load, gate) = (load.clone(), gate.clone());
        flows.spawn(async move {
            let _turn = gate.acquire_owned().await.expect("the gate stays open");
            let flow = load.flow(&customer, i).await;
            load.finished.fetch_add(1, Ordering::Relaxed);
            flow
        });
    }

    let mut report = Report {
        database,
        flows: settings.customers,
        ..Report::default()
    };
    for kill in 0..settings.kills {
        // Spread over the load: kill k once k/(kills+1) of the flows have
        // finished, then a random moment later, with flows in flight.
        let due = u64::from(settings.customers) * (kill as u64 + 1) / (settings.kills as u64 + 1);
        while load.finished.load(Ordering::Relaxed) < due && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let pause = rand::thread_rng().gen_range(0..200);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        process::kill_hard(&mut server).await;
        report.kills += 1;
        for broken in invariants::broken(&raw, store.as_ref()).await {
            report
                .broken
                .push(format!("after kill {}: {broken}", kill + 1));
        }
        server = launch.start(&client).await;
    }
    while let Some(flow) = flows.join_next().await {
        if let Err(why) = flow.expect("a flow panicked") {
            report.failed_flows.push(why);
        }
    }
    // The delivery worker sends what is left in the outbox (a message
    // leased by a killed server waits for its lease to run out).
    while !invariants::undelivered(&raw, &received.deliveries())
        .await
        .0
        .is_empty()
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    process::kill_hard(&mut server).await;
    for broken in invariants::broken(&raw, store.as_ref()).await {
        report.broken.push(format!("at the end: {broken}"));
    }
    let (undelivered, duplicates, unrecorded) =
        invariants::undelivered(&raw, &received.deliveries()).await;
    report.unrecorded_deliveries = unrecorded;
    report
        .broken
        .extend(undelivered.into_iter().map(|u| format!("at the end: {u}")));
    let half_moved = load.half_moved.load(Ordering::Relaxed);
    if half_moved > 0 {
        report.broken.push(format!(
            "{half_moved} cases found marked or packaged by the agents"
        ));
    }
    report.unfrozen = load.unfrozen.load(Ordering::Relaxed);
    report.sent_again = load.sent_again.load(Ordering::Relaxed);
    report.asked_again = load.retries.asked_again.load(Ordering::Relaxed);
    report.longest_wait_ms = load.retries.longest_wait_ms.load(Ordering::Relaxed);
    report.duplicate_deliveries = duplicates;
    report.seconds = started.elapsed().as_secs_f64();
    report
}

impl Report {
    /// One line for the run, for the test's output and docs/reliability.md.
    pub fn line(&self) -> String {
        format!(
            "| {} | {} | {} | {}/{} | {} | {} | {:.1} s | {} | {} | {:.0} s | {} |",
            self.database,
            self.kills,
            self.flows,
            self.unfrozen,
            self.flows,
            self.sent_again,
            self.asked_again,
            self.longest_wait_ms as f64 / 1000.0,
            self.duplicate_deliveries,
            self.unrecorded_deliveries,
            self.seconds,
            self.broken.len() + self.failed_flows.len(),
        )
    }
}
