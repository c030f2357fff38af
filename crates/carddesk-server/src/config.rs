//! The server's configuration: typed, layered, validated on load.
//!
//! Each setting is taken from the first of these that has it:
//!
//! 1. a command-line flag ([`Overrides`]);
//! 2. an environment variable (`DATABASE_URL`, `CARDDESK_*`; see
//!    [`SETTINGS`]);
//! 3. the TOML file named by `--config PATH` or `CARDDESK_CONFIG` (see
//!    `carddesk.example.toml` beside this crate's manifest);
//! 4. the default.
//!
//! The layers are merged with figment. Environment variables and flags are
//! taken as plain text (figment's own `Env` provider would read `123456` as
//! a number and `"abc"` without its quotes, which is wrong for a secret).
//!
//! Secrets (the gateways' signing secrets, a database password) are typed
//! as secrets: [`ServerConfig`]'s `Debug` redacts them, and no error this
//! module returns quotes a value: errors name the setting and where it was
//! set, never what it was set to.

use std::ffi::OsString;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use carddesk_processor::delivery::http::GatewayConfig;
use figment::error::{Actual, Kind};
use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Tag, Value};
use figment::{Figment, Metadata, Profile, Provider, Source};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The environment variable that names the configuration file.
pub const CONFIG_ENV: &str = "CARDDESK_CONFIG";

/// The address served on when nothing says otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The public base URL when nothing says otherwise.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// One setting: its key in the file, its environment variable and its flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The key path in the TOML file (`tls.cert` is `cert` under `[tls]`).
    pub key: &'static str,
    /// The environment variable.
    pub env: &'static str,
    /// The command-line flag.
    pub flag: &'static str,
    /// Whether the value is a secret.
    pub secret: bool,
}

const fn setting(key: &'static str, env: &'static str, flag: &'static str) -> Setting {
    Setting {
        key,
        env,
        flag,
        secret: false,
    }
}

const fn secret(key: &'static str, env: &'static str, flag: &'static str) -> Setting {
    Setting {
        key,
        env,
        flag,
        secret: true,
    }
}

/// Every setting, with its environment variable and flag.
pub const SETTINGS: [Setting; 14] = [
    setting("database_url", "DATABASE_URL", "--database-url"),
    setting("key_file", "CARDDESK_KEY_FILE", "--key-file"),
    setting("listen", "CARDDESK_LISTEN", "--listen"),
    setting("public_url", "CARDDESK_PUBLIC_URL", "--public-url"),
    setting("tls.cert", "CARDDESK_TLS_CERT", "--tls-cert"),
    setting("tls.key", "CARDDESK_TLS_KEY", "--tls-key"),
    setting(
        "sms_gateway.url",
        "CARDDESK_SMS_GATEWAY_URL",
        "--sms-gateway-url",
    ),
    secret(
        "sms_gateway.secret",
        "CARDDESK_SMS_GATEWAY_SECRET",
        "--sms-gateway-secret",
    ),
    setting(
        "voice_gateway.url",
        "CARDDESK_VOICE_GATEWAY_URL",
        "--voice-gateway-url",
    ),
    secret(
        "voice_gateway.secret",
        "CARDDESK_VOICE_GATEWAY_SECRET",
        "--voice-gateway-secret",
    ),
    setting(
        "allow_plain_http_gateways",
        "CARDDESK_ALLOW_PLAIN_HTTP_GATEWAYS",
        "--allow-plain-http-gateways",
    ),
    setting(
        "trusted_proxies",
        "CARDDESK_TRUSTED_PROXIES",
        "--trusted-proxies",
    ),
    setting(
        "audit_anchor_file",
        "CARDDESK_AUDIT_ANCHOR_FILE",
        "--audit-anchor-file",
    ),
    setting(
        "metrics_listen",
        "CARDDESK_METRICS_LISTEN",
        "--metrics-listen",
    ),
];

