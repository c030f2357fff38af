//! A typed HTTP client for `carddesk-server`'s agent API: the console's
//! desk in connected mode, and the client tests and the load generator use.
//!
//! [`HttpDesk`] implements [`carddesk_wire::Desk`] by calling each route of
//! [`carddesk_wire::routes`] under `/api/agent` with the wire types as JSON
//! and the session token as a bearer token. It decides nothing: roles,
//! whose case it is and auditing are the server's.
//!
//! What it adds is the transport's care:
//! - errors come back as the desk's `{code, message}`: the server's own,
//!   `unavailable` when it cannot be reached or does not answer in time,
//!   `internal` for an answer that is not the server's; no message names
//!   the URL or carries the token;
//! - every `POST` carries a fresh `Idempotency-Key`, and a write whose
//!   connection failed is sent again with the same key (the server answers
//!   a repeat with the first answer); reads are also retried on 5xx;
//!   nothing is retried on 4xx;
//! - the live events are server-sent events, reconnected with backoff and
//!   `Last-Event-ID`, with `Resync` when events may have been missed, until
//!   the session ends;
//! - TLS is rustls, with the bank's own root certificate when it has one,
//!   and plain HTTP only to this machine.
//!
//! ```no_run
//! use carddesk_client::{ClientConfig, HttpDesk};
//! use carddesk_wire::Desk;
//!
//! # async fn example() -> Result<(), carddesk_wire::DeskError> {
//! let url = "http://127.0.0.1:8080".parse().expect("a URL");
//! let desk = HttpDesk::new(ClientConfig::new(url))?;
//! assert!(desk.local_outbox().await.is_err());
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod config;
mod desk;
mod endpoint;
mod failure;
mod http;
mod live;
mod retry;
mod sse;

pub use config::{ClientConfig, RetryPolicy};
pub use desk::HttpDesk;
/// The URL type of [`ClientConfig::base_url`].
pub use url::Url;
