//! The real `carddesk-server` binary as a child process on a fixed
//! loopback port, started again after each `kill -9` on the same port,
//! database and key file.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// How to start the server, the same way each time.
#[derive(Debug, Clone)]
pub struct Launch {
    /// `sqlite:…` or `postgres://…`.
    pub database_url: String,
    /// The master key file (made by the harness before the first start).
    pub key_file: PathBuf,
    /// The port it listens on, the same after every restart.
    pub port: u16,
    /// The test SMS gateway.
    pub sms_gateway_url: String,
    /// Where the server's logs go, appended over every run.
    pub log_file: PathBuf,
}

/// The secret the server signs its gateway requests with.
pub const GATEWAY_SECRET: &str = "chaos-gateway-secret";

impl Launch {
    /// The server's base URL.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts the server and waits until `/health/ready` says it is ready
    /// (database, migrations, event relay), at most a minute.
    pub async fn start(&self, client: &reqwest::Client) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_file)
            .expect("open the server's log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_carddesk-server"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::var_os("HOME").unwrap_or_default())
            .env("DATABASE_URL", &self.database_url)
            .env("CARDDESK_KEY_FILE", &self.key_file)
            .env("CARDDESK_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("CARDDESK_PUBLIC_URL", self.base())
            .env("CARDDESK_SMS_GATEWAY_URL", &self.sms_gateway_url)
            .env("CARDDESK_SMS_GATEWAY_SECRET", GATEWAY_SECRET)
            .env("CARDDESK_ALLOW_PLAIN_HTTP_GATEWAYS", "true")
            // The load's customers call through "a proxy" on loopback, each
            // from an address of its own in X-Forwarded-For.
            .env("CARDDESK_TRUSTED_PROXIES", "127.0.0.1")
            // A short time limit, so a killed server's claims are taken over
            // 20 s later (15 s past the limit), not 45 s.
            .env("CARDDESK_LIMITS_REQUEST_TIMEOUT_SECONDS", "5")
            .env("CARDDESK_LOG_FORMAT", "json")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("start carddesk-server");
        let ready = format!("{}/health/ready", self.base());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "carddesk-server exited at start ({status}); see {}",
                    self.log_file.display()
                );
            }
            if let Ok(r) = client.get(&ready).send().await
                && r.status().is_success()
            {
                return child;
            }
            assert!(
                Instant::now() < deadline,
                "carddesk-server not ready within a minute; see {}",
                self.log_file.display()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// `kill -9`: SIGKILL, no shutdown of any kind, then reaps the process.
pub async fn kill_hard(child: &mut Child) {
    child.start_kill().expect("SIGKILL the server");
    child.wait().await.expect("reap the server");
}