fn find_setting(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// The processor server's configuration, as loaded and validated by
/// [`ServerConfig::load`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// The database: `sqlite:PATH` or `postgres://…`; unset, an SQLite file
    /// in the data directory.
    #[serde(default)]
    pub database_url: Option<DatabaseUrl>,
    /// The master key file (64 hex digits; created when missing); unset,
    /// `master.key` in the data directory.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// The address to listen on.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The public base URL of the customer pages, put in instructions.
    #[serde(default = "default_public_url")]
    pub public_url: String,
    /// TLS: both files, or neither (plain HTTP).
    #[serde(default)]
    pub tls: TlsSettings,
    /// The SMS gateway; unset, text instructions stay in the local outbox.
    #[serde(default)]
    pub sms_gateway: GatewaySettings,
    /// The voice gateway; unset, voice prompts stay in the local outbox.
    #[serde(default)]
    pub voice_gateway: GatewaySettings,
    /// Whether a gateway URL may be plain `http://` (a local test gateway);
    /// otherwise gateways must be `https://`, since the instructions they
    /// carry hold the customer's one-time code.
    #[serde(default, deserialize_with = "yes_or_no")]
    pub allow_plain_http_gateways: bool,
    /// The reverse proxies in front, as a comma-separated list of addresses
    /// and networks (`127.0.0.1, 10.0.0.0/8`): their `X-Forwarded-For` is
    /// believed, so the customers' own addresses are limited and audited.
    /// Unset, nobody's is.
    #[serde(default)]
    pub trusted_proxies: Option<String>,
    /// Where signed checkpoints of the audit chain's head are appended,
    /// outside the database (a file its administrators cannot rewrite), so
    /// a tail cut from the log is found. Unset, no checkpoints.
    #[serde(default)]
    pub audit_anchor_file: Option<PathBuf>,
    /// An address of its own for Prometheus' `/metrics` (an operations
    /// network). Unset, `/metrics` answers on the main address to loopback
    /// clients only.
    #[serde(default)]
    pub metrics_listen: Option<SocketAddr>,
}

/// A boolean from the file (`true`) or from the environment or a flag,
/// which are text (`"true"`, `"1"`, `"yes"`).
fn yes_or_no<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum BoolOrText {
        Bool(bool),
        Text(String),
    }
    match BoolOrText::deserialize(d)? {
        BoolOrText::Bool(b) => Ok(b),
        BoolOrText::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(serde::de::Error::custom("use true or false")),
        },
    }
}

fn default_listen() -> SocketAddr {
    DEFAULT_LISTEN
        .parse()
        .unwrap_or_else(|_| unreachable!("the default address parses"))
}

fn default_public_url() -> String {
    DEFAULT_PUBLIC_URL.to_owned()
}

/// The certificate and key to serve HTTPS with (rustls).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSettings {
    /// A PEM certificate chain.
    pub cert: Option<PathBuf>,
    /// Its PEM private key.
    pub key: Option<PathBuf>,
}

/// A delivery gateway's endpoint and the secret its requests are signed
/// with (HMAC-SHA256).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewaySettings {
    /// The endpoint requests are posted to.
    pub url: Option<String>,
    /// The signing secret; `Debug` prints it redacted.
    pub secret: Option<SecretString>,
}

impl GatewaySettings {
    /// The adapter's configuration, when the gateway is configured (after
    /// [`ServerConfig::load`], the URL and the secret come together).
    pub fn gateway(&self) -> Option<GatewayConfig> {
        match (&self.url, &self.secret) {
            (Some(url), Some(secret)) => Some(GatewayConfig::new(url.clone(), secret.clone())),
            _ => None,
        }
    }
}

/// A database URL. It may hold a password, so it is kept as a secret and
/// prints with the password (and any query string) redacted.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(SecretString);

