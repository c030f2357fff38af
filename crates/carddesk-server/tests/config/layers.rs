//! Defaults, then the file, then the environment, then flags; and the
//! example file that ships with the server.

use carddesk_server::config::{DEFAULT_LISTEN, SETTINGS};
use secrecy::{ExposeSecret, SecretString};

use super::*;

#[test]
fn nothing_given_is_the_defaults() {
    let config = load(None, &Env::default(), &Overrides::default()).expect("valid");
    assert!(config.database_url.is_none());
    assert!(config.key_file.is_none());
    assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
    assert_eq!(config.public_url, "http://127.0.0.1:8080");
    assert!(config.tls_files().is_none());
    assert!(config.sms_gateway.gateway().is_none());
    assert!(config.voice_gateway.gateway().is_none());
}

#[test]
fn the_environment_beats_the_file_and_flags_beat_both() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = file(
        &dir,
        r#"
database_url = "sqlite:/from/file.db"
key_file = "/from/file.key"
listen = "127.0.0.1:1111"
public_url = "https://file.example"

[tls]
cert = "/file/cert.pem"
key = "/file/key.pem"

[sms_gateway]
url = "https://sms.file.example/send"
secret = "from-the-file"
"#,
    );
    // The file alone.
    let config = load(Some(&path), &Env::default(), &Overrides::default()).expect("valid");
    assert_eq!(config.listen.to_string(), "127.0.0.1:1111");
    assert_eq!(
        config.database_url.as_ref().expect("set").expose(),
        "sqlite:/from/file.db"
    );
    assert_eq!(config.public_url, "https://file.example");
    let (cert, key) = config.tls_files().expect("TLS");
    assert_eq!(
        (cert, key),
        (Path::new("/file/cert.pem"), Path::new("/file/key.pem"))
    );
    let sms = config.sms_gateway.gateway().expect("SMS gateway");
    assert_eq!(sms.url, "https://sms.file.example/send");
    assert_eq!(sms.secret.expose_secret(), "from-the-file");

    // The environment over the file, setting by setting; the rest stays.
    let env = Env::default()
        .with("CARDDESK_LISTEN", "127.0.0.1:2222")
        .with("DATABASE_URL", "postgres://carddesk@db/carddesk")
        .with("CARDDESK_SMS_GATEWAY_SECRET", "123456") // digits stay text
        .with("CARDDESK_VOICE_GATEWAY_URL", "https://ivr.env.example")
        .with("CARDDESK_VOICE_GATEWAY_SECRET", "\"quoted\"")
        .with("CARDDESK_STAFF_PASSWORD", "not a server setting")
        .with("CARDDESK_TLS_KEY", "");
    let config = load(Some(&path), &env, &Overrides::default()).expect("valid");
    assert_eq!(config.listen.to_string(), "127.0.0.1:2222");
    assert_eq!(
        config.database_url.as_ref().expect("set").expose(),
        "postgres://carddesk@db/carddesk"
    );
    assert_eq!(
        config.key_file.as_deref(),
        Some(Path::new("/from/file.key"))
    );
    assert_eq!(config.public_url, "https://file.example");
    assert_eq!(
        config.tls.key.as_deref(),
        Some(Path::new("/file/key.pem")),
        "an empty variable is an unset one"
    );
    let sms = config.sms_gateway.gateway().expect("SMS gateway");
    assert_eq!(sms.url, "https://sms.file.example/send");
    assert_eq!(sms.secret.expose_secret(), "123456");
    let voice = config.voice_gateway.gateway().expect("voice gateway");
    assert_eq!(voice.url, "https://ivr.env.example");
    assert_eq!(
        voice.secret.expose_secret(),
        "\"quoted\"",
        "taken as written"
    );

    // Flags over both.
    let flags = Overrides {
        listen: Some("0.0.0.0:3333".to_owned()),
        public_url: Some("https://flag.example".to_owned()),
        tls_cert: Some("/flag/cert.pem".into()),
        tls_key: Some("/flag/key.pem".into()),
        sms_gateway_secret: Some(SecretString::from("from-a-flag")),
        ..Overrides::default()
    };
    let config = load(Some(&path), &env, &flags).expect("valid");
    assert_eq!(config.listen.to_string(), "0.0.0.0:3333");
    assert_eq!(config.public_url, "https://flag.example");
    assert_eq!(
        config.tls_files().expect("TLS").0,
        Path::new("/flag/cert.pem")
    );
    assert_eq!(
        config
            .sms_gateway
            .gateway()
            .expect("SMS")
            .secret
            .expose_secret(),
        "from-a-flag"
    );
    assert_eq!(
        config.database_url.as_ref().expect("set").expose(),
        "postgres://carddesk@db/carddesk",
        "what no flag gives stays"
    );
}

#[test]
fn the_example_file_parses_and_wants_its_secrets_from_the_environment() {
    let path = example();
    // As shipped, the gateways' secrets are left to the environment.
    let refused = problems(load(Some(&path), &Env::default(), &Overrides::default()));
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused[0].starts_with("sms_gateway.url (in "),
        "{refused:?}"
    );
    assert!(
        refused[0].contains("sms_gateway.secret is not"),
        "{refused:?}"
    );
    assert!(
        refused[1].starts_with("voice_gateway.url (in "),
        "{refused:?}"
    );

    let env = Env::default()
        .with("CARDDESK_SMS_GATEWAY_SECRET", SMS_SECRET)
        .with("CARDDESK_VOICE_GATEWAY_SECRET", VOICE_SECRET);
    let config = load(Some(&path), &env, &Overrides::default()).expect("valid");
    assert_eq!(config.listen.to_string(), "0.0.0.0:8443");
    assert_eq!(config.public_url, "https://unfreeze.example-bank.cn");
    assert!(
        config
            .database_url
            .as_ref()
            .expect("set")
            .expose()
            .starts_with("postgres://")
    );
    assert!(config.tls_files().is_some());
    assert_eq!(
        config.sms_gateway.gateway().expect("SMS").url,
        "https://sms.internal/send"
    );
    assert!(config.voice_gateway.gateway().is_some());
}

#[test]
fn the_example_file_names_every_setting_and_variable() {
    let text = std::fs::read_to_string(example()).expect("read the example");
    for setting in SETTINGS {
        let name = setting.key.rsplit('.').next().expect("a name");
        assert!(text.contains(name), "{} is not in the example", setting.key);
        assert!(
            text.contains(setting.env),
            "{} is not in the example",
            setting.env
        );
    }
}
