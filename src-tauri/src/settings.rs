//! The per-user settings: which desk the console works against. A JSON
//! file in the OS config directory, read at start and written by
//! `settings_save`; nothing in it is secret.

use std::path::{Path, PathBuf};

use carddesk_wire::{DeskError, DeskMode, DeskResult};
use serde::{Deserialize, Serialize};

/// The settings file's name inside the app's config directory.
pub const FILE_NAME: &str = "settings.json";

/// Which desk to use, as the front-end edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleSettings {
    /// The processor in-process (the offline demo) or a shared server.
    pub mode: DeskMode,
    /// The server's base URL (connected mode).
    pub server_url: Option<String>,
    /// A PEM file with the CA certificate the server's certificate chains
    /// to, when it is not one the system trusts (connected mode).
    pub ca_certificate: Option<PathBuf>,
}

impl Default for ConsoleSettings {
    /// A new install starts on the offline demo: it needs no server.
    fn default() -> Self {
        Self {
            mode: DeskMode::Offline,
            server_url: None,
            ca_certificate: None,
        }
    }
}

impl ConsoleSettings {
    /// The settings as they will be used: blank fields dropped, and a
    /// connected desk's address and certificate checked, so a mistake is
    /// told when it is typed rather than on the first call.
    pub fn validated(mut self) -> DeskResult<Self> {
        self.server_url = self
            .server_url
            .map(|url| url.trim().to_owned())
            .filter(|url| !url.is_empty());
        self.ca_certificate = self
            .ca_certificate
            .filter(|path| !path.as_os_str().is_empty());
        if self.mode == DeskMode::Connected {
            let url = self
                .server_url
                .as_deref()
                .ok_or_else(|| DeskError::invalid("a connected desk needs the server's address"))?;
            self.server_url = Some(server_url(url)?.to_string());
            if let Some(path) = &self.ca_certificate {
                read_certificate(path)?;
            }
        }
        Ok(self)
    }
}

/// Parses a server address: `https://`, or plain `http://` only to this
/// computer, since staff passwords and session tokens travel over it.
pub fn server_url(input: &str) -> DeskResult<url::Url> {
    let url = url::Url::parse(input).map_err(|e| {
        DeskError::invalid(format!(
            "the server address is not a valid URL ({e}); write it like https://carddesk.bank.example"
        ))
    })?;
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(DeskError::invalid(
                "the server address must start with https:// (plain http:// is only for a server on this computer)",
            ));
        }
        other => {
            return Err(DeskError::invalid(format!(
                "the server address must start with https://, not {other}:"
            )));
        }
    }
    if url.host().is_none() {
        return Err(DeskError::invalid("the server address has no host name"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(DeskError::invalid(
            "the server address must not carry a user name or password",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(DeskError::invalid(
            "the server address must not have a query (?…) or fragment (#…)",
        ));
    }
    Ok(url)
}

/// Reads a CA certificate file, refusing one that holds no PEM certificate.
pub fn read_certificate(path: &Path) -> DeskResult<String> {
    let pem = std::fs::read_to_string(path).map_err(|e| {
        DeskError::invalid(format!(
            "the CA certificate {} cannot be read: {e}",
            path.display()
        ))
    })?;
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(DeskError::invalid(format!(
            "{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        )));
    }
    Ok(pem)
}

/// The settings in `dir`, or the defaults when there are none yet. A file
/// that cannot be read or no longer validates gives the defaults too (the
/// console must start), and says why in the log.
pub fn load(dir: &Path) -> ConsoleSettings {
    let path = dir.join(FILE_NAME);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return ConsoleSettings::default(),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "settings unreadable; using the offline demo");
            return ConsoleSettings::default();
        }
    };
    match serde_json::from_str::<ConsoleSettings>(&text)
        .map_err(|e| DeskError::invalid(e.to_string()))
        .and_then(ConsoleSettings::validated)
    {
        Ok(settings) => settings,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "settings invalid; using the offline demo");
            ConsoleSettings::default()
        }
    }
}

