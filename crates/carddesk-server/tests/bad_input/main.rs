//! Bad input at every edge, on SQLite and PostgreSQL: malformed, oversized
//! and mistyped bodies, unknown fields, missing content types, control
//! characters, very long strings, injection attempts, ids that do not
//! exist, unknown endpoints and methods, and another case's session. Each
//! gets a 4xx in the `{code, message}` shape, and the database is the same
//! afterwards.

#[path = "../common/mod.rs"]
mod common;

mod access;
mod agent;
mod customer;
mod paths;

use access::{another_cases_session, injection_in_sign_in};
use agent::agent_edges;
use common::{Resp, TestApp};
use customer::customer_edges;
use paths::paths_and_endpoints;
use reqwest::Method;

on_both_databases! {
    agent_edges => sqlite_agent_edges, postgres_agent_edges;
    customer_edges => sqlite_customer_edges, postgres_customer_edges;
    paths_and_endpoints => sqlite_paths_and_endpoints, postgres_paths_and_endpoints;
    another_cases_session => sqlite_another_cases_session, postgres_another_cases_session;
    injection_in_sign_in => sqlite_injection_in_sign_in, postgres_injection_in_sign_in;
}

/// A raw POST: the body as given, with the content type as given.
pub(crate) async fn post_raw(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Resp {
    let mut request = app.request(Method::POST, path, token).body(body);
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    app.send(request).await
}

pub(crate) const JSON: Option<&str> = Some("application/json");

/// Strings that must never reach the database as they are.
pub(crate) fn hostile_strings() -> Vec<String> {
    vec![
        "' OR '1'='1".to_owned(),
        "1; DROP TABLE cards; --".to_owned(),
        "\" OR \"\"=\"".to_owned(),
        "'); DELETE FROM unfreeze_cases; --".to_owned(),
        "1' UNION SELECT password_hash FROM cards --".to_owned(),
        "\u{0}\u{1}\u{7}\u{1b}[31m\r\n".to_owned(),
        "line\nbreak".to_owned(),
        "\u{202e}gnp.exe".to_owned(),
        "x".repeat(10_000),
        "９".repeat(18),
        "𝟘".repeat(18),
        String::new(),
        " ".to_owned(),
    ]
}
