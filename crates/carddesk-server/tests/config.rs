//! The server's configuration: defaults, then the TOML file, then the
//! environment, then flags; validation that names the setting and where it
//! was set; secrets that never print, in `Debug` or in an error. The last
//! tests run the `carddesk-server` binary itself (`serve --check-config`).

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use carddesk_server::config::{ConfigError, DEFAULT_LISTEN, Overrides, SETTINGS, ServerConfig};
use secrecy::{ExposeSecret, SecretString};

const SMS_SECRET: &str = "sms-Secret-0451";
const VOICE_SECRET: &str = "voice-Secret-9913";
const DB_PASSWORD: &str = "db-Pass-7719";

/// An environment of its own, so no test reads (or changes) the process's.
#[derive(Debug, Default, Clone)]
struct Env(HashMap<String, String>);

impl Env {
    fn with(mut self, name: &str, value: &str) -> Self {
        self.0.insert(name.to_owned(), value.to_owned());
        self
    }

    fn lookup(&self) -> impl Fn(&str) -> Option<OsString> + '_ {
        |name| self.0.get(name).map(OsString::from)
    }
}

fn load(file: Option<&Path>, env: &Env, flags: &Overrides) -> Result<ServerConfig, ConfigError> {
    ServerConfig::load_from(file, env.lookup(), flags)
}

/// A file in a temporary directory.
fn file(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("carddesk.toml");
    std::fs::write(&path, text).expect("write the file");
    path
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("carddesk.example.toml")
}

fn problems(result: Result<ServerConfig, ConfigError>) -> Vec<String> {
    result.expect_err("refused").problems().to_vec()
}

#[track_caller]
fn assert_no_secret(text: &str) {
    for secret in [SMS_SECRET, VOICE_SECRET, DB_PASSWORD] {
        assert!(!text.contains(secret), "a secret in: {text}");
    }
}

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

// ------------------------------------------------------------ the binary

fn server() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_carddesk-server"));
    // Only what the test gives: the suite's own DATABASE_URL must not leak in.
    command.env_clear().env("RUST_BACKTRACE", "0");
    command
}

#[test]
fn the_binary_layers_flags_over_the_environment_over_the_file() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = file(
        &dir,
        "listen = \"127.0.0.1:1111\"\npublic_url = \"https://file.example\"\n\
         [sms_gateway]\nurl = \"https://sms.internal/send\"\n",
    );
    let output = server()
        .env("CARDDESK_CONFIG", &path)
        .env("CARDDESK_PUBLIC_URL", "https://env.example")
        .env("CARDDESK_SMS_GATEWAY_SECRET", SMS_SECRET)
        .env(
            "DATABASE_URL",
            format!("postgres://carddesk:{DB_PASSWORD}@db/carddesk"),
        )
        .args(["serve", "--check-config", "--listen", "127.0.0.1:3333"])
        .output()
        .expect("run carddesk-server");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("listen: 127.0.0.1:3333"), "{stdout}");
    assert!(stdout.contains("\"https://env.example\""), "{stdout}");
    assert!(stdout.contains("\"https://sms.internal/send\""), "{stdout}");
    assert!(
        stdout.contains("postgres://carddesk:***@db/carddesk"),
        "{stdout}"
    );
    assert_no_secret(&stdout);
    assert_no_secret(&stderr);

    // `--config` names the file too.
    let output = server()
        .args(["--config"])
        .arg(&path)
        .env("CARDDESK_SMS_GATEWAY_SECRET", SMS_SECRET)
        .args(["serve", "--check-config"])
        .output()
        .expect("run carddesk-server");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("listen: 127.0.0.1:1111"), "{stdout}");
}

#[test]
fn the_binary_refuses_a_bad_configuration_before_anything_else() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let output = server()
        .env("CARDDESK_SMS_GATEWAY_SECRET", SMS_SECRET)
        // Were it read, this would create a database and a key file.
        .env(
            "DATABASE_URL",
            format!("sqlite:{}", dir.path().join("x.db").display()),
        )
        .env("CARDDESK_KEY_FILE", dir.path().join("master.key"))
        .args(["serve", "--tls-key", "/etc/carddesk/key.pem"])
        .output()
        .expect("run carddesk-server");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("invalid configuration"), "{stderr}");
    assert!(
        stderr.contains(
            "sms_gateway.secret (from CARDDESK_SMS_GATEWAY_SECRET) is set but sms_gateway.url is not"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("tls.key (from --tls-key) is set but tls.cert is not"),
        "{stderr}"
    );
    assert_no_secret(&stderr);
    assert_no_secret(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("list").count(),
        0,
        "nothing was opened"
    );
}
