//! A server-sent events parser, as the HTML standard's "event stream
//! interpretation" describes it, fed the body in whatever chunks the
//! network delivers: a line, a CR LF pair or a UTF-8 character may be split
//! between two chunks.

use std::time::Duration;

/// The longest line kept; a server that sends more without a line break
/// is broken, and the stream is reconnected rather than growing without
/// bound.
const MAX_LINE: usize = 1024 * 1024;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event:` field, `message` when there was none.
    pub(crate) name: String,
    /// The `data:` lines, joined by line feeds.
    pub(crate) data: String,
}

/// The stream sent a line longer than [`MAX_LINE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineTooLong;

/// The parser of one connection's body.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    /// The bytes of the line not yet ended.
    line: Vec<u8>,
    /// The previous chunk ended with CR: an LF opening this one ends
    /// nothing.
    after_cr: bool,
    /// The first line is read (a byte order mark may open it).
    started: bool,
    data: String,
    name: String,
    /// The `id:` buffer, kept from event to event as the standard says.
    id: String,
    /// The id of the last dispatched event, kept across reconnects.
    last_id: String,
    retry: Option<Duration>,
}

impl SseParser {
    /// A parser for a new connection, after the events up to `last_id`
    /// (empty: none seen), keeping the reconnection delay the server asked
    /// for on an earlier one.
    pub(crate) fn resuming(last_id: String, retry: Option<Duration>) -> Self {
        Self {
            id: last_id.clone(),
            last_id,
            retry,
            ..Self::default()
        }
    }

    /// The last dispatched event's id: what a reconnect sends as
    /// `Last-Event-ID`. `None` until the server sends one.
    pub(crate) fn last_event_id(&self) -> Option<&str> {
        (!self.last_id.is_empty()).then_some(self.last_id.as_str())
    }

