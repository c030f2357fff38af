//! The command line's layer of the settings: the flags `serve` was given,
//! above the environment, the file and the defaults.

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

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
    /// `--media-dir`.
    pub media_dir: Option<PathBuf>,
    /// `--redis-url`.
    pub redis_url: Option<SecretString>,
    /// `--metrics-listen`.
    pub metrics_listen: Option<String>,
}

impl Overrides {
    /// The flags given, as (key, text) pairs.
    pub(super) fn entries(&self) -> Vec<(&'static str, String)> {
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
            ("media_dir", path(&self.media_dir)),
            ("redis_url", secret(&self.redis_url)),
            ("metrics_listen", self.metrics_listen.clone()),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| (key, v)))
        .collect()
    }
}