impl DatabaseUrl {
    /// A database URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self(SecretString::from(url.into()))
    }

    /// The URL in full, to connect with.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The URL for logs: no password, no query string.
    pub fn redacted(&self) -> String {
        let text = self.expose();
        if text.starts_with("sqlite:") {
            return text.to_owned();
        }
        match url::Url::parse(text) {
            Ok(mut url) => {
                if url.password().is_some() {
                    let _ = url.set_password(Some("***"));
                }
                if url.query().is_some() {
                    url.set_query(Some("***"));
                }
                url.to_string()
            }
            Err(_) => "[redacted]".to_owned(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.redacted())
            .finish()
    }
}

/// What the command line says, above every other layer. Unset fields leave
/// the setting to the environment, the file or the default.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--database-url`.
    pub database_url: Option<String>,
    /// `--key-file`.
    pub key_file: Option<PathBuf>,
    /// `--listen`.
    pub listen: Option<String>,
    /// `--public-url`.
    pub public_url: Option<String>,
    /// `--tls-cert`.
    pub tls_cert: Option<PathBuf>,
    /// `--tls-key`.
    pub tls_key: Option<PathBuf>,
    /// `--sms-gateway-url`.
    pub sms_gateway_url: Option<String>,
    /// `--sms-gateway-secret`.
    pub sms_gateway_secret: Option<SecretString>,
    /// `--voice-gateway-url`.
    pub voice_gateway_url: Option<String>,
    /// `--voice-gateway-secret`.
    pub voice_gateway_secret: Option<SecretString>,
    /// `--allow-plain-http-gateways`.
    pub allow_plain_http_gateways: Option<bool>,
    /// `--trusted-proxies`.
    pub trusted_proxies: Option<String>,
    /// `--audit-anchor-file`.
    pub audit_anchor_file: Option<PathBuf>,
    /// `--metrics-listen`.
    pub metrics_listen: Option<String>,
}

impl Overrides {
    /// The flags given, as (key, text) pairs.
    fn entries(&self) -> Vec<(&'static str, String)> {
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.to_string_lossy().into_owned());
        let secret = |s: &Option<SecretString>| s.as_ref().map(|s| s.expose_secret().to_owned());
        [
            ("database_url", self.database_url.clone()),
            ("key_file", path(&self.key_file)),
            ("listen", self.listen.clone()),
            ("public_url", self.public_url.clone()),
            ("tls.cert", path(&self.tls_cert)),
            ("tls.key", path(&self.tls_key)),
            ("sms_gateway.url", self.sms_gateway_url.clone()),
            ("sms_gateway.secret", secret(&self.sms_gateway_secret)),
            ("voice_gateway.url", self.voice_gateway_url.clone()),
            ("voice_gateway.secret", secret(&self.voice_gateway_secret)),
            (
                "allow_plain_http_gateways",
                self.allow_plain_http_gateways.map(|b| b.to_string()),
            ),
            ("trusted_proxies", self.trusted_proxies.clone()),
            ("audit_anchor_file", path(&self.audit_anchor_file)),
            ("metrics_listen", self.metrics_listen.clone()),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| (key, v)))
        .collect()
    }
}

/// Why a configuration was refused: every problem found, each naming the
/// setting and where it was set, none quoting a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    problems: Vec<String>,
}

impl ConfigError {
    fn one(problem: impl Into<String>) -> Self {
        Self {
            problems: vec![problem.into()],
        }
    }

