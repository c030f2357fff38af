//! The applicant's pages in headless Chromium (part of `customer_browser`,
//! whose browser runner it shares): `tests/browser/apply-pages.spec.mjs`
//! walks both routes to a virtual card while this side plays the bank:
//! it hands the code texted to the phone on file over to the browser
//! through a file, and an agent passes each interview once it is queued.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use carddesk_domain::application::{Checklist, ChecklistItem, InterviewStep, Verdict};
use carddesk_domain::{CardStatus, Role, StaffMember};
use carddesk_processor::{Keyring, Processor, ProcessorConfig, Purpose, passwords};
use carddesk_store::{OutboxSubject, Store};
use secrecy::SecretString;

use super::common;
use super::pages_support::{Bank, PASSWORD, WRONG_PASSWORD};
use super::{browser_dir, chromium, run_spec};

/// How long an interview waits in the queue before the agent comes.
const AGENT_DELAY: Duration = Duration::from_secs(3);

/// What the bank does while the browser runs: the latest application code
/// written to `exchange/code` (through a rename, so it is read whole), and
/// every interview claimed and passed by an agent once it has waited
/// `AGENT_DELAY` in the queue (so the page shows the wait first). Runs
/// until aborted.
async fn play_the_bank(
    processor: Processor,
    store: Arc<dyn Store>,
    keys: Arc<Keyring>,
    exchange: PathBuf,
) {
    let agent = StaffMember {
        username: "li".to_owned(),
        role: Role::Agent,
    };
    let mut last_code = String::new();
    let mut seen = HashMap::new();
    loop {
        if let Some(code) = latest_code(store.as_ref(), &keys).await
            && code != last_code
        {
            let part = exchange.join("code.part");
            std::fs::write(&part, &code).expect("write the code");
            std::fs::rename(&part, exchange.join("code")).expect("hand the code over");
            last_code = code;
        }
        for record in store.interview_queue(50).await.expect("the queue") {
            let a = record.application;
            let since = *seen.entry(a.id).or_insert_with(Instant::now);
            if matches!(a.interview, InterviewStep::Queued { .. }) && since.elapsed() > AGENT_DELAY
            {
                processor
                    .claim_interview(&agent, a.id, "console:test")
                    .await
                    .expect("claim");
                let checklist = Checklist(ChecklistItem::ALL.into_iter().collect());
                processor
                    .decide_interview(&agent, a.id, &Verdict::Pass { checklist }, "console:test")
                    .await
                    .expect("pass");
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The six digits of the latest two-card code text, if any.
async fn latest_code(store: &dyn Store, keys: &Keyring) -> Option<String> {
    let outbox = store.outbox(None, 10_000).await.expect("outbox");
    let m = outbox
        .iter()
        .rfind(|m| matches!(m.message.subject, OutboxSubject::ApplicationCode(_)))?;
    let body = keys
        .open(Purpose::Instruction, &m.message.body_sealed)
        .expect("open the text");
    String::from_utf8_lossy(&body)
        .split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .map(str::to_owned)
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../carddesk-media/tests/fixtures")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_gets_a_virtual_card_in_headless_chromium() {
    let media = tempfile::tempdir().expect("media directory");
    let exchange = tempfile::tempdir().expect("exchange directory");
    let mut config = ProcessorConfig::default();
    config.media.dir = media.path().to_owned();
    let bank = Bank::start_with(config, None).await;
    let hash = passwords::hash(&SecretString::from(PASSWORD));
    let holder = common::enrol(
        bank.store.as_ref(),
        &bank.keys,
        31,
        &[CardStatus::Active],
        PASSWORD,
        &hash,
    )
    .await;
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("apply-pages");

    let env = vec![
        ("CARDDESK_BASE_URL", bank.base.clone()),
        ("CARDDESK_HOLDER_ID", holder.id_number.clone()),
        ("CARDDESK_HOLDER_CARD", holder.cards[0].number.clone()),
        ("CARDDESK_PASSWORD", PASSWORD.to_owned()),
        ("CARDDESK_WRONG_PASSWORD", WRONG_PASSWORD.to_owned()),
        ("CARDDESK_FIRST_ID", common::resident_id(9_201)),
        ("CARDDESK_RECORDER_ID", common::resident_id(9_202)),
        (
            "CARDDESK_CODE_FILE",
            exchange.path().join("code").display().to_string(),
        ),
        ("CARDDESK_FIXTURES", fixtures().display().to_string()),
        ("CARDDESK_SCREENSHOTS", shots.display().to_string()),
        ("CHROMIUM", chromium().display().to_string()),
    ];
    let helper = tokio::spawn(play_the_bank(
        bank.processor.clone(),
        bank.store.clone(),
        bank.keys.clone(),
        exchange.path().to_owned(),
    ));
    let dir = browser_dir();
    let run =
        tokio::task::spawn_blocking(move || run_spec(&dir, "apply-pages.spec.mjs", env)).await;
    helper.abort();
    let (passed, printed) = run.expect("the browser run");
    println!("{printed}");
    assert!(passed, "the browser test failed:\n{printed}");

    // The holder's card was issued to them (a secondary application) and
    // its details shown, once.
    let shown = bank
        .store
        .virtual_cards_of_customer(holder.id)
        .await
        .expect("virtual cards");
    assert_eq!(shown.len(), 1);
    assert!(shown[0].revealed_at.is_some(), "shown once");
    println!("screenshots in {}", shots.display());
}
