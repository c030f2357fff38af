//! The URL of each call: the base URL, the agent API's prefix, the route
//! from `carddesk_wire::routes` with its id, and the query.

use carddesk_wire::{DeskError, ErrorCode, routes};
use serde::Serialize;
use serde_json::Value;
use url::Url;

/// The URL of `route` (a constant of `carddesk_wire::routes`) on the
/// server at `base`, keeping any path the base has.
pub(crate) fn endpoint(base: &Url, route: &str) -> Url {
    let mut url = base.clone();
    let path = format!(
        "{}{}{}",
        base.path().trim_end_matches('/'),
        routes::PREFIX,
        route
    );
    url.set_path(&path);
    url
}

/// The URL of a route with a `{…}` id in it.
pub(crate) fn endpoint_with_id(base: &Url, route: &str, id: i64) -> Url {
    endpoint(base, &routes::with_id(route, id))
}

/// `url` with `query`'s fields as its query string; absent (`None`)
/// fields are left out, as the server's query extractor expects.
pub(crate) fn with_query<Q: Serialize>(mut url: Url, query: &Q) -> Result<Url, DeskError> {
    let not_flat = || DeskError::new(ErrorCode::Internal, "a query could not be written");
    let Value::Object(fields) = serde_json::to_value(query).map_err(|_| not_flat())? else {
        return Err(not_flat());
    };
    let mut pairs = Vec::with_capacity(fields.len());
    for (name, value) in fields {
        let value = match value {
            Value::Null => continue,
            Value::String(text) => text,
            Value::Number(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            Value::Array(_) | Value::Object(_) => return Err(not_flat()),
        };
        pairs.push((name, value));
    }
    if !pairs.is_empty() {
        url.query_pairs_mut().extend_pairs(pairs);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use carddesk_wire::{AuditQuery, EventFilter, QueueQuery};

    use super::*;

    fn base(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn routes_go_under_the_prefix_and_the_base_path() {
        let plain = base("http://127.0.0.1:4000");
        assert_eq!(
            endpoint(&plain, routes::SIGN_IN).as_str(),
            "http://127.0.0.1:4000/api/agent/sign-in"
        );
        assert_eq!(
            endpoint_with_id(&plain, routes::CARD_HISTORY, 42).as_str(),
            "http://127.0.0.1:4000/api/agent/cards/42/history"
        );
        for with_path in [
            "https://gw.example/carddesk",
            "https://gw.example/carddesk/",
        ] {
            assert_eq!(
                endpoint_with_id(&base(with_path), routes::VOICE_AUDIO, 7).as_str(),
                "https://gw.example/carddesk/api/agent/outbox/7/audio"
            );
        }
    }

    #[test]
    fn queries_leave_out_absent_fields_and_escape_the_rest() {
        let url = endpoint(&base("http://127.0.0.1:4000"), routes::QUEUE);
        let query = QueueQuery {
            state: Some("verified,approved".into()),
            limit: Some(20),
            ..QueueQuery::default()
        };
        assert_eq!(
            with_query(url.clone(), &query).unwrap().query(),
            Some("limit=20&state=verified%2Capproved")
        );
        assert_eq!(
            with_query(url.clone(), &QueueQuery::default())
                .unwrap()
                .query(),
            None
        );

        let audit = AuditQuery {
            object: Some("case:12 & more".into()),
            after: Some(-1),
            limit: None,
        };
        let url = with_query(url, &audit).unwrap();
        let pairs: Vec<_> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                ("after".to_owned(), "-1".to_owned()),
                ("object".to_owned(), "case:12 & more".to_owned())
            ]
        );

        let events = endpoint(&base("http://127.0.0.1:4000"), routes::EVENTS);
        assert_eq!(
            with_query(events.clone(), &EventFilter { case: Some(9) })
                .unwrap()
                .as_str(),
            "http://127.0.0.1:4000/api/agent/events?case=9"
        );
        assert_eq!(
            with_query(events, &EventFilter::default())
                .unwrap()
                .as_str(),
            "http://127.0.0.1:4000/api/agent/events"
        );
    }
}