    /// The problems, one sentence each.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "invalid configuration: {one}"),
            many => {
                write!(f, "invalid configuration:")?;
                for problem in many {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// The names of the layers, as figment's metadata.
const ENV_LAYER: &str = "environment";
const FLAG_LAYER: &str = "command line";

/// Plain-text values for some settings: the environment or the flags.
struct TextLayer {
    name: &'static str,
    entries: Vec<(&'static str, String)>,
}

impl Provider for TextLayer {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name)
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut dict = Dict::new();
        for (key, value) in &self.entries {
            let value = Value::from(value.as_str());
            match key.split_once('.') {
                None => {
                    dict.insert((*key).to_owned(), value);
                }
                Some((group, field)) => {
                    let entry = dict
                        .entry(group.to_owned())
                        .or_insert_with(|| Value::Dict(Tag::Default, Dict::new()));
                    if let Value::Dict(_, inner) = entry {
                        inner.insert(field.to_owned(), value);
                    }
                }
            }
        }
        Ok(Profile::Default.collect(dict))
    }
}

impl ServerConfig {
    /// Loads the configuration from the defaults, the file (`file`, else
    /// the one `CARDDESK_CONFIG` names, if any), the process environment and
    /// the flags, and validates it.
    pub fn load(file: Option<&Path>, flags: &Overrides) -> Result<Self, ConfigError> {
        let from_env = std::env::var_os(CONFIG_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let file = file.map(Path::to_path_buf).or(from_env);
        Self::load_from(file.as_deref(), |name| std::env::var_os(name), flags)
    }

    /// [`ServerConfig::load`] with the environment read through `env`
    /// (tests pass a map). `file`, when given, must exist.
    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<OsString>,
        flags: &Overrides,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::new();
        if let Some(path) = file {
            check_toml(path)?;
            figment = figment.merge(Toml::file_exact(path));
        }
        let mut problems = Vec::new();
        let mut entries = Vec::new();
        for s in &SETTINGS {
            match env(s.env).map(OsString::into_string) {
                None => {}
                Some(Ok(value)) if value.is_empty() => {}
                Some(Ok(value)) => entries.push((s.key, value)),
                Some(Err(_)) => problems.push(format!("{} is not valid UTF-8", s.env)),
            }
        }
        figment = figment
            .merge(TextLayer {
                name: ENV_LAYER,
                entries,
            })
            .merge(TextLayer {
                name: FLAG_LAYER,
                entries: flags.entries(),
            });
        let config = match figment.extract::<Self>() {
            Ok(config) => Some(config),
            Err(errors) => {
                problems.extend(errors.into_iter().map(|e| describe_figment_error(&e)));
                None
            }
        };
        if let Some(config) = &config {
            config.validate(&figment, &mut problems);
        }
        match config {
            Some(config) if problems.is_empty() => Ok(config),
            _ => Err(ConfigError { problems }),
        }
    }

    /// The trusted proxies (after [`ServerConfig::load`], the list parses).
    pub fn trusted_proxies(&self) -> crate::forwarded::TrustedProxies {
        self.trusted_proxies
            .as_deref()
            .and_then(|list| crate::forwarded::TrustedProxies::parse(list).ok())
            .unwrap_or_default()
    }

    /// Whether HTTPS is configured.
    pub fn tls_files(&self) -> Option<(&Path, &Path)> {
        match (&self.tls.cert, &self.tls.key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            _ => None,
        }
    }

    /// Checks what types alone do not.
    fn validate(&self, figment: &Figment, problems: &mut Vec<String>) {
        let at = |key: &str| format!("{key} ({})", origin(figment, key));
        if let Some(list) = &self.trusted_proxies
            && let Err(e) = crate::forwarded::TrustedProxies::parse(list)
        {
            problems.push(format!("{}: {e}", at("trusted_proxies")));
        }
        if let Some(url) = &self.database_url {
            let text = url.expose();
            if text.starts_with("sqlite:") {
                if text.len() == "sqlite:".len() {
                    problems.push(format!("{}: names no database file", at("database_url")));
                }
            } else if text.starts_with("postgres:") || text.starts_with("postgresql:") {
                if let Err(e) = url::Url::parse(text) {
                    problems.push(format!("{}: not a valid URL ({e})", at("database_url")));
                }
            } else {
                problems.push(format!(
                    "{}: use `sqlite:PATH` or `postgres://USER@HOST/DATABASE`",
                    at("database_url")
                ));
            }
        }
        if self
            .key_file
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            problems.push(format!("{}: is empty", at("key_file")));
        }
        if let Err(why) = check_http_url(&self.public_url) {
            problems.push(format!("{}: {why}", at("public_url")));
        }
        match (&self.tls.cert, &self.tls.key) {
            (Some(_), None) => problems.push(format!(
                "{} is set but tls.key is not: give both the certificate and its key, or neither",
                at("tls.cert")
            )),
            (None, Some(_)) => problems.push(format!(
                "{} is set but tls.cert is not: give both the certificate and its key, or neither",
                at("tls.key")
            )),
            _ => {}
        }
        for (name, gateway) in [
            ("sms_gateway", &self.sms_gateway),
            ("voice_gateway", &self.voice_gateway),
        ] {
            let url_key = format!("{name}.url");
            let secret_key = format!("{name}.secret");
            if let Some(url) = &gateway.url {
                if let Err(why) = check_http_url(url) {
                    problems.push(format!("{}: {why}", at(&url_key)));
                } else if !self.allow_plain_http_gateways && !is_https(url) {
                    problems.push(format!(
                        "{}: use an https:// URL (the instructions carry one-time codes); \
                         for a local test gateway set allow_plain_http_gateways = true \
                         (CARDDESK_ALLOW_PLAIN_HTTP_GATEWAYS, --allow-plain-http-gateways)",
                        at(&url_key)
                    ));
                }
            }
            match (&gateway.url, &gateway.secret) {
                (Some(_), None) => problems.push(format!(
                    "{} is set but {secret_key} is not: the gateway's requests are signed with it",
                    at(&url_key)
                )),
                (None, Some(_)) => problems.push(format!(
                    "{} is set but {url_key} is not: a secret needs its gateway",
                    at(&secret_key)
                )),
                _ => {}
            }
            if gateway
                .secret
                .as_ref()
                .is_some_and(|s| s.expose_secret().trim().is_empty())
            {
                problems.push(format!("{}: is blank", at(&secret_key)));
            }
        }
    }
}

/// Reads the file and checks its TOML syntax, so that figment (whose TOML
/// errors quote the offending line, which may hold a secret) only sees a
/// file that parses.
fn check_toml(path: &Path) -> Result<(), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::one(format!(
            "the configuration file {} cannot be read: {e}",
            path.display()
        ))
    })?;
    toml::from_str::<toml::Table>(&text).map_err(|e| {
        let place = e.span().map_or_else(String::new, |span| {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!(" at line {line}")
        });
        // The message without the snippet of the file the error quotes.
        ConfigError::one(format!(
            "the configuration file {} is not valid TOML{place}: {}",
            path.display(),
            e.message()
        ))
    })?;
    Ok(())
}

