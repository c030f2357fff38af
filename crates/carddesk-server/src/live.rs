//! Live events for consoles, as server-sent events: a case's progress and
//! the queues' changes, within a fraction of a second of the change, from
//! whichever server process made it (see `carddesk_processor::events`).
//!
//! Who may listen, to what, and for how long, is the desk's: each
//! connection opens `LocalDesk::watch_as` for its session, hears only the
//! events `Event::audible_to` its member of staff, and ends when the
//! desk's stream does (the session was signed out or ran out). Resuming is the transport's: an
//! [`EventLog`] numbers the processor's events as this process hears them
//! and keeps the latest [`KEPT`] in memory, so a console that reconnects
//! with `Last-Event-ID` gets exactly what it missed, filtered as it asked.
//! An id the log cannot resume from (too old, or given by another server
//! process, whose numbers mean nothing here) gets `resync` first: the
//! console re-reads its screen rather than trust a gap.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::routing::get;
use axum::{Extension, Router};
use carddesk_domain::StaffMember;
use carddesk_processor::desk::convert;
use carddesk_processor::{Event, Processor};
use carddesk_wire::{DeskEvent, EventFilter, EventStream, routes};
use futures::{Stream, StreamExt};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::watch;

use crate::AppState;
use crate::extract::{Origin, QueryOf, StaffToken};
use axum::response::IntoResponse;

/// How many recent events the log keeps for reconnects: at a few events
/// per case step, minutes of a busy desk.
pub const KEPT: usize = 4096;
/// How far a slow connection may fall behind before it gets `resync`.
const BACKLOG: usize = 1024;
/// How often an idle stream sends a comment, so proxies keep it open and
/// the client can tell a quiet desk from a dead connection.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The live routes, under `/api/agent`, reading `log`.
pub fn routes(log: Arc<EventLog>) -> Router<AppState> {
    Router::new()
        .route(routes::EVENTS, get(events))
        .layer(Extension(log))
}

/// An event as the log keeps it: the processor's, which knows who may
/// hear it, or a gap the log itself fell into.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Logged {
    Event(Event),
    Resync,
}

impl Logged {
    /// What `staff`, watching through `filter`, hears of this.
    fn heard_by(&self, staff: &StaffMember, filter: &EventFilter) -> Option<DeskEvent> {
        match self {
            Logged::Event(event) if event.audible_to(staff) => {
                Some(convert::event(event)).filter(|e| filter.admits(e))
            }
            Logged::Event(_) => None,
            Logged::Resync => Some(DeskEvent::Resync),
        }
    }
}

/// An event and its number in the log.
type Numbered = (u64, Logged);
/// An event as one connection hears it, and its number.
type Heard = (u64, DeskEvent);

/// The recent events of this process, numbered.
#[derive(Debug)]
pub struct EventLog {
    /// Random per log: ids carry it, so an id from another process (or an
    /// earlier run of this one) is never mistaken for one of ours.
    epoch: String,
    ring: Mutex<Ring>,
    live: broadcast::Sender<Numbered>,
    started: AtomicBool,
    closing: watch::Sender<bool>,
    /// Streams open now, against `overload::Limits::event_streams`.
    open: Arc<AtomicUsize>,
}

#[derive(Debug)]
struct Ring {
    /// The number the next event gets; numbers start at 1.
    next: u64,
    entries: VecDeque<Numbered>,
}

