//! The binary's logs (issue 7, operations): JSON lines when not on a
//! terminal, no colour codes, and the request id taken from
//! `X-Request-Id` (when plain) in the span of every line the request
//! logs, and named on the answer; an id that is not plain is replaced.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

struct Server {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(dir: &std::path::Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_carddesk-server"))
            .env_clear()
            .env("RUST_LOG", "info,tower_http=debug")
            .env(
                "DATABASE_URL",
                format!("sqlite:{}", dir.join("carddesk.db").display()),
            )
            .env("CARDDESK_KEY_FILE", dir.join("master.key"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start carddesk-server");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Self { child, lines }
    }

    /// The next line that `wanted` accepts, within 20 s.
    fn line(&self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let line = self.lines.recv_timeout(left).expect("a log line in time");
            assert!(
                !line.contains('\u{1b}'),
                "no colour codes off a terminal: {line:?}"
            );
            let json: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            if wanted(&json) {
                return json;
            }
        }
    }
}

#[tokio::test]
async fn json_lines_carry_the_request_id() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let server = Server::start(dir.path());
    let serving = server.line(|l| l["fields"]["message"] == "serving");
    let addr = serving["fields"]["addr"].as_str().expect("addr").to_owned();
    let client = reqwest::Client::new();

    let answer = client
        .get(format!("http://{addr}/health/live"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .expect("request");
    assert_eq!(answer.headers()["x-request-id"], "trace-me-123");
    let logged = server.line(|l| l["span"]["request_id"] == "trace-me-123");
    assert_eq!(logged["span"]["route"], "/health/live");

    let answer = client
        .get(format!("http://{addr}/health/live"))
        .header("x-request-id", "not plain: a forged\tline")
        .send()
        .await
        .expect("request");
    let given = answer.headers()["x-request-id"]
        .to_str()
        .expect("text")
        .to_owned();
    assert_eq!(given.len(), 36, "a fresh id: {given}");
    server.line(|l| l["span"]["request_id"] == given.as_str());
}
