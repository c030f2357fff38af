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

mod limits;
mod load;
mod overrides;
mod problems;
#[cfg(test)]
mod tests;

pub use limits::LimitSettings;
pub use overrides::Overrides;
pub use problems::ConfigError;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use carddesk_processor::delivery::http::GatewayConfig;
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
    /// The command-line flag (empty for the limits, which have none).
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

/// A limit: set in the file or the environment, with no flag of its own.
const fn limit(key: &'static str, env: &'static str) -> Setting {
    Setting {
        key,
        env,
        flag: "",
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
pub const SETTINGS: [Setting; 24] = [
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
    setting("media_dir", "CARDDESK_MEDIA_DIR", "--media-dir"),
    secret("redis_url", "CARDDESK_REDIS_URL", "--redis-url"),
    setting(
        "metrics_listen",
        "CARDDESK_METRICS_LISTEN",
        "--metrics-listen",
    ),
    limit(
        "limits.request_timeout_seconds",
        "CARDDESK_LIMITS_REQUEST_TIMEOUT_SECONDS",
    ),
    limit(
        "limits.concurrent_requests",
        "CARDDESK_LIMITS_CONCURRENT_REQUESTS",
    ),
    limit("limits.event_streams", "CARDDESK_LIMITS_EVENT_STREAMS"),
    limit("limits.sign_in_burst", "CARDDESK_LIMITS_SIGN_IN_BURST"),
    limit(
        "limits.sign_in_per_minute",
        "CARDDESK_LIMITS_SIGN_IN_PER_MINUTE",
    ),
    limit(
        "limits.customer_address_burst",
        "CARDDESK_LIMITS_CUSTOMER_ADDRESS_BURST",
    ),
    limit(
        "limits.customer_address_per_minute",
        "CARDDESK_LIMITS_CUSTOMER_ADDRESS_PER_MINUTE",
    ),
    limit(
        "limits.uploads_kept_closed_days",
        "CARDDESK_LIMITS_UPLOADS_KEPT_CLOSED_DAYS",
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
    /// Where interview uploads are kept, sealed (shared storage when
    /// several servers share the database); unset, `media` beside the key
    /// file.
    #[serde(default)]
    pub media_dir: Option<PathBuf>,
    /// A Redis (`redis://`, on a private network: TLS to Redis is not
    /// built in) to keep the rate limits' buckets in, shared by every server process; unset, they are kept in the
    /// database when it is shared (PostgreSQL), else in memory. May hold a
    /// password, so it is a secret.
    #[serde(default)]
    pub redis_url: Option<SecretString>,
    /// An address of its own for Prometheus' `/metrics` (an operations
    /// network). Unset, `/metrics` answers on the main address to loopback
    /// clients only.
    #[serde(default)]
    pub metrics_listen: Option<SocketAddr>,
    /// The limits on work, sign-ins and the customer API (see
    /// [`LimitSettings`]).
    #[serde(default)]
    pub limits: LimitSettings,
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