impl EventLog {
    /// An empty log. It starts listening with its first watcher.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            epoch: format!("{:08x}", rand::random::<u32>()),
            ring: Mutex::new(Ring {
                next: 1,
                entries: VecDeque::new(),
            }),
            live: broadcast::channel(BACKLOG).0,
            started: AtomicBool::new(false),
            closing: watch::channel(false).0,
            open: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Ends every stream (the server is shutting down: open streams
    /// would hold a graceful shutdown forever).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Subscribes the log to `processor`'s events, once. The task ends
    /// when the processor's events do, or when the log is dropped.
    fn start(self: &Arc<Self>, processor: &Processor) {
        if self.started.swap(true, Ordering::SeqCst) {
            return;
        }
        let receiver = processor.events().subscribe();
        tokio::spawn(fill(Arc::downgrade(self), receiver));
    }

    fn ring(&self) -> std::sync::MutexGuard<'_, Ring> {
        // A panic while holding the lock leaves the ring consistent (each
        // change is one push or pop), so a poisoned lock is still usable.
        self.ring
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn push(&self, event: Logged) {
        let mut ring = self.ring();
        let seq = ring.next;
        ring.next += 1;
        ring.entries.push_back((seq, event.clone()));
        if ring.entries.len() > KEPT {
            ring.entries.pop_front();
        }
        // Sent under the lock, so a connection that snapshots the ring and
        // subscribes under it sees every event once.
        let _ = self.live.send((seq, event));
    }

    /// A place among the open streams, or `None` when all `cap` are taken.
    /// Taken and checked in one atomic step, so racing connections cannot
    /// all see room for one more.
    fn open_stream(&self, cap: usize) -> Option<OpenStream> {
        let before = self.open.fetch_add(1, Ordering::SeqCst);
        let place = OpenStream(self.open.clone());
        (before < cap).then_some(place)
    }

    /// The number of the latest event (0 before the first).
    fn head(&self) -> u64 {
        self.ring().next - 1
    }

    /// A connection's start: what to replay after `last_id` (or `resync`
    /// when that cannot be done), the live feed, and the latest number
    /// already covered.
    fn connect(
        &self,
        last_id: Option<&str>,
        staff: &StaffMember,
        filter: EventFilter,
    ) -> (VecDeque<Heard>, broadcast::Receiver<Numbered>, u64) {
        let ring = self.ring();
        let live = self.live.subscribe();
        let head = ring.next - 1;
        let Some(last_id) = last_id else {
            return (VecDeque::new(), live, head);
        };
        let oldest = ring.entries.front().map_or(ring.next, |(seq, _)| *seq);
        let resumable = self
            .parse(last_id)
            .filter(|seen| (oldest - 1..=head).contains(seen));
        let ready = match resumable {
            Some(seen) => ring
                .entries
                .iter()
                .filter(|(seq, _)| *seq > seen)
                .filter_map(|(seq, logged)| Some((*seq, logged.heard_by(staff, &filter)?)))
                .collect(),
            None => VecDeque::from([(head, DeskEvent::Resync)]),
        };
        (ready, live, head)
    }

    /// The number in one of our ids (`<epoch>-<number>`).
    fn parse(&self, id: &str) -> Option<u64> {
        let (epoch, seq) = id.split_once('-')?;
        (epoch == self.epoch).then(|| seq.parse().ok()).flatten()
    }

    fn sse(&self, (seq, event): &Heard) -> SseEvent {
        let data = serde_json::to_string(event).unwrap_or_else(|_| "{}".to_owned());
        SseEvent::default()
            .id(format!("{}-{seq}", self.epoch))
            .event(event.kind())
            .data(data)
    }
}

/// Numbers the processor's events into the log.
async fn fill(log: Weak<EventLog>, mut receiver: broadcast::Receiver<carddesk_processor::Event>) {
    loop {
        let event = match receiver.recv().await {
            Ok(event) => Logged::Event(event),
            // The log itself fell behind: whoever replays across the gap
            // must re-read.
            Err(RecvError::Lagged(_)) => Logged::Resync,
            Err(RecvError::Closed) => return,
        };
        let Some(log) = log.upgrade() else { return };
        log.push(event);
    }
}

/// A place among the open streams, given up when the stream ends.
struct OpenStream(Arc<AtomicUsize>);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One connection's events.
struct Connection {
    _place: OpenStream,
    log: Arc<EventLog>,
    /// Who listens: they hear only what they may see.
    staff: StaffMember,
    filter: EventFilter,
    ready: VecDeque<Heard>,
    live: broadcast::Receiver<Numbered>,
    /// The latest number replayed or skipped: the live feed may repeat it.
    seen: u64,
    /// The desk's stream: only its end matters (the session is over).
    session: EventStream,
    closing: watch::Receiver<bool>,
}

async fn next(mut c: Connection) -> Option<(Result<SseEvent, Infallible>, Connection)> {
    loop {
        if let Some(numbered) = c.ready.pop_front() {
            let event = c.log.sse(&numbered);
            return Some((Ok(event), c));
        }
        tokio::select! {
            _ = c.closing.wait_for(|closing| *closing) => return None,
            // The session is over when the desk's stream ends.
            still = c.session.next() => { still.as_ref()?; }
            got = c.live.recv() => match got {
                Ok((seq, logged)) => {
                    if seq > c.seen {
                        c.seen = seq;
                        if let Some(event) = logged.heard_by(&c.staff, &c.filter) {
                            c.ready.push_back((seq, event));
                        }
                    }
                }
                // This connection fell behind: tell it to re-read rather
                // than pretend nothing was missed, and go on from now.
                Err(RecvError::Lagged(_)) => {
                    c.seen = c.log.head();
                    c.ready.push_back((c.seen, DeskEvent::Resync));
                }
                Err(RecvError::Closed) => return None,
            },
        }
    }
}

#[utoipa::path(get, path = routes::EVENTS, context_path = routes::PREFIX, params(EventFilter,
        ("Last-Event-ID" = Option<String>, Header, description = "the `id` of the last event seen: the stream resumes after it, or starts with `resync`")),
    security(("bearer" = [])),
    responses((status = 200, description = "server-sent events, each a StreamedEvent: `event` is the kind, `data` a DeskEvent as JSON, `id` resumes", content_type = "text/event-stream", body = StreamedEvent), crate::agent::Refused))]
async fn events(
    State(s): State<AppState>,
    Extension(log): Extension<Arc<EventLog>>,
    Origin(origin): Origin,
    StaffToken(token): StaffToken,
    QueryOf(filter): QueryOf<EventFilter>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, axum::response::Response> {
    let Some(place) = log.open_stream(s.limits.event_streams) else {
        tracing::warn!("a live event stream was refused: all are taken");
        return Err(crate::overload::unavailable(
            "too many live connections; the console will try again",
        ));
    };
    let (staff, session) = crate::agent::desk(&s, origin)
        .watch_as(&token, filter)
        .await
        .map_err(|e| crate::error::ApiError::from(e).into_response())?;
    log.start(&s.processor);
    let last_id = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    let (ready, live, seen) = log.connect(last_id, &staff, filter);
    let connection = Connection {
        _place: place,
        closing: log.closing.subscribe(),
        log,
        staff,
        filter,
        ready,
        live,
        seen,
        session,
    };
    let stream = futures::stream::unfold(connection, next);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// One server-sent event as the stream carries it (the shape OpenAPI
/// 3.2 gives `text/event-stream` items): documentation of the wire only,
/// the stream is written by axum's `Sse`.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct StreamedEvent {
    /// The DeskEvent's `kind`.
    #[schema(pattern = "^(case|attempt|card|instruction|resync)$")]
    event: String,
    /// Pass back as `Last-Event-ID` to resume after this event.
    id: String,
    /// The event itself: a DeskEvent, as JSON.
    #[schema(content_media_type = "application/json")]
    data: String,
}

/// The live events' OpenAPI paths.
#[derive(Debug, utoipa::OpenApi)]
#[openapi(paths(events), components(schemas(StreamedEvent, DeskEvent)))]
pub struct LiveApi;

#[cfg(test)]
mod tests;
