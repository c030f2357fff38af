//! Section 6 (`cards`): virtual-card issuance on the two-card route.
//!
//! 1. Time to a card: from submitting the application to the number shown
//!    (submit, prove the existing card, enter the code, reveal), with the
//!    customer's steps automated; p50 and p99 against one raw Argon2id
//!    check with the same parameters, the route's one expensive step,
//!    measured in the same run. Reading the code off the phone is the
//!    customer's time, not the processor's, and is left out.
//! 2. Issuing throughput: codes entered at once for applications whose
//!    card is proven (each authenticates and issues in one transaction),
//!    against raw card-number generation (the keyed serial permutation
//!    and the Luhn digit) on one core.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use carddesk_domain::CardStatus;
use carddesk_domain::application::{ApplicationId, VIRTUAL_PRODUCTS};
use carddesk_domain::card::CardNumber;
use carddesk_domain::customer::PhoneNumber;
use carddesk_processor::applications::{ApplicationForm, serial_permutation};
use carddesk_processor::{
    Keyring, Processor, ProcessorConfig, Purpose, SystemClock, enrol, passwords,
};
use carddesk_store::{OutboxSubject, PgStore, SqliteStore, Store};
use secrecy::SecretString;

use crate::verify::BenchPerson;
use crate::{Args, database, drop_all, percentiles, us};

const PASSWORD: &str = "482915";

/// Section 6 on a fresh database of each kind.
pub(crate) async fn cards(args: &Args, keys: &Arc<Keyring>) -> anyhow::Result<()> {
    println!(
        "\nvirtual cards, two-card route: {} applications timed one at a time, {} issued {} at once:",
        args.card_flows, args.issues, args.issues_at_once
    );
    println!(
        "  {:<10} {:>12} {:>12} {:>12} {:>8} {:>12} {:>14} {:>9}",
        "database",
        "card p50 ms",
        "card p99 ms",
        "Argon2 p50",
        "p50 ×",
        "issues/s",
        "raw numbers/s",
        "share"
    );
    let path = args.dir.join("cards.db");
    for f in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{f}", path.display()));
    }
    let sqlite: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&format!("sqlite:{}", path.display()), keys.audit_key()).await?);
    row("sqlite", sqlite, keys, args).await?;
    let url = database(&args.database_url, "carddesk_bench_cards").await?;
    drop_all(&url).await?;
    let pg: Arc<dyn Store> = Arc::new(PgStore::connect(&url, keys.audit_key()).await?);
    row("postgres", pg, keys, args).await
}

