//! Extractors that turn what arrives into typed values or a `{code,
//! message}` error: JSON bodies, query strings, path ids, bearer tokens,
//! the caller's address. Transport only: nothing here checks a role.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use secrecy::SecretString;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body; malformed, oversized or mistyped bodies get a 4xx in the
/// common shape.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                carddesk_wire::ErrorCode::InvalidInput,
                "send the body as application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    carddesk_wire::ErrorCode::TooLarge,
                    "the request body is too large",
                )
            } else {
                ApiError::invalid("the request body could not be read")
            }
        })?;
        parse_json(&bytes).map(Self)
    }
}

/// Whether the request says its body is JSON (`application/json` or
/// `application/…+json`).
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a JSON body. The error says what is wrong and where, in words of
/// the server's own types, and never echoes what was sent: serde's
/// messages quote the offending value (a password sent as a number, an
/// ID number, a field name of any length and content), so only their
/// safe parts are kept.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    T::deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|e| ApiError::invalid(describe_json_error(&e)))
}

fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => format!(
            "the body is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ),
        Category::Data => describe_data_error(&e.to_string()),
    }
}

/// The safe part of a serde data error (also used for query strings):
/// what kind of problem, and what was expected, which comes from the
/// server's own types. Whatever quotes the input is dropped.
pub fn describe_data_error(message: &str) -> String {
    // serde_json appends the position; it is not needed to say what's wrong.
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => message,
    };
    let expected = message
        .rfind(", expected ")
        .map(|at| &message[at + 2..])
        // It names the server's own types and fields: plain words only.
        .filter(|rest| {
            rest.len() <= 200
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b" `,_-".contains(&b))
        });
    let safe = if message.starts_with("missing field `") || message.starts_with("duplicate field `")
    {
        // The field named is one of the server's own.
        Some(message.to_owned())
    } else {
        [
            ("unknown field", "unknown field"),
            ("invalid type", "a value of the wrong type"),
            ("invalid value", "a value out of range"),
            ("invalid length", "a value of the wrong length"),
            ("unknown variant", "an unknown value"),
        ]
        .into_iter()
        .find(|(prefix, _)| message.starts_with(prefix))
        .map(|(_, what)| match expected {
            Some(expected) => format!("{what}; {expected}"),
            None => what.to_owned(),
        })
    };
    let mut safe = safe.unwrap_or_else(|| "the body does not have the expected fields".to_owned());
    safe.retain(|c| !c.is_control());
    if safe.chars().count() > 200 {
        safe = safe.chars().take(200).collect();
    }
    safe
}

/// A numeric id from the path (`/cases/{case}`); anything else gets 400 in
/// the common shape.
#[derive(Debug, Clone, Copy)]
pub struct PathId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<i64>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(id)| Self(id))
            .map_err(|_| ApiError::invalid("an id in the path is a whole number"))
    }
}

/// A query string; one that does not parse gets 400 in the common shape.
#[derive(Debug)]
pub struct QueryOf<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryOf<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(q)| Self(q))
            .map_err(|rejection| {
                let text = rejection.body_text();
                let detail = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or("");
                ApiError::invalid(format!(
                    "the query string does not parse: {}",
                    describe_query_error(detail)
                ))
            })
    }
}

/// serde_urlencoded's messages name the field (`limit: invalid digit`) or
/// quote it (unknown fields): keep the first kind when the field is ours.
fn describe_query_error(detail: &str) -> String {
    if detail.starts_with("unknown field")
        || detail.starts_with("invalid type")
        || detail.starts_with("invalid value")
        || detail.starts_with("missing field")
    {
        return describe_data_error(detail);
    }
    match detail.split_once(": ") {
        Some((field, problem))
            if field.len() <= 32 && field.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') =>
        {
            let problem = if problem.len() <= 64
                && problem.bytes().all(|b| b.is_ascii_lowercase() || b == b' ')
            {
                problem
            } else {
                "not a valid value"
            };
            format!("{field}: {problem}")
        }
        _ => "a parameter has a value of the wrong type".to_owned(),
    }
}

/// The bearer token of the `Authorization` header.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<SecretString> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty() && token.len() <= 128).then(|| SecretString::from(token.to_owned()))
}

/// The staff session token of the `Authorization` header. Whether it is
/// a live session, and what its role allows, is the desk's to say; a
/// request without one gets 401 here, since there is nothing to ask with.
#[derive(Debug)]
pub struct StaffToken(pub SecretString);

impl<S: Send + Sync> FromRequestParts<S> for StaffToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        bearer(&parts.headers)
            .map(Self)
            .ok_or_else(ApiError::sign_in_first)
    }
}

/// The customer's session token (from the `Authorization` header).
#[derive(Debug)]
pub struct CustomerToken(pub SecretString);

impl<S: Send + Sync> FromRequestParts<S> for CustomerToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        bearer(&parts.headers).map(Self).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                carddesk_wire::ErrorCode::Unauthenticated,
                "open your unfreeze code first",
            )
        })
    }
}

/// Where a request came from, for the audit log.
#[derive(Debug, Clone)]
pub struct Origin(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(client_addr(&parts.extensions)))
    }
}

/// The client's IP address: as `forwarded::resolve` found it behind
/// trusted proxies, else as the listener saw it.
pub fn client_addr(extensions: &axum::http::Extensions) -> String {
    if let Some(crate::forwarded::ClientIp(ip)) = extensions.get() {
        return ip.to_string();
    }
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_canonical().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}
