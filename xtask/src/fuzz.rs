//! `cargo xtask fuzz-api [--examples N]`: schemathesis against the
//! OpenAPI document of a seeded server, signed in as a supervisor, with
//! all of its checks (server errors, answers outside the document,
//! requests the document allows refused or forbids accepted, stateful
//! links). Installs schemathesis in a virtual environment beside the
//! target directory; the server runs on SQLite in a temporary directory.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{run, section, setup};

/// The schemathesis release the figures in docs/reliability.md come from.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";
const PORT: u16 = 18_181;
const SUPERVISOR: (&str, &str) = ("sup.fuzz", "fuzz-supervisor-2024");

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn fuzz_api(extra: &[String]) -> Result<()> {
    let examples = match extra {
        [] => 40,
        [flag, n] if flag == "--examples" => n.parse().context("--examples takes a number")?,
        _ => bail!("usage: cargo xtask fuzz-api [--examples N]"),
    };
    run_schemathesis(examples)
}

/// The short run in `cargo xtask test`: every operation, every check, a
/// few examples each (a couple of minutes), so a change that takes the
/// server outside its document fails the suite.
pub fn short_run() -> Result<()> {
    run_schemathesis(8)
}

fn run_schemathesis(examples: u32) -> Result<()> {
    let target =
        PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_owned()));
    let venv = target.join("schemathesis-venv");
    let st = venv.join("bin").join("schemathesis");
    if !st.exists() {
        section("installing schemathesis");
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run(Command::new(venv.join("bin").join("pip")).args(["install", "-q", SCHEMATHESIS]))?;
    }
    section("building and seeding the server");
    run(Command::new(setup::cargo()).args(["build", "-p", "carddesk-server"]))?;
    let binary = target.join("debug").join("carddesk-server");
    let dir = std::env::temp_dir().join(format!("carddesk-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let server = |args: &[&str]| {
        let mut cmd = Command::new(&binary);
        cmd.args(args)
            .env(
                "DATABASE_URL",
                format!("sqlite:{}", dir.join("carddesk.db").display()),
            )
            .env("CARDDESK_KEY_FILE", dir.join("master.key"))
            .env("CARDDESK_STAFF_PASSWORD", SUPERVISOR.1)
            // One client sends every request: the per-address limits
            // would answer most of them 429 and leave them unchecked.
            .env("CARDDESK_LIMITS_CUSTOMER_ADDRESS_BURST", "100000")
            .env("CARDDESK_LIMITS_CUSTOMER_ADDRESS_PER_MINUTE", "100000");
        cmd
    };
    run(&mut server(&["migrate"]))?;
    run(&mut server(&["seed"]))?;
    run(&mut server(&[
        "add-staff",
        "--username",
        SUPERVISOR.0,
        "--role",
        "supervisor",
        "--display-name",
        "Fuzz Supervisor",
    ]))?;
    let _running = Server(
        server(&["serve", "--listen", &format!("127.0.0.1:{PORT}")])
            .stdout(Stdio::null())
            .spawn()
            .context("start carddesk-server")?,
    );
    let base = format!("http://127.0.0.1:{PORT}");
    let token = sign_in(&base, Instant::now() + Duration::from_secs(30))?;
    section("schemathesis");
    let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemathesis.toml");
    let status = Command::new(&st)
        .arg("--config-file")
        .arg(&config)
        .args(["run", &format!("{base}/openapi.json"), "--workers", "2"])
        .args(["--max-examples", &examples.to_string()])
        // Signing out would end the run's session half-way.
        .args(["--exclude-path", "/api/agent/sign-out"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .status()?;
    let _ = std::fs::remove_dir_all(&dir);
    if !status.success() {
        bail!("schemathesis found failures (see above; docs/reliability.md lists the known ones)");
    }
    Ok(())
}

/// Signs the supervisor in once the server answers; the session token.
fn sign_in(base: &str, deadline: Instant) -> Result<String> {
    let script = format!(
        "import json, urllib.request\n\
         r = urllib.request.Request('{base}/api/agent/sign-in', method='POST',\n\
             data=json.dumps({{'username': '{}', 'password': '{}'}}).encode(),\n\
             headers={{'content-type': 'application/json'}})\n\
         print(json.load(urllib.request.urlopen(r))['token'])\n",
        SUPERVISOR.0, SUPERVISOR.1
    );
    loop {
        let out = Command::new("python3").args(["-c", &script]).output()?;
        if out.status.success() {
            return Ok(String::from_utf8(out.stdout)?.trim().to_owned());
        }
        if Instant::now() > deadline {
            bail!("the server did not let the supervisor sign in");
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}
