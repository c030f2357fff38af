//! The checked-in OpenAPI document (docs/openapi.json) is the one the code
//! generates. Run with `UPDATE_OPENAPI=1` to rewrite it after an API change.

use std::path::PathBuf;

#[test]
fn the_published_openapi_document_matches_the_code() {
    let generated = carddesk_server::openapi::spec()
        .to_pretty_json()
        .expect("serialisable")
        + "\n";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).expect("write docs/openapi.json");
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        published == generated,
        "docs/openapi.json is out of date with the handlers; run `UPDATE_OPENAPI=1 cargo test -p carddesk-server --test openapi` and commit it"
    );
}

#[test]
fn every_route_of_both_apis_is_documented() {
    let spec = carddesk_server::openapi::spec();
    let paths: Vec<&str> = spec.paths.paths.keys().map(String::as_str).collect();
    for expected in [
        "/api/agent/sign-in",
        "/api/agent/customers/search",
        "/api/agent/cards/{card}/cases",
        "/api/agent/cases/{case}/instructions",
        "/api/agent/cases/{case}/approve",
        "/api/agent/cases",
        "/api/agent/audit/verify",
        "/api/agent/events",
        "/api/customer/unfreeze-requests",
        "/api/customer/challenge",
        "/api/customer/verification",
    ] {
        assert!(
            paths.contains(&expected),
            "{expected} is missing from the OpenAPI document: {paths:?}"
        );
    }
}
