//! Secrets that never print: not in `Debug`, not in a refusal.

use secrecy::SecretString;

use super::*;

#[test]
fn debug_never_prints_a_secret() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = file(
        &dir,
        &format!(
            "database_url = \"postgres://carddesk:{DB_PASSWORD}@db/carddesk?password={DB_PASSWORD}\"\n\
             [sms_gateway]\nurl = \"https://sms.internal/send\"\nsecret = \"{SMS_SECRET}\"\n"
        ),
    );
    let env = Env::default()
        .with("CARDDESK_VOICE_GATEWAY_URL", "https://ivr.internal/prompt")
        .with("CARDDESK_VOICE_GATEWAY_SECRET", VOICE_SECRET);
    let config = load(Some(&path), &env, &Overrides::default()).expect("valid");
    for shown in [format!("{config:?}"), format!("{config:#?}")] {
        assert_no_secret(&shown);
        assert!(shown.contains("REDACTED"), "{shown}");
        assert!(
            shown.contains("postgres://carddesk:***@db/carddesk"),
            "{shown}"
        );
        assert!(shown.contains("https://sms.internal/send"), "{shown}");
    }
    let flags = Overrides {
        sms_gateway_secret: Some(SecretString::from(SMS_SECRET)),
        ..Overrides::default()
    };
    assert_no_secret(&format!("{flags:?}"));
    assert_no_secret(&format!("{:?}", config.sms_gateway.gateway().expect("SMS")));
}

#[test]
fn a_redis_url_is_checked_and_never_printed() {
    let env = Env::default().with(
        "CARDDESK_REDIS_URL",
        &format!("redis://:{DB_PASSWORD}@cache:6379/0"),
    );
    let config = load(None, &env, &Overrides::default()).expect("valid");
    assert!(config.redis_url.is_some());
    assert_no_secret(&format!("{config:#?}"));
    // Not Redis, and Redis over TLS, which the client is built without.
    for url in [
        format!("http://:{DB_PASSWORD}@cache"),
        format!("rediss://:{DB_PASSWORD}@cache"),
    ] {
        let env = Env::default().with("CARDDESK_REDIS_URL", &url);
        let all = problems(load(None, &env, &Overrides::default())).join("\n");
        assert!(
            all.contains("redis_url") && all.contains("redis://"),
            "{all}"
        );
        assert_no_secret(&all);
    }
}