async fn row(
    name: &str,
    store: Arc<dyn Store>,
    keys: &Arc<Keyring>,
    args: &Args,
) -> anyhow::Result<()> {
    let processor = Processor::new(
        store.clone(),
        keys.clone(),
        ProcessorConfig::default(),
        Arc::new(SystemClock),
    )
    .await?;
    let hash = passwords::hash(&SecretString::from(PASSWORD.to_owned()));
    let total = args.card_flows + args.issues;
    let mut people = Vec::with_capacity(total);
    for i in 0..total as u64 {
        let person = BenchPerson::new(500_000 + i)?;
        let number = person.number().clone();
        let mut tx = store.begin().await?;
        let customer = tx
            .insert_customer(&enrol::customer_record(
                keys,
                "Bench",
                &person.document,
                &PhoneNumber::parse(&format!("+86136{i:08}"))?,
                "en",
            ))
            .await?;
        tx.insert_card(&enrol::card_record(
            keys,
            customer,
            &number,
            hash.clone(),
            "Bench",
            CardStatus::Active,
        ))
        .await?;
        tx.commit().await?;
        people.push((person, number));
    }
    let (timed, issued) = people.split_at(args.card_flows);
    // Each applicant from an address of their own, as on the internet: one
    // address is allowed ten applications a day.
    let origin = |i: usize| format!("198.18.{}.{}", i / 250, i % 250 + 1);

    // 1. Time to a card, one application at a time.
    let mut times = Vec::with_capacity(timed.len());
    for (i, (person, number)) in timed.iter().enumerate() {
        let started = Instant::now();
        let s = processor
            .submit_application(form(person)?, &origin(i))
            .await?;
        processor
            .prove_card(
                &s.session,
                number,
                SecretString::from(PASSWORD.to_owned()),
                "bench",
            )
            .await?;
        let to_code = started.elapsed();
        let code = code_of(&processor, s.application_id).await?;
        let resumed = Instant::now();
        processor
            .enter_application_code(&s.session, &code, "bench")
            .await?;
        processor.reveal_card(&s.session, "bench").await?;
        times.push(to_code + resumed.elapsed());
    }
    let argon = raw_argon2_times(&hash, timed.len().max(20));
    let (p50, p99) = percentiles(&mut times);

    // 2. Issuing: the cards proven first, then every code entered at once.
    let mut ready = Vec::with_capacity(issued.len());
    for (i, (person, number)) in issued.iter().enumerate() {
        let s = processor
            .submit_application(form(person)?, &origin(timed.len() + i))
            .await?;
        processor
            .prove_card(
                &s.session,
                number,
                SecretString::from(PASSWORD.to_owned()),
                "bench",
            )
            .await?;
        let code = code_of(&processor, s.application_id).await?;
        ready.push((s.session, code));
    }
    let queue = Arc::new(std::sync::Mutex::new(ready));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.issues_at_once {
        let (processor, queue) = (processor.clone(), queue.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                let Some((session, code)) = next else {
                    return anyhow::Ok(());
                };
                processor
                    .enter_application_code(&session, &code, "bench")
                    .await?;
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    let issues_per_second = issued.len() as f64 / started.elapsed().as_secs_f64();
    let raw = raw_numbers_per_second(keys, 200_000);
    println!(
        "  {:<10} {:>12.1} {:>12.1} {:>12.1} {:>8.1} {:>12.1} {:>14.0} {:>8.4}%",
        name,
        us(p50) / 1e3,
        us(p99) / 1e3,
        us(argon) / 1e3,
        p50.as_secs_f64() / argon.as_secs_f64(),
        issues_per_second,
        raw,
        issues_per_second / raw * 100.0
    );
    Ok(())
}

fn form(person: &BenchPerson) -> anyhow::Result<ApplicationForm> {
    Ok(ApplicationForm {
        name: "Bench".to_owned(),
        document: person.document.clone(),
        phone: PhoneNumber::parse("13800138000")?,
        product: "virtual_debit".to_owned(),
        language: "en".to_owned(),
        consent_terms: true,
        consent_recording: true,
    })
}

/// The code the phone on file received: the newest pending code text of
/// the application (no delivery worker runs here, so all stay pending).
async fn code_of(processor: &Processor, id: ApplicationId) -> anyhow::Result<String> {
    let outbox = processor.store().outbox(Some("pending"), u32::MAX).await?;
    let message = outbox
        .iter()
        .rev()
        .find(|m| m.message.subject == OutboxSubject::ApplicationCode(id))
        .context("a code text")?;
    let body = processor
        .keys()
        .open(Purpose::Instruction, &message.message.body_sealed)?;
    let body = std::str::from_utf8(&body)?;
    body.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .map(str::to_owned)
        .context("six digits")
}

/// The p50 of single raw Argon2id verifications, one at a time.
fn raw_argon2_times(hash: &str, n: usize) -> Duration {
    let password = SecretString::from(PASSWORD.to_owned());
    let mut samples: Vec<Duration> = (0..n)
        .map(|_| {
            let started = Instant::now();
            assert!(passwords::verify(hash, &password));
            started.elapsed()
        })
        .collect();
    percentiles(&mut samples).0
}

/// Card numbers made per second on one core: the keyed shuffle of a
/// serial inside the BIN and the Luhn digit, nothing stored.
fn raw_numbers_per_second(keys: &Keyring, n: u64) -> f64 {
    let product = &VIRTUAL_PRODUCTS[0];
    // The processor's own shuffle, so the baseline is what issuing runs.
    let permutation = serial_permutation(keys, product.code);
    let now = chrono::Utc::now();
    let started = Instant::now();
    let mut last: Option<CardNumber> = None;
    for serial in 0..n {
        last = product
            .issue(serial, &permutation, now)
            .ok()
            .map(|i| i.number);
    }
    std::hint::black_box(last);
    n as f64 / started.elapsed().as_secs_f64()
}
