//! A request id for every request, carried from the `X-Request-Id` header
//! (a proxy's or a console's) into the request's log span and back on the
//! answer, so one call can be followed through every line it logged. An id
//! is taken only if it is short and plain (letters, digits, `-`, `_`,
//! `.`): anything else is replaced, since it would be written to the log.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The header.
pub const HEADER: &str = "x-request-id";

/// This request's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

fn plain(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Gives the request its id (the caller's, if plain, else a new one) and
/// names it on the answer.
pub async fn assign(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| plain(id))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(req).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn only_plain_ids_are_kept() {
        assert!(plain("3f2a-77_b.9"));
        assert!(!plain(""));
        assert!(!plain(&"a".repeat(65)));
        assert!(!plain("id with spaces"));
        assert!(!plain("id\nforged log line"));
        assert!(!plain("ZZZZZ-ZZZZZ?code=1"));
    }
}
