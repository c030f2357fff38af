//! Section 2: credential verification throughput of the processor
//! against raw Argon2id verification with the same parameters on the same
//! cores; and the bench customers the HTTP flows share.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::{IdDocument, PhoneNumber};
use carddesk_domain::{CardStatus, FreezeReason, Role, StaffMember, id_number, luhn};
use carddesk_processor::{
    Channels, CredentialUpload, Keyring, Processor, ProcessorConfig, SystemClock, enrol, passwords,
};
use carddesk_store::{PgStore, SqliteStore, Store};
use secrecy::SecretString;

use crate::{Args, cores, database, drop_all};

/// Section 2 on a fresh database of each kind.
pub(crate) async fn verification(args: &Args, keys: &Arc<Keyring>) -> anyhow::Result<()> {
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

/// One database's verification figures. The baseline is measured after
/// the cases are set up, in rounds with the processor's verifications, so
/// both see the same state of the machine.
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

/// A customer of the verification benchmarks: one frozen card, a resident
/// ID, a phone; `i` makes them unique.
pub(crate) struct BenchPerson {
    /// The ID number in clear, as the customer types it.
    pub(crate) id_number: String,
    pub(crate) document: IdDocument,
    number: CardNumber,
    phone: PhoneNumber,
}

impl BenchPerson {
    pub(crate) fn new(i: u64) -> anyhow::Result<Self> {
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

    /// Their card's number.
    pub(crate) fn number(&self) -> &CardNumber {
        &self.number
    }

    /// Stores the customer and their card, frozen after too many wrong
    /// PINs (remote unfreeze with ID and transaction password, no
    /// approval), with the transaction password hash `hash`.
    pub(crate) async fn enrol(
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

/// How many rounds a measured run is cut into, each a share of its work
/// right after its own baseline of raw Argon2id ([`processor_rate`] here,
/// the flows over HTTP and in process): the machine's speed drifts (a
/// virtual machine's neighbours), and the drift then falls on the work and
/// its baseline alike.
pub(crate) const BASELINE_ROUNDS: usize = 4;

/// Raw Argon2id verifications per second on every core.
pub(crate) fn raw_argon2_rate(n: usize) -> f64 {
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

/// Raw Argon2id verifications per second, and completed verify-and-unfreeze
/// steps per second through the processor with `workers` customers at
/// once, each on their own challenged case. The processor itself runs no
/// more Argon2id checks at once than there are cores, as the baseline does;
/// the other customers' database work fills the gaps. Measured in
/// [`BASELINE_ROUNDS`] rounds, each a quarter of the verifications right after a
/// baseline of as many raw checks: a virtual machine's speed drifts within
/// a minute, and one baseline before all of it let the drift fall on one
/// side only (overheads of 6 to 20 % for one build, run after run).
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
    let (mut raw_secs, mut processor_secs) = (0.0, 0.0);
    let chunk = n.div_ceil(BASELINE_ROUNDS).max(1);
    while !sessions.is_empty() {
        let round: Vec<_> = sessions.drain(..chunk.min(sessions.len())).collect();
        raw_secs += round.len() as f64 / raw_argon2_rate(round.len());
        processor_secs += verify_all(&processor, round, &password, workers).await?;
    }
    Ok((n as f64 / raw_secs, n as f64 / processor_secs))
}

/// Verifies every session's upload, `workers` at a time; the seconds it took.
async fn verify_all(
    processor: &Processor,
    sessions: Vec<(SecretString, IdDocument)>,
    password: &SecretString,
    workers: usize,
) -> anyhow::Result<f64> {
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
    Ok(started.elapsed().as_secs_f64())
}