/// An absolute `http`/`https` URL with a host, without credentials. The
/// reason never quotes the URL (a gateway's URL may carry a token).
fn check_http_url(text: &str) -> Result<(), String> {
    let url = url::Url::parse(text).map_err(|e| format!("not a valid URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("use an http:// or https:// URL".to_owned());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the URL names no host".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL must not carry a user name or password".to_owned());
    }
    Ok(())
}

/// Whether a URL (already checked) is `https`.
fn is_https(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|u| u.scheme() == "https")
}

/// Where a setting's value came from, for error messages.
fn origin(figment: &Figment, key: &str) -> String {
    describe_origin(figment.find_metadata(key), key)
}

fn describe_origin(metadata: Option<&Metadata>, key: &str) -> String {
    let setting = find_setting(key);
    match metadata {
        None => "by default".to_owned(),
        Some(md) if md.name == ENV_LAYER => match setting {
            Some(s) => format!("from {}", s.env),
            None => "from the environment".to_owned(),
        },
        Some(md) if md.name == FLAG_LAYER => match setting {
            Some(s) => format!("from {}", s.flag),
            None => "from the command line".to_owned(),
        },
        Some(md) => match &md.source {
            Some(Source::File(path)) => format!("in {}", path.display()),
            _ => format!("from {}", md.name),
        },
    }
}

