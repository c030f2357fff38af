//! The offline demo, as a guided walk-through in the terminal: the
//! processor in-process on an SQLite file in the user's data directory,
//! the demo bank seeded on first run, and one remote unfreeze played from
//! both sides, agent and customer.
//!
//! Each run takes the next frozen card that has no case yet, so runs can be
//! repeated; `--fresh` starts over with a new bank.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use carddesk_domain::card::CardNumber;
use carddesk_domain::{CardStatus, FreezeReason};
use carddesk_processor::{
    Channels, CredentialUpload, CustomerQuery, Keyring, Processor, ProcessorConfig, ProcessorError,
    SystemClock,
};
use carddesk_seed::{DEMO_CUSTOMERS, demo_agent, demo_person};
use clap::Parser;
use secrecy::SecretString;

/// Walks through a remote unfreeze on the offline demo bank.
#[derive(Debug, Parser)]
struct Args {
    /// Where the demo keeps its database and key (default: the user's data
    /// directory, e.g. ~/.local/share/carddesk/demo).
    #[arg(long, env = "CARDDESK_DEMO_DIR")]
    dir: Option<PathBuf>,
    /// Delete the demo bank first and seed a new one.
    #[arg(long)]
    fresh: bool,
}

fn step(n: u32, who: &str, what: &str) {
    println!("\n\x1b[1m{n}. [{who}] {what}\x1b[0m");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = args
        .dir
        .or_else(|| dirs::data_dir().map(|d| d.join("carddesk").join("demo")))
        .context("no data directory; pass --dir")?;
    if args.fresh {
        for file in ["demo.db", "demo.db-wal", "demo.db-shm"] {
            let _ = std::fs::remove_file(dir.join(file));
        }
    }
    std::fs::create_dir_all(&dir)?;
    let keys = Arc::new(Keyring::load_or_create(&dir.join("master.key"))?);
    let url = format!("sqlite:{}", dir.join("demo.db").display());
    let store = carddesk_store::open(&url, keys.audit_key()).await?;
    let processor = Processor::new(
        store,
        keys,
        ProcessorConfig::default(),
        Arc::new(SystemClock),
    )
    .await?;
    let now = chrono::Utc::now();

    println!(
        "CardDesk offline demo — everything stays on this machine ({})",
        dir.display()
    );
    let seeded = carddesk_seed::seed_demo(&processor, now).await?;
    if seeded.cards > 0 {
        println!(
            "Seeded the demo bank: {} customers, {} cards, {} open cases ({:.1} s).",
            seeded.customers,
            seeded.cards,
            seeded.cases,
            seeded.elapsed.as_secs_f64()
        );
    }
    let agent = demo_agent();

    // Find the next customer whose wrong-PIN freeze has no case yet.
    let mut chosen = None;
    'people: for index in 0..DEMO_CUSTOMERS {
        let person = demo_person(index, now);
        for (n, card) in person.cards.iter().enumerate() {
            if !matches!(
                card.status,
                CardStatus::Frozen {
                    reason: FreezeReason::WrongPinLimit,
                    ..
                }
            ) {
                continue;
            }
            let found = processor
                .look_up(&CustomerQuery::CardNumber(card.number.clone()))
                .await?;
            let Some(stored) = found.first().and_then(|f| {
                f.cards
                    .iter()
                    .find(|c| c.last_four == card.number.last_four())
            }) else {
                continue;
            };
            if matches!(stored.status, CardStatus::Frozen { .. }) {
                match processor.mark(&agent, stored.id, "console").await {
                    Ok(case) => {
                        chosen = Some((index, n, case));
                        break 'people;
                    }
                    Err(ProcessorError::CaseAlreadyOpen) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    let Some((index, card_n, case)) = chosen else {
        anyhow::bail!(
            "every wrong-PIN card of the demo bank is unfrozen already; run again with --fresh"
        );
    };
    let person = demo_person(index, now);
    let card = &person.cards[card_n];

    step(
        1,
        "agent",
        &format!(
            "{} calls from {}. Look up their cards:",
            person.name,
            person.phone.masked()
        ),
    );
    for found in processor
        .look_up(&CustomerQuery::Phone(person.phone.clone()))
        .await?
    {
        println!(
            "   {} ({}, document {})",
            found.customer.name, found.customer.id.0, found.customer.document_masked
        );
        for c in found.cards {
            let status = match c.status {
                CardStatus::Frozen { reason, since } => format!(
                    "frozen: {} since {}",
                    reason.as_str(),
                    since.format("%Y-%m-%d")
                ),
                other => other.kind().as_str().to_owned(),
            };
            println!(
                "     card {:>4}  {}  {:<18} {}",
                c.id.0,
                c.masked_number(),
                c.product,
                status
            );
        }
    }
    let rule = processor.policy().rule(case.reason);
    println!(
        "   Marked card {} for remote unfreeze: case {} opened. Policy for {}: asks {}, supervisor approval: {}.",
        card.number.masked(),
        case.id.0,
        case.reason.as_str(),
        rule.credentials
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(" + "),
        if rule.supervisor_approval {
            "yes"
        } else {
            "no"
        }
    );

    step(
        2,
        "agent",
        "Package the reserved info (card number sealed, ID number keyed-hashed and sealed, password as Argon2id):",
    );
    let case = processor.package(&agent, case.id, "console").await?;
    println!("   case {} is {}", case.id.0, case.state.as_str());

    step(3, "agent", "Send the instructions by text and voice:");
    let case = processor
        .instruct(
            &agent,
            case.id,
            Channels {
                text: true,
                voice: true,
            },
            "console",
        )
        .await?;
    println!(
        "   case {} is {}; the code expires at {}",
        case.id.0,
        case.state.as_str(),
        case.expires_at
            .map(|t| t.format("%H:%M:%S UTC").to_string())
            .unwrap_or_default()
    );

    step(4, "customer", "The customer's phone receives:");
    let inbox: Vec<_> = processor
        .local_outbox(1_000)
        .await?
        .into_iter()
        .filter(|m| m.case_id == case.id)
        .collect();
    for m in &inbox {
        println!("   [{}] {}", m.channel.as_str(), m.body);
    }
    let text = inbox
        .iter()
        .find(|m| m.channel == carddesk_store::OutboxChannel::Text)
        .context("a text message")?;
    let code = text
        .body
        .split_whitespace()
        .flat_map(|w| w.split(['。', '，']))
        .find(|w| w.len() == 11 && w.as_bytes()[5] == b'-')
        .context("the code in the message")?
        .to_owned();

    step(
        5,
        "customer",
        &format!("Open the unfreeze page and enter the code {code}:"),
    );
    let session = processor.request_unfreeze(&code, "demo-phone").await?;
    println!(
        "   The page asks to confirm the card ending {}.",
        session.card_last_four
    );
    let challenge = processor.challenge(&session.token, "demo-phone").await?;
    println!(
        "   Authentication request: enter {} ({} attempts).",
        challenge
            .credentials
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(" and "),
        challenge.attempts_left
    );

    step(
        6,
        "customer",
        "First try, with a mistyped transaction password:",
    );
    let wrong = CredentialUpload {
        id_document: Some(person.document.clone()),
        transaction_password: Some(SecretString::from("000000x")),
    };
    match processor.verify(&session.token, wrong, "demo-phone").await {
        Err(e) => println!("   The page says: {e}"),
        Ok(outcome) => anyhow::bail!("a wrong password was accepted: {outcome:?}"),
    }

    step(
        7,
        "customer",
        &format!(
            "Second try: ID {} and the right password ******:",
            person.document.masked()
        ),
    );
    let right = CredentialUpload {
        id_document: Some(person.document.clone()),
        transaction_password: Some(card.password.clone()),
    };
    let outcome = processor
        .verify(&session.token, right, "demo-phone")
        .await?;
    println!("   Result: {outcome:?}");

    step(8, "agent", "The case's timeline and the card's history:");
    for entry in processor.timeline(case.id).await? {
        println!(
            "   #{:<5} {}  {:<22} {:<20} {:<8} {}",
            entry.seq,
            entry.entry.at.format("%H:%M:%S"),
            entry.entry.actor,
            entry.entry.action,
            entry.entry.outcome.as_str(),
            entry.entry.detail
        );
    }
    let card_id = processor.case(case.id).await?.card_id;
    for t in processor.store().card_history(card_id).await? {
        println!(
            "   card {}: {} → {} via {} by {}",
            card_id.0,
            t.from.as_str(),
            t.to.as_str(),
            t.channel.as_str(),
            t.actor
        );
    }

    step(9, "agent", "A caller whose card is frozen by court order:");
    let court = (0..DEMO_CUSTOMERS)
        .flat_map(|i| demo_person(i, now).cards)
        .find(|c| {
            matches!(
                c.status,
                CardStatus::Frozen {
                    reason: FreezeReason::CourtOrder,
                    ..
                }
            )
        })
        .context("a court-order card")?;
    let court_card = court_card_id(&processor, &court.number).await?;
    match processor.mark(&agent, court_card, "console").await {
        Err(e) => println!("   The console says: {e}"),
        Ok(_) => anyhow::bail!("a court-order freeze was marked for remote unfreeze"),
    }

    step(10, "supervisor", "Verify the audit log's hash chain:");
    println!("   {:?}", processor.verify_audit_chain().await?);
    println!("\nDone. Run again for the next customer, or with --fresh to start over.");
    Ok(())
}

async fn court_card_id(
    processor: &Processor,
    number: &CardNumber,
) -> anyhow::Result<carddesk_domain::CardId> {
    processor
        .look_up(&CustomerQuery::CardNumber(number.clone()))
        .await?
        .into_iter()
        .flat_map(|f| f.cards)
        .find(|c| c.last_four == number.last_four())
        .map(|c| c.id)
        .context("the court-order card in the store")
}
