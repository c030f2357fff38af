//! Server-sent events on both databases: every event has an id; a
//! reconnect with `Last-Event-ID` replays exactly what was missed (as a
//! watcher that never left saw it, and filtered as asked); an id the
//! server cannot resume from gets `resync` first; a stream ends when its
//! session does, and when the server shuts down.

mod common;

use std::pin::Pin;
use std::time::Duration;

use carddesk_domain::{FreezeReason, Role};
use common::{TestApp, frozen};
use futures::{Stream, StreamExt};
use serde_json::{Value, json};

on_both_databases! {
    resume_replays_what_was_missed => sqlite_resume_replays_what_was_missed, postgres_resume_replays_what_was_missed;
    an_unknown_id_gets_resync_first => sqlite_an_unknown_id_gets_resync_first, postgres_an_unknown_id_gets_resync_first;
    a_signed_out_sessions_stream_ends => sqlite_a_signed_out_sessions_stream_ends, postgres_a_signed_out_sessions_stream_ends;
    shutdown_ends_the_streams => sqlite_shutdown_ends_the_streams, postgres_shutdown_ends_the_streams;
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
struct Event {
    id: String,
    kind: String,
    data: Value,
}

/// An open event stream, parsed as it arrives.
struct Events {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Vec<u8>>> + Send>>,
    buffer: String,
}

impl Events {
    async fn open(app: &TestApp, token: &str, query: &str, last_id: Option<&str>) -> Self {
        let mut request = app.request(
            reqwest::Method::GET,
            &format!("/api/agent/events{query}"),
            Some(token),
        );
        if let Some(id) = last_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.expect("the server answers");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Self {
            body: Box::pin(
                response
                    .bytes_stream()
                    .map(|chunk| chunk.map(|b| b.to_vec())),
            ),
            buffer: String::new(),
        }
    }

    /// The next event; `None` when the stream ended. Panics after `wait`.
    async fn next_within(&mut self, wait: Duration) -> Option<Event> {
        tokio::time::timeout(wait, async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    if let Some(event) = parse(&block) {
                        return Some(event);
                    }
                    continue;
                }
                match self.body.next().await {
                    Some(Ok(chunk)) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                    Some(Err(_)) | None => return None,
                }
            }
        })
        .await
        .expect("the stream moves on in time")
    }

    async fn next(&mut self) -> Event {
        self.next_within(Duration::from_secs(10))
            .await
            .expect("the stream goes on")
    }

    /// Events up to and including the first `last` accepts.
    async fn until(&mut self, last: impl Fn(&Event) -> bool) -> Vec<Event> {
        let mut seen = Vec::new();
        loop {
            let event = self.next().await;
            let done = last(&event);
            seen.push(event);
            if done {
                return seen;
            }
        }
    }
}

/// An SSE block as an event; comments (keep-alives) are none.
fn parse(block: &str) -> Option<Event> {
    let (mut id, mut kind, mut data) = (None, None, String::new());
    for line in block.lines() {
        let field = |name: &str| {
            line.strip_prefix(name)
                .map(|v| v.strip_prefix(' ').unwrap_or(v).to_owned())
        };
        if let Some(v) = field("id:") {
            id = Some(v);
        } else if let Some(v) = field("event:") {
            kind = Some(v);
        } else if let Some(v) = field("data:") {
            data.push_str(&v);
        }
    }
    let kind = kind?;
    let data: Value = serde_json::from_str(&data).expect("data is JSON");
    assert_eq!(data["kind"], kind.as_str(), "the data names its kind");
    Some(Event {
        id: id.expect("every event has an id"),
        kind,
        data,
    })
}

fn is_case(event: &Event, case: i64, state: &str) -> bool {
    event.kind == "case" && event.data["case_id"] == case && event.data["state"] == state
}

async fn mark(app: &TestApp, token: &str, card: i64) -> i64 {
    app.post_empty(&format!("/api/agent/cards/{card}/cases"), Some(token))
        .await
        .ok()["id"]
        .as_i64()
        .expect("case id")
}

