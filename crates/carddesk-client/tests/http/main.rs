//! The client's transport against tiny axum servers started on port 0
//! inside each test: what only a real connection shows (timeouts, broken
//! connections, retries and their keys, the event stream's reconnects).
//! The client against the real `carddesk-server` is the desk conformance
//! suite's job.

mod calls;
mod events;
mod support;
mod tls;