    /// The reconnection delay the server asked for.
    pub(crate) fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// Reads a chunk; returns the events it completes.
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, LineTooLong> {
        let mut events = Vec::new();
        let mut rest = chunk;
        // An empty chunk says nothing about what follows the CR.
        if self.after_cr && !rest.is_empty() {
            self.after_cr = false;
            if let Some(after_lf) = rest.strip_prefix(b"\n") {
                rest = after_lf;
            }
        }
        while let Some(end) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            self.line.extend_from_slice(&rest[..end]);
            let line = std::mem::take(&mut self.line);
            if let Some(event) = self.line_done(&line) {
                events.push(event);
            }
            let crlf = rest[end] == b'\r' && rest.get(end + 1) == Some(&b'\n');
            if rest[end] == b'\r' && end + 1 == rest.len() {
                self.after_cr = true;
            }
            rest = &rest[end + if crlf { 2 } else { 1 }..];
        }
        self.line.extend_from_slice(rest);
        if self.line.len() > MAX_LINE {
            return Err(LineTooLong);
        }
        Ok(events)
    }

    fn line_done(&mut self, line: &[u8]) -> Option<SseEvent> {
        let mut line = line;
        if !self.started {
            self.started = true;
            line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
        }
        if line.is_empty() {
            return self.dispatch();
        }
        let line = String::from_utf8_lossy(line);
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            // A line opening with a colon is a comment (the keep-alive).
            "" => {}
            "event" => value.clone_into(&mut self.name),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            "id" if !value.contains('\0') => value.clone_into(&mut self.id),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(millis) = value.parse() {
                    self.retry = Some(Duration::from_millis(millis));
                }
            }
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        self.last_id.clone_from(&self.id);
        let name = std::mem::take(&mut self.name);
        if self.data.is_empty() {
            return None;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        Some(SseEvent {
            name: if name.is_empty() {
                "message".into()
            } else {
                name
            },
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, data: &str) -> SseEvent {
        SseEvent {
            name: name.into(),
            data: data.into(),
        }
    }

    /// Feeds `stream` cut at every `step` bytes and at every single cut
    /// point; each way must give the same events and the same last id.
    fn parse_every_way(stream: &[u8]) -> (Vec<SseEvent>, Option<String>) {
        let mut whole = SseParser::default();
        let expected = whole.feed(stream).unwrap();
        let expected_id = whole.last_event_id().map(str::to_owned);
        for cut in 0..=stream.len() {
            let mut parser = SseParser::default();
            let mut got = parser.feed(&stream[..cut]).unwrap();
            got.extend(parser.feed(&stream[cut..]).unwrap());
            assert_eq!(got, expected, "cut at {cut}");
            assert_eq!(parser.last_event_id().map(str::to_owned), expected_id);
            let mut with_empty = SseParser::default();
            let mut got = with_empty.feed(&stream[..cut]).unwrap();
            got.extend(with_empty.feed(b"").unwrap());
            got.extend(with_empty.feed(&stream[cut..]).unwrap());
            assert_eq!(got, expected, "cut at {cut} with an empty chunk");
        }
        for step in 1..=3 {
            let mut parser = SseParser::default();
            let mut got = Vec::new();
            for piece in stream.chunks(step) {
                got.extend(parser.feed(piece).unwrap());
            }
            assert_eq!(got, expected, "chunks of {step}");
        }
        (expected, expected_id)
    }

    #[test]
    fn events_come_whole_however_the_body_is_cut() {
        let stream = "\u{feff}: keep-alive\r\n\r\nid: 41\r\nevent: case\r\ndata: {\"kind\":\"case\",\r\ndata:\"名\":1}\r\n\r\nevent: resync\ndata: {}\n\nid:42\revent:card\rdata: x\r\r";
        let (events, last_id) = parse_every_way(stream.as_bytes());
        assert_eq!(
            events,
            [
                event("case", "{\"kind\":\"case\",\n\"名\":1}"),
                event("resync", "{}"),
                event("card", "x"),
            ]
        );
        assert_eq!(last_id.as_deref(), Some("42"));
    }

    #[test]
    fn the_standards_corner_cases() {
        // No event name is "message"; a field without a colon is the
        // field with no value; one leading space is dropped, not two; an
        // event without data is not dispatched but its id counts; unknown
        // fields and a bad retry are ignored.
        let stream = b"data\n\ndata:  two\nfoo: bar\nretry: 1x\n\nid: 7\n\nretry: 1500\ndata: a\n\ndata: unfinished";
        let (events, last_id) = parse_every_way(stream);
        assert_eq!(
            events,
            [
                event("message", ""),
                event("message", " two"),
                event("message", "a")
            ]
        );
        assert_eq!(last_id.as_deref(), Some("7"));
        let mut parser = SseParser::default();
        parser.feed(stream).unwrap();
        assert_eq!(parser.retry(), Some(Duration::from_millis(1500)));
    }

    #[test]
    fn an_id_counts_only_once_its_event_is_dispatched() {
        let mut parser = SseParser::resuming("5".into(), None);
        assert_eq!(parser.last_event_id(), Some("5"));
        parser.feed(b"id: 6\ndata: half").unwrap();
        // The connection could break here: event 6 never arrived.
        assert_eq!(parser.last_event_id(), Some("5"));
        parser.feed(b"\n\n").unwrap();
        assert_eq!(parser.last_event_id(), Some("6"));
        // An empty id resets it: the server asks for no Last-Event-ID.
        parser.feed(b"id\ndata: z\n\n").unwrap();
        assert_eq!(parser.last_event_id(), None);
        // An id with NUL is ignored.
        parser.feed(b"id: 8\0\ndata: z\n\n").unwrap();
        assert_eq!(parser.last_event_id(), None);
    }

    #[test]
    fn an_endless_line_is_refused() {
        let mut parser = SseParser::default();
        let chunk = vec![b'a'; 64 * 1024];
        let mut result = Ok(Vec::new());
        for _ in 0..=(MAX_LINE / chunk.len()) {
            result = parser.feed(&chunk);
        }
        assert_eq!(result, Err(LineTooLong));
    }
}