async fn resume_replays_what_was_missed(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app
        .enrol(
            51,
            &[
                frozen(FreezeReason::WrongPinLimit),
                frozen(FreezeReason::Dormant),
            ],
        )
        .await;
    // A watcher that stays all along, and one that will drop out.
    let mut steady = Events::open(app, &agent, "", None).await;
    let mut leaving = Events::open(app, &agent, "", None).await;

    let first = mark(app, &agent, person.card(0).0).await;
    let marked = leaving.until(|e| is_case(e, first, "marked")).await;
    let last_seen = marked.last().expect("an event").id.clone();
    drop(leaving);

    // Missed while away: the first case packaged and instructed, and a
    // second case marked.
    app.post_empty(&format!("/api/agent/cases/{first}/package"), Some(&agent))
        .await
        .ok();
    app.post(
        &format!("/api/agent/cases/{first}/instructions"),
        Some(&agent),
        &json!({ "text": true, "voice": false }),
    )
    .await
    .ok();
    let second = mark(app, &agent, person.card(1).0).await;

    let all = steady.until(|e| is_case(e, second, "marked")).await;
    let at = all
        .iter()
        .position(|e| e.id == last_seen)
        .expect("the steady watcher saw the same event under the same id");
    let missed = all[at + 1..].to_vec();
    assert!(
        missed.iter().any(|e| is_case(e, first, "packaged")),
        "{missed:?}"
    );
    assert!(
        missed.iter().any(|e| is_case(e, first, "instructed")),
        "{missed:?}"
    );
    assert!(missed.iter().any(|e| e.kind == "instruction"), "{missed:?}");

    let mut back = Events::open(app, &agent, "", Some(&last_seen)).await;
    let replayed = back.until(|e| is_case(e, second, "marked")).await;
    assert_eq!(
        replayed, missed,
        "exactly what was missed, in order, same ids"
    );

    // Filtered as asked: only the second case's events (and card events).
    let mut filtered =
        Events::open(app, &agent, &format!("?case={second}"), Some(&last_seen)).await;
    let replayed = filtered.until(|e| is_case(e, second, "marked")).await;
    let wanted: Vec<Event> = missed
        .iter()
        .filter(|e| e.data.get("case_id").is_none_or(|c| *c == second))
        .cloned()
        .collect();
    assert_eq!(replayed, wanted);
    assert!(replayed.iter().all(|e| !is_case(e, first, "packaged")));

    // And live after the replay, on the resumed stream.
    app.post_empty(&format!("/api/agent/cases/{second}/package"), Some(&agent))
        .await
        .ok();
    let live = back.until(|e| is_case(e, second, "packaged")).await;
    assert_eq!(live.len(), 1, "{live:?}");
}

async fn an_unknown_id_gets_resync_first(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let person = app
        .enrol(
            52,
            &[
                frozen(FreezeReason::WrongPinLimit),
                frozen(FreezeReason::Dormant),
            ],
        )
        .await;
    // Another server process's id, a garbled one, one of ours from the
    // future.
    for unknown in ["another-process-7", "7", ""] {
        let mut events = Events::open(app, &agent, "", Some(unknown)).await;
        let first = events.next().await;
        assert_eq!(first.kind, "resync", "{unknown:?}");
        assert_eq!(first.data, json!({ "kind": "resync" }));
    }
    let mut events = Events::open(app, &agent, "", Some("another-process-7")).await;
    let resync = events.next().await;
    assert_eq!(resync.kind, "resync");
    let case = mark(app, &agent, person.card(0).0).await;
    let then = events.until(|e| is_case(e, case, "marked")).await;
    assert!(then.iter().all(|e| e.kind != "resync"), "{then:?}");

    // The resync's id is one to resume from: no second resync.
    let mut again = Events::open(app, &agent, "", Some(&resync.id)).await;
    let replayed = again.until(|e| is_case(e, case, "marked")).await;
    assert_eq!(replayed, then);
    let (prefix, _) = resync.id.split_once('-').expect("epoch-number");
    let future = format!("{prefix}-999999");
    let mut events = Events::open(app, &agent, "", Some(&future)).await;
    assert_eq!(events.next().await.kind, "resync", "an id not yet given");
    let second = mark(app, &agent, person.card(1).0).await;
    events.until(|e| is_case(e, second, "marked")).await;
}

async fn a_signed_out_sessions_stream_ends(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let other = app.sign_in("alice").await;
    let mut events = Events::open(app, &agent, "", None).await;
    let mut others = Events::open(app, &other, "", None).await;
    app.post_empty("/api/agent/sign-out", Some(&agent))
        .await
        .ok();
    // A sign-out ends its session's streams at once (the 30 s check is
    // for expiry and for sign-outs in other processes).
    let ended = events.next_within(Duration::from_secs(1)).await;
    assert_eq!(ended, None, "the stream ends with its session");
    // The same person's other session goes on hearing events.
    let person = app.enrol(53, &[frozen(FreezeReason::Dormant)]).await;
    let case = mark(app, &other, person.card(0).0).await;
    others.until(|e| is_case(e, case, "marked")).await;
    app.get("/api/agent/events", Some(&agent))
        .await
        .error(401, "unauthenticated");
}

async fn shutdown_ends_the_streams(app: &TestApp) {
    let agent = app.staff("alice", Role::Agent).await;
    let mut events = Events::open(app, &agent, "", None).await;
    tokio::time::timeout(Duration::from_secs(10), app.stop())
        .await
        .expect("a graceful shutdown does not wait for the consoles");
    assert_eq!(events.next_within(Duration::from_secs(5)).await, None);
}