/// Writes `settings` (already validated) to `dir`, through a temporary
/// file so a crash never leaves half a file.
pub fn save(dir: &Path, settings: &ConsoleSettings) -> DeskResult<()> {
    let failed = |e: std::io::Error| {
        DeskError::new(
            carddesk_wire::ErrorCode::Internal,
            format!("the settings could not be saved in {}: {e}", dir.display()),
        )
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    let json = serde_json::to_string_pretty(settings).map_err(|e| failed(e.into()))?;
    let partial = dir.join(format!("{FILE_NAME}.partial"));
    std::fs::write(&partial, json).map_err(failed)?;
    std::fs::rename(&partial, dir.join(FILE_NAME)).map_err(failed)
}

#[cfg(test)]
mod tests {
    use carddesk_wire::ErrorCode;

    use super::*;

    fn connected(url: &str) -> ConsoleSettings {
        ConsoleSettings {
            mode: DeskMode::Connected,
            server_url: Some(url.to_owned()),
            ca_certificate: None,
        }
    }

    #[test]
    fn a_new_install_is_offline_and_saved_settings_come_back() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        assert_eq!(load(dir.path()), ConsoleSettings::default());
        assert_eq!(ConsoleSettings::default().mode, DeskMode::Offline);
        let settings = connected("https://carddesk.bank.example")
            .validated()
            .expect("valid");
        save(dir.path(), &settings).expect("saved");
        assert_eq!(load(dir.path()), settings);
        assert_eq!(
            settings.server_url.as_deref(),
            Some("https://carddesk.bank.example/")
        );
    }

    #[test]
    fn a_damaged_file_gives_the_offline_demo() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(dir.path().join(FILE_NAME), "{ not json").expect("written");
        assert_eq!(load(dir.path()), ConsoleSettings::default());
        std::fs::write(
            dir.path().join(FILE_NAME),
            r#"{"mode":"connected","server_url":"ftp://x","ca_certificate":null}"#,
        )
        .expect("written");
        assert_eq!(load(dir.path()), ConsoleSettings::default());
    }

    #[test]
    fn bad_server_addresses_are_refused_saying_why() {
        for (url, says) in [
            ("carddesk.bank.example", "not a valid URL"),
            ("ftp://carddesk.bank.example", "not ftp:"),
            (
                "http://carddesk.bank.example",
                "only for a server on this computer",
            ),
            (
                "https://user:pw@carddesk.bank.example",
                "user name or password",
            ),
            ("https://carddesk.bank.example/?x=1", "query"),
        ] {
            let error = connected(url).validated().expect_err(url);
            assert_eq!(error.code, ErrorCode::InvalidInput, "{url}");
            assert!(error.message.contains(says), "{url}: {}", error.message);
        }
        let missing = ConsoleSettings {
            server_url: Some("  ".to_owned()),
            ..connected("")
        };
        assert!(
            missing
                .validated()
                .expect_err("no address")
                .message
                .contains("needs the server's address")
        );
    }

    #[test]
    fn plain_http_is_allowed_to_this_computer_only() {
        for url in [
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
        ] {
            connected(url).validated().expect(url);
        }
    }

    #[test]
    fn offline_settings_keep_no_blank_fields_and_need_no_server() {
        let settings = ConsoleSettings {
            mode: DeskMode::Offline,
            server_url: Some(String::new()),
            ca_certificate: Some(PathBuf::new()),
        }
        .validated()
        .expect("valid");
        assert_eq!(settings, ConsoleSettings::default());
    }

    #[test]
    fn a_ca_certificate_must_be_a_readable_pem_file() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let with = |path: PathBuf| ConsoleSettings {
            ca_certificate: Some(path),
            ..connected("https://carddesk.bank.example")
        };
        let missing = with(dir.path().join("missing.pem"))
            .validated()
            .expect_err("missing file");
        assert!(
            missing.message.contains("cannot be read"),
            "{}",
            missing.message
        );
        let not_pem = dir.path().join("key.txt");
        std::fs::write(&not_pem, "hello").expect("written");
        let refused = with(not_pem).validated().expect_err("not a certificate");
        assert!(
            refused.message.contains("no PEM certificate"),
            "{}",
            refused.message
        );
        let pem = dir.path().join("ca.pem");
        std::fs::write(
            &pem,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .expect("written");
        with(pem).validated().expect("a PEM certificate");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let parsed = serde_json::from_str::<ConsoleSettings>(
            r#"{"mode":"offline","server_url":null,"ca_certificate":null,"token":"x"}"#,
        );
        assert!(parsed.is_err());
    }
}
