//! The customer pages in a real headless Chromium: starts the server on
//! 127.0.0.1:0 with two cases taken through the processor up to the text
//! message, then runs `tests/browser/customer-pages.spec.mjs` (node's test
//! runner driving Chromium through playwright-core) with the base URL, the
//! codes and the credentials in its environment.
//!
//! The applicant's pages likewise (`tests/browser/apply-pages.spec.mjs`):
//! both routes to a virtual card, while this side plays the bank (it hands
//! the texted code over through a file and an agent passes the interview
//! once it is queued).
//!
//! Needs Node.js 20 or later, Debian's `chromium` (`/usr/bin/chromium`, or
//! the path in `CHROMIUM`) and, for readable Chinese on the screenshots,
//! `fonts-noto-cjk`. `tests/browser/node_modules` is installed with npm
//! when missing. Screenshots land in `$CARGO_TARGET_DIR/tmp/customer-pages/`
//! and `…/tmp/apply-pages/`.

mod apply_browser;
mod common;
mod pages_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use carddesk_domain::{CardStatus, FreezeReason};
use pages_support::{Bank, PASSWORD, WRONG_PASSWORD};

/// One Chromium at a time (two cores), and one `npm ci`.
static BROWSER: Mutex<()> = Mutex::new(());

/// How long the browser run may take.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(180);

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Checks that node, Chromium and playwright-core are there (installing the
/// npm package when missing), or says what to install.
fn preflight(dir: &Path) -> Result<(), String> {
    let version = Command::new("node")
        .arg("--version")
        .output()
        .map_err(|e| {
            format!("node is not installed ({e}): the browser test needs Node.js 20 or later")
        })?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 20 {
        return Err(format!(
            "node {version} is too old: playwright-core needs Node.js 20 or later"
        ));
    }
    let browser = chromium();
    if !browser.exists() {
        return Err(format!(
            "{} is missing: `apt-get install -y chromium fonts-noto-cjk` (or set CHROMIUM)",
            browser.display()
        ));
    }
    if !dir
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        // `npm ci` installs exactly the lockfile; fall back to `npm install`.
        let installed = ["ci", "install"].iter().any(|verb| {
            Command::new("npm")
                .args([verb, "--no-audit", "--no-fund"])
                .current_dir(dir)
                .status()
                .is_ok_and(|s| s.success())
        });
        if !installed
            || !dir
                .join("node_modules/playwright-core/package.json")
                .exists()
        {
            return Err(format!(
                "could not install playwright-core: run `npm install` in {}",
                dir.display()
            ));
        }
    }
    Ok(())
}

/// Runs `spec` with `env` (after the preflight, one browser run at a
/// time); returns whether it passed and what it printed.
fn run_spec(dir: &Path, spec: &str, env: Vec<(&'static str, String)>) -> (bool, String) {
    let _one = BROWSER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Err(missing) = preflight(dir) {
        panic!("the browser test cannot run: {missing}");
    }
    let logs = tempfile::tempdir().expect("temporary directory");
    let out = std::fs::File::create(logs.path().join("out")).expect("log file");
    let err = std::fs::File::create(logs.path().join("err")).expect("log file");
    let mut child = Command::new("node")
        .args([
            "--test",
            "--test-reporter=spec",
            "--test-concurrency=1",
            spec,
        ])
        .current_dir(dir)
        .envs(env)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("start node");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break Some(status);
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let printed = format!(
        "{}{}",
        std::fs::read_to_string(logs.path().join("out")).unwrap_or_default(),
        std::fs::read_to_string(logs.path().join("err")).unwrap_or_default()
    );
    match status {
        Some(s) => (s.success(), printed),
        None => (
            false,
            format!("{printed}\nthe browser test took longer than {BROWSER_TIMEOUT:?}"),
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_unfreezes_their_card_in_headless_chromium() {
    let dir = browser_dir();
    let bank = Bank::start().await;
    let zh = bank.enrol(21, "zh-CN", FreezeReason::WrongPinLimit).await;
    let en = bank.enrol(22, "en", FreezeReason::CustomerRequest).await;
    let (_, zh_code) = bank.instruct(zh.card).await;
    let (_, en_code) = bank.instruct(en.card).await;
    let review = bank
        .enrol(23, "zh-CN", FreezeReason::SuspiciousTransaction)
        .await;
    let (_, review_code) = bank.instruct(review.card).await;
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("customer-pages");

    let env = vec![
        ("CARDDESK_BASE_URL", bank.base.clone()),
        ("CARDDESK_ZH_CODE", zh_code),
        ("CARDDESK_ZH_ID", zh.id_number.clone()),
        ("CARDDESK_ZH_LAST_FOUR", zh.last_four.clone()),
        ("CARDDESK_EN_CODE", en_code),
        ("CARDDESK_EN_ID", en.id_number.clone()),
        ("CARDDESK_EN_LAST_FOUR", en.last_four.clone()),
        ("CARDDESK_REVIEW_CODE", review_code),
        ("CARDDESK_REVIEW_ID", review.id_number.clone()),
        ("CARDDESK_PASSWORD", PASSWORD.to_owned()),
        ("CARDDESK_WRONG_PASSWORD", WRONG_PASSWORD.to_owned()),
        ("CARDDESK_SCREENSHOTS", shots.display().to_string()),
        ("CHROMIUM", chromium().display().to_string()),
    ];
    // The server keeps serving on the runtime's workers while node runs.
    let (passed, printed) =
        tokio::task::spawn_blocking(move || run_spec(&dir, "customer-pages.spec.mjs", env))
            .await
            .expect("the browser run");
    println!("{printed}");
    assert!(passed, "the browser test failed:\n{printed}");

    assert_eq!(bank.card_status(zh.card).await, CardStatus::Active);
    assert_eq!(bank.card_status(en.card).await, CardStatus::Active);
    assert!(
        matches!(
            bank.card_status(review.card).await,
            CardStatus::Frozen { .. }
        ),
        "a supervisor has not approved yet"
    );
    println!("screenshots in {}", shots.display());
}