/// A figment error in words that never quote the value.
fn describe_figment_error(e: &figment::Error) -> String {
    let key = e.path.join(".");
    let origin = describe_origin(e.metadata.as_ref(), &key);
    let what = match &e.kind {
        Kind::InvalidType(actual, expected) => {
            // serde names a section by its Rust type: say what it is.
            let expected = if expected.starts_with("struct ") {
                "a table"
            } else {
                expected.as_str()
            };
            format!("{} where {expected} was expected", kind_of(actual))
        }
        Kind::InvalidValue(_, expected) => format!("a value out of range; expected {expected}"),
        Kind::InvalidLength(_, expected) => format!("the wrong length; expected {expected}"),
        Kind::UnknownVariant(_, expected) => {
            format!("an unknown value; expected one of {}", expected.join(", "))
        }
        Kind::UnknownField(field, _) => {
            let plain = field.len() <= 40
                && field
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            let name = if plain {
                format!("`{field}`")
            } else {
                "a setting".to_owned()
            };
            // The path ends with the unknown field itself.
            let parent = e.path[..e.path.len().saturating_sub(1)].join(".");
            let place = if parent.is_empty() {
                String::new()
            } else {
                format!(" under `[{parent}]`")
            };
            return format!(
                "unknown setting {name}{place} ({origin}); the settings are {}",
                SETTINGS.map(|s| s.key).join(", ")
            );
        }
        Kind::MissingField(field) => format!("`{field}` is missing"),
        Kind::DuplicateField(field) => format!("`{field}` is given twice"),
        // Messages from parsers (an address, a URL) say what is wrong with
        // a value without quoting it; anything long is not trusted to.
        Kind::Message(message)
            if message.len() <= 80 && !message.contains('"') && !message.contains('`') =>
        {
            message.clone()
        }
        _ => "a value that is not valid here".to_owned(),
    };
    if key.is_empty() {
        format!("{what} ({origin})")
    } else {
        format!("{key} ({origin}): {what}")
    }
}

/// What kind of value was found, without the value.
fn kind_of(actual: &Actual) -> &'static str {
    match actual {
        Actual::Bool(_) => "a boolean",
        Actual::Unsigned(_) | Actual::Signed(_) => "a whole number",
        Actual::Float(_) => "a decimal number",
        Actual::Char(_) | Actual::Str(_) => "text",
        Actual::Bytes(_) => "bytes",
        Actual::Unit | Actual::Option => "nothing",
        Actual::Seq => "a list",
        Actual::Map => "a table",
        _ => "a value of another kind",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_print_without_their_password() {
        let url = DatabaseUrl::new("postgres://carddesk:hunter2@db:5432/carddesk?sslmode=require");
        let shown = format!("{url:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("sslmode"), "{shown}");
        assert!(shown.contains("carddesk:***@db:5432/carddesk"), "{shown}");
        assert_eq!(
            DatabaseUrl::new("sqlite:/var/lib/carddesk.db").redacted(),
            "sqlite:/var/lib/carddesk.db"
        );
        assert_eq!(
            DatabaseUrl::new("postgres://a:b@[bad").redacted(),
            "[redacted]"
        );
    }

    #[test]
    fn urls_are_checked_without_being_quoted() {
        assert!(check_http_url("https://sms.internal/send").is_ok());
        assert!(check_http_url("http://127.0.0.1:9000").is_ok());
        for bad in [
            "sms.internal/send",
            "ftp://sms.internal",
            "https://user:token@sms.internal",
            "not a url",
        ] {
            let why = check_http_url(bad).expect_err(bad);
            assert!(!why.contains(bad), "{why}");
        }
    }

    #[test]
    fn every_setting_has_a_distinct_variable_and_flag() {
        for (i, a) in SETTINGS.iter().enumerate() {
            for b in &SETTINGS[i + 1..] {
                assert_ne!(a.key, b.key);
                assert_ne!(a.env, b.env);
                assert_ne!(a.flag, b.flag);
            }
            assert!(a.env == "DATABASE_URL" || a.env.starts_with("CARDDESK_"));
        }
    }
}
