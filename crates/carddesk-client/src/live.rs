//! The event stream as the console sees it: one stream of `DeskEvent`s for
//! the whole session, over as many connections as it takes.
//!
//! When a connection closes, breaks or goes silent, the client waits (with
//! backoff) and reconnects, sending `Last-Event-ID` with the last id the
//! server gave. By the wire's contract (`carddesk_wire::routes::EVENTS`)
//! the server then either resumes exactly after that event or sends
//! `resync` itself. When there is no id to send (the server gave none),
//! nothing says what was missed while the connection was down, so the
//! client yields `DeskEvent::Resync` first and the console re-reads its
//! screen. The stream ends when a reconnect is refused with a 4xx other
//! than 408 or 429: 401 means the session is over, and the others will
//! not change by asking again.

use std::collections::VecDeque;
use std::pin::Pin;

use carddesk_wire::{DeskEvent, EventStream, Token};
use futures_util::{Stream, StreamExt};
use reqwest::{Response, StatusCode};
use serde_json::Value;
use url::Url;

use crate::http::Transport;
use crate::retry::{self, Outcome};
use crate::sse::{SseEvent, SseParser};

type Body = Pin<Box<dyn Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

/// The session's events, starting with the connection `first` (already
/// opened by the caller, so that a refusal is the caller's error).
pub(crate) fn stream(transport: Transport, url: Url, token: Token, first: Response) -> EventStream {
    let live = Live {
        transport,
        url,
        token,
        body: Some(Box::pin(first.bytes_stream())),
        parser: SseParser::default(),
        ready: VecDeque::new(),
        last_was_resync: false,
        failures: 0,
    };
    Box::pin(futures_util::stream::unfold(live, |mut live| async move {
        live.next().await.map(|event| (event, live))
    }))
}

struct Live {
    transport: Transport,
    url: Url,
    token: Token,
    /// The open connection's body; `None` while reconnecting.
    body: Option<Body>,
    parser: SseParser,
    /// Events parsed but not yet taken.
    ready: VecDeque<DeskEvent>,
    /// A resync right after a resync tells the console nothing more.
    last_was_resync: bool,
    /// Failed reconnects since the last connection, for the backoff.
    failures: u32,
}

impl Live {
    async fn next(&mut self) -> Option<DeskEvent> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            let Some(body) = self.body.as_mut() else {
                if !self.reconnect().await {
                    return None;
                }
                continue;
            };
            let chunk = tokio::time::timeout(self.transport.idle_timeout, body.next()).await;
            match chunk {
                Ok(Some(Ok(chunk))) => match self.parser.feed(&chunk) {
                    Ok(events) => {
                        for event in events.iter().filter_map(decode) {
                            self.push(event);
                        }
                    }
                    Err(_) => self.body = None,
                },
                // Closed, broken or silent past the keep-alive: reconnect.
                Ok(None) | Ok(Some(Err(_))) | Err(_) => self.body = None,
            }
        }
    }

    fn push(&mut self, event: DeskEvent) {
        let resync = event == DeskEvent::Resync;
        if !(resync && self.last_was_resync) {
            self.ready.push_back(event);
        }
        self.last_was_resync = resync;
    }

    /// Waits, then tries one reconnect; `false` when the stream is over.
    async fn reconnect(&mut self) -> bool {
        let policy = &self.transport.policy;
        // The server may ask for a longer wait (`retry:`), never a shorter one.
        let base = self
            .parser
            .retry()
            .map_or(policy.base_delay, |asked| asked.max(policy.base_delay));
        tokio::time::sleep(retry::backoff(policy, self.failures, base)).await;
        let last_id = self.parser.last_event_id().map(str::to_owned);
        match self
            .transport
            .open_events(&self.url, &self.token, last_id.as_deref())
            .await
        {
            Ok(response) => {
                self.failures = 0;
                self.body = Some(Box::pin(response.bytes_stream()));
                let retry = self.parser.retry();
                self.parser = SseParser::resuming(last_id.clone().unwrap_or_default(), retry);
                if last_id.is_none() {
                    self.push(DeskEvent::Resync);
                }
                true
            }
            Err((Outcome::Answered(status), _)) if ends_stream(status) => false,
            Err(_) => {
                self.failures = self.failures.saturating_add(1);
                true
            }
        }
    }
}

/// Whether a refused reconnect ends the stream.
fn ends_stream(status: StatusCode) -> bool {
    status.is_client_error()
        && status != StatusCode::REQUEST_TIMEOUT
        && status != StatusCode::TOO_MANY_REQUESTS
}

/// The desk event an SSE event carries: its data is the event's JSON,
/// tagged with `kind`. Data without the tag (an older server) takes the
/// SSE event's name as its kind. An event this client does not know (a
/// newer server's) is skipped.
fn decode(event: &SseEvent) -> Option<DeskEvent> {
    let mut value: Value = serde_json::from_str(&event.data).ok()?;
    if let Value::Object(fields) = &mut value {
        fields
            .entry("kind")
            .or_insert_with(|| Value::String(event.name.clone()));
    }
    serde_json::from_value(value).ok()
}

#[cfg(test)]
mod tests {
    use carddesk_wire::{CardStatus, CaseState};

    use super::*;

    fn sse(name: &str, data: &str) -> SseEvent {
        SseEvent {
            name: name.into(),
            data: data.into(),
        }
    }

    #[test]
    fn events_decode_from_the_wire_shape_and_the_older_one() {
        let cases = [
            (
                sse("case", r#"{"kind":"case","case_id":3,"state":"verified"}"#),
                Some(DeskEvent::Case {
                    case_id: 3,
                    state: CaseState::Verified,
                }),
            ),
            (
                sse("card", r#"{"card_id":9,"status":"active"}"#),
                Some(DeskEvent::Card {
                    card_id: 9,
                    status: CardStatus::Active,
                }),
            ),
            (
                sse("attempt", r#"{"kind":"attempt","case_id":3,"remaining":1}"#),
                Some(DeskEvent::Attempt {
                    case_id: 3,
                    remaining: 1,
                }),
            ),
            (sse("resync", "{}"), Some(DeskEvent::Resync)),
            (
                sse("resync", r#"{"kind":"resync"}"#),
                Some(DeskEvent::Resync),
            ),
            (sse("message", r#"{"case_id":3}"#), None),
            (sse("refund", r#"{"kind":"refund","id":1}"#), None),
            (sse("case", "not json"), None),
        ];
        for (event, expected) in cases {
            assert_eq!(decode(&event), expected, "{event:?}");
        }
    }

    #[test]
    fn only_refusals_that_will_not_change_end_the_stream() {
        for (status, ends) in [
            (StatusCode::UNAUTHORIZED, true),
            (StatusCode::FORBIDDEN, true),
            (StatusCode::BAD_REQUEST, true),
            (StatusCode::TOO_MANY_REQUESTS, false),
            (StatusCode::REQUEST_TIMEOUT, false),
            (StatusCode::SERVICE_UNAVAILABLE, false),
            (StatusCode::INTERNAL_SERVER_ERROR, false),
        ] {
            assert_eq!(ends_stream(status), ends, "{status}");
        }
    }
}
