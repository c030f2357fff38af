//! Validation: settings that need each other, malformed values and file
//! errors, each named with where it was set and never quoted.

use secrecy::SecretString;

use super::*;

#[test]
fn a_gateway_needs_both_its_url_and_its_secret() {
    let env = Env::default().with("CARDDESK_SMS_GATEWAY_URL", "https://sms.internal/send");
    let refused = problems(load(None, &env, &Overrides::default()));
    assert_eq!(
        refused,
        [
            "sms_gateway.url (from CARDDESK_SMS_GATEWAY_URL) is set but sms_gateway.secret is not: \
          the gateway's requests are signed with it"
        ]
    );

    let flags = Overrides {
        voice_gateway_secret: Some(SecretString::from(VOICE_SECRET)),
        ..Overrides::default()
    };
    let refused = problems(load(None, &Env::default(), &flags));
    assert_eq!(
        refused,
        [
            "voice_gateway.secret (from --voice-gateway-secret) is set but voice_gateway.url is not: \
          a secret needs its gateway"
        ]
    );

    let env = Env::default()
        .with("CARDDESK_SMS_GATEWAY_URL", "https://sms.internal/send")
        .with("CARDDESK_SMS_GATEWAY_SECRET", "   ");
    let refused = problems(load(None, &env, &Overrides::default()));
    assert_eq!(
        refused,
        ["sms_gateway.secret (from CARDDESK_SMS_GATEWAY_SECRET): is blank"]
    );
}

#[test]
fn tls_needs_both_files() {
    let flags = Overrides {
        tls_cert: Some("/etc/carddesk/cert.pem".into()),
        ..Overrides::default()
    };
    let refused = problems(load(None, &Env::default(), &flags));
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with("tls.cert (from --tls-cert) is set but tls.key is not"),
        "{refused:?}"
    );

    let dir = tempfile::tempdir().expect("temporary directory");
    let path = file(&dir, "[tls]\nkey = \"/etc/carddesk/key.pem\"\n");
    let refused = problems(load(Some(&path), &Env::default(), &Overrides::default()));
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with(&format!(
            "tls.key (in {}) is set but tls.cert is not",
            path.display()
        )),
        "{refused:?}"
    );
}

#[test]
fn malformed_values_are_named_and_never_quoted() {
    // Each problem found at once, named with where it was set.
    let env = Env::default()
        .with("CARDDESK_PUBLIC_URL", "unfreeze.example-bank.cn")
        .with(
            "CARDDESK_SMS_GATEWAY_URL",
            &format!("ftp://{SMS_SECRET}.internal"),
        )
        .with("CARDDESK_SMS_GATEWAY_SECRET", SMS_SECRET)
        .with(
            "CARDDESK_VOICE_GATEWAY_URL",
            &format!("https://u:{VOICE_SECRET}@ivr.internal"),
        )
        .with("CARDDESK_VOICE_GATEWAY_SECRET", VOICE_SECRET)
        .with(
            "DATABASE_URL",
            &format!("mysql://carddesk:{DB_PASSWORD}@db/carddesk"),
        );
    let refused = problems(load(None, &env, &Overrides::default()));
    assert_eq!(
        refused,
        [
            "database_url (from DATABASE_URL): use `sqlite:PATH` or `postgres://USER@HOST/DATABASE`",
            "public_url (from CARDDESK_PUBLIC_URL): not a valid URL (relative URL without a base)",
            "sms_gateway.url (from CARDDESK_SMS_GATEWAY_URL): use an http:// or https:// URL",
            "voice_gateway.url (from CARDDESK_VOICE_GATEWAY_URL): the URL must not carry a user name or password",
        ]
    );

    // A malformed address, from a flag and from the environment.
    let flags = Overrides {
        listen: Some("localhost".to_owned()),
        ..Overrides::default()
    };
    assert_eq!(
        problems(load(None, &Env::default(), &flags)),
        ["listen (from --listen): invalid socket address syntax"]
    );
    let env = Env::default().with("CARDDESK_LISTEN", "127.0.0.1:99999");
    assert_eq!(
        problems(load(None, &env, &Overrides::default())),
        ["listen (from CARDDESK_LISTEN): invalid socket address syntax"]
    );
}

#[test]
fn file_errors_name_the_place_without_quoting_the_file() {
    let dir = tempfile::tempdir().expect("temporary directory");
    // A secret of the wrong type: the error says what kind, not what.
    let path = file(
        &dir,
        "[sms_gateway]\nurl = \"https://sms.internal\"\nsecret = 7719\n",
    );
    let refused = problems(load(Some(&path), &Env::default(), &Overrides::default()));
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with(&format!(
            "sms_gateway.secret (in {}): a whole number",
            path.display()
        )),
        "{refused:?}"
    );
    assert!(!refused[0].contains("7719"), "{refused:?}");

    // A typo is an unknown setting, not silently ignored.
    let path = file(&dir, "[sms_gateway]\nsecrte = \"x\"\n");
    let refused = problems(load(Some(&path), &Env::default(), &Overrides::default()));
    assert!(
        refused[0].starts_with("unknown setting `secrte` under `[sms_gateway]`"),
        "{refused:?}"
    );

    // A syntax error: the line, not its text.
    let path = file(
        &dir,
        &format!("listen = \"127.0.0.1:8080\"\n[sms_gateway]\nsecret = \"{SMS_SECRET}\n"),
    );
    let refused = problems(load(Some(&path), &Env::default(), &Overrides::default()));
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].contains("is not valid TOML at line 3"),
        "{refused:?}"
    );
    assert_no_secret(&refused[0]);

    // A file named but missing is an error, not an empty file.
    let missing = dir.path().join("missing.toml");
    let refused = problems(load(Some(&missing), &Env::default(), &Overrides::default()));
    assert!(refused[0].contains("cannot be read"), "{refused:?}");
}
