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
    use carddesk_wire::routes;
    let spec = carddesk_server::openapi::spec();
    let paths: Vec<&str> = spec.paths.paths.keys().map(String::as_str).collect();
    let agent = [
        routes::SIGN_IN,
        routes::SIGN_OUT,
        routes::ME,
        routes::SEARCH,
        routes::CUSTOMER,
        routes::CARD_HISTORY,
        routes::MARK,
        routes::SEND_UNFREEZE,
        routes::QUEUE,
        routes::CASE,
        routes::TIMELINE,
        routes::PREVIEW,
        routes::PACKAGE,
        routes::INSTRUCT,
        routes::RESEND,
        routes::CANCEL,
        routes::APPROVE,
        routes::REJECT,
        routes::REASSIGN,
        routes::VOICE_AUDIO,
        routes::AUDIT,
        routes::VERIFY_AUDIT,
        routes::EVENTS,
        routes::INTERVIEWS,
        routes::CLAIM_INTERVIEW,
        routes::REASSIGN_INTERVIEW,
        routes::VERDICT,
        routes::OVERRIDE,
        routes::DECLINE_OVERRIDE,
        routes::INTERVIEW_MEDIA,
    ]
    .map(|route| format!("{}{route}", routes::PREFIX));
    let applicant = [
        "/applications",
        "/application",
        "/withdrawal",
        "/two-card/card",
        "/two-card/code",
        "/media/{kind}",
        "/card/reveal",
    ]
    .map(|route| format!("{}{route}", carddesk_server::applicant::PREFIX));
    for expected in agent.iter().chain(&applicant).map(String::as_str).chain([
        "/api/customer/unfreeze-requests",
        "/api/customer/challenge",
        "/api/customer/verification",
        carddesk_server::health::LIVE,
        carddesk_server::health::READY,
    ]) {
        assert!(
            paths.contains(&expected),
            "{expected} is missing from the OpenAPI document: {paths:?}"
        );
    }
    assert_eq!(
        paths.len(),
        agent.len() + applicant.len() + 5,
        "no route undocumented: {paths:?}"
    );
}

/// The document states what a generated client must respect: the enums'
/// values and the bounds of lengths and numbers.
#[test]
fn enums_and_bounds_are_stated() {
    let doc: serde_json::Value =
        serde_json::from_str(&carddesk_server::openapi::spec().to_json().expect("JSON"))
            .expect("parse");
    let schemas = &doc["components"]["schemas"];
    for (name, some_values) in [
        ("CaseState", &["marked", "unfrozen", "rejected"][..]),
        ("FreezeReason", &["wrong_pin_limit", "court_order"][..]),
        ("CardStatus", &["active", "frozen", "closed"][..]),
        ("Role", &["agent", "supervisor", "admin"][..]),
        (
            "ErrorCode",
            &[
                "invalid_input",
                "forbidden",
                "maker_checker",
                "rate_limited",
            ][..],
        ),
        ("MatchKind", &["phone", "name_prefix", "id_last_four"][..]),
        ("Credential", &["id_number", "transaction_password"][..]),
        ("Outcome", &["success", "failure", "refused"][..]),
    ] {
        let values = schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is an enum: {}", schemas[name]));
        for value in some_values {
            assert!(
                values.contains(&serde_json::json!(value)),
                "{name}: {value}"
            );
        }
    }
    // A verdict's shape: a pass without reasons, a fail or a retry with at
    // least one reason and no checklist.
    let shapes = &schemas["VerdictRequest"]["allOf"][1]["anyOf"];
    assert_eq!(
        shapes[0]["properties"]["verdict"]["enum"],
        serde_json::json!(["pass"])
    );
    assert_eq!(shapes[0]["properties"]["reasons"]["maxItems"], 0);
    assert_eq!(
        shapes[1]["properties"]["verdict"]["enum"],
        serde_json::json!(["fail", "retry"])
    );
    assert_eq!(shapes[1]["properties"]["reasons"]["minItems"], 1);
    assert_eq!(shapes[1]["properties"]["checklist"]["maxItems"], 0);
    // An application without both consents is refused: the document says
    // so, so a generated client cannot send one.
    for consent in ["consent_terms", "consent_recording"] {
        assert_eq!(
            schemas["ApplyBody"]["properties"][consent]["enum"],
            serde_json::json!([true]),
            "{consent}"
        );
    }
    assert_eq!(
        schemas["SearchRequest"]["properties"]["query"]["maxLength"],
        64
    );
    assert_eq!(
        schemas["SearchRequest"]["properties"]["query"]["minLength"],
        1
    );
    assert_eq!(
        schemas["SearchRequest"]["properties"]["limit"]["maximum"],
        50
    );
    assert_eq!(
        schemas["ReasonRequest"]["properties"]["reason"]["maxLength"],
        500
    );
    assert_eq!(
        schemas["SignInRequest"]["properties"]["username"]["maxLength"],
        64
    );
    assert_eq!(
        schemas["ErrorBody"]["properties"]["code"]["$ref"],
        "#/components/schemas/ErrorCode"
    );
    let queue = &doc["paths"]["/api/agent/cases"]["get"]["parameters"];
    let limit = queue
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("a limit parameter");
    assert_eq!(limit["schema"]["maximum"], 200);
    let events = &doc["paths"]["/api/agent/events"]["get"]["parameters"];
    assert!(
        events
            .as_array()
            .expect("parameters")
            .iter()
            .any(|p| p["name"] == "case"),
        "{events}"
    );
}
