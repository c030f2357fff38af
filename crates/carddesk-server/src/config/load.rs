//! Loading the layers (defaults, file, environment, flags) and validating
//! what they give.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Tag, Value};
use figment::{Figment, Metadata, Profile, Provider};
use secrecy::ExposeSecret;

use super::problems::{ConfigError, describe_figment_error, origin};
use super::{CONFIG_ENV, Overrides, SETTINGS, ServerConfig};

/// The names of the layers, as figment's metadata.
pub(super) const ENV_LAYER: &str = "environment";
pub(super) const FLAG_LAYER: &str = "command line";

/// Plain-text values for some settings: the environment or the flags.
pub(super) struct TextLayer {
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
        self.limits.check(at, problems);
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
        if let Some(url) = &self.redis_url {
            // rediss:// would parse and then fail to connect: the redis
            // client is built without TLS.
            let scheme = url::Url::parse(url.expose_secret()).map(|u| u.scheme().to_owned());
            if !matches!(scheme.as_deref(), Ok("redis")) {
                problems.push(format!(
                    "{}: must be a redis:// URL (TLS to Redis is not built in)",
                    at("redis_url")
                ));
            }
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
pub(super) fn check_toml(path: &Path) -> Result<(), ConfigError> {
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
pub(super) fn check_http_url(text: &str) -> Result<(), String> {
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
pub(super) fn is_https(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|u| u.scheme() == "https")
}
