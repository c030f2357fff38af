//! What a client needs to know to reach a server, checked once when the
//! client is made.

use std::net::IpAddr;
use std::time::Duration;

use carddesk_wire::DeskError;
use url::{Host, Url};

/// How a client reaches `carddesk-server`.
#[derive(Clone)]
pub struct ClientConfig {
    /// The server's address, `https://desk.bank.example` (or
    /// `http://127.0.0.1:PORT`: plain HTTP is accepted for loopback only,
    /// since the bearer token must not cross a network in clear). A path
    /// (`https://gateway.example/carddesk/`) is kept in front of `/api/agent`.
    pub base_url: Url,
    /// One or more PEM certificates to trust as roots besides the public
    /// ones: a bank runs its own certificate authority. There is no switch
    /// to accept invalid certificates.
    pub extra_root_certificate_pem: Option<Vec<u8>>,
    /// How long one call may take, connection included, before it fails as
    /// `unavailable`. The event stream is not bound by it (it lasts the
    /// session); its headers are.
    pub request_timeout: Duration,
    /// How long opening a connection may take.
    pub connect_timeout: Duration,
    /// How long the event stream may stay silent before the client takes
    /// the connection for dead and reconnects (the server sends a
    /// keep-alive comment every 15 seconds).
    pub event_idle_timeout: Duration,
    /// How calls are retried and the event stream reconnects.
    pub retry: RetryPolicy,
}

impl ClientConfig {
    /// A configuration for `base_url` with the defaults: 30 s per call,
    /// 5 s to connect, 45 s of event silence, the default retry policy.
    pub fn new(base_url: Url) -> Self {
        Self {
            base_url,
            extra_root_certificate_pem: None,
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            event_idle_timeout: Duration::from_secs(45),
            retry: RetryPolicy::default(),
        }
    }

    /// Refuses a base URL the client must not use: not HTTP(S), plain HTTP
    /// to another machine, a user name or password in it (they would end
    /// up in an `Authorization` header beside the bearer token), a query or
    /// a fragment.
    pub(crate) fn check_base_url(&self) -> Result<(), DeskError> {
        let url = &self.base_url;
        let refuse = |why: &str| Err(DeskError::invalid(format!("the server URL {why}")));
        if url.cannot_be_a_base() || url.host().is_none() {
            return refuse("must name a host");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return refuse("must not carry a user name or password");
        }
        if url.query().is_some() || url.fragment().is_some() {
            return refuse("must not have a query or fragment");
        }
        match url.scheme() {
            "https" => Ok(()),
            "http" if is_loopback(url) => Ok(()),
            "http" => refuse("must use https unless the server is on this machine"),
            _ => refuse("must be http or https"),
        }
    }
}

// The base URL can carry a path, never credentials (they are refused), but
// a Debug print of a configuration should still show only where it points.
impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("server", &Server(&self.base_url))
            .field(
                "extra_root_certificate",
                &self.extra_root_certificate_pem.is_some(),
            )
            .field("request_timeout", &self.request_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("event_idle_timeout", &self.event_idle_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

/// Shows a URL as scheme, host and port only.
pub(crate) struct Server<'a>(pub(crate) &'a Url);

impl std::fmt::Debug for Server<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = self.0.host_str().unwrap_or("?");
        match self.0.port_or_known_default() {
            Some(port) => write!(f, "{}://{host}:{port}", self.0.scheme()),
            None => write!(f, "{}://{host}", self.0.scheme()),
        }
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// When and how often a call is tried again. Only what is safe to repeat
/// is repeated: reads, and writes whose `Idempotency-Key` makes the server
/// answer a repeat with the first answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries after the first.
    pub retries: u32,
    /// The wait before the first retry; each further one doubles it.
    pub base_delay: Duration,
    /// The longest wait between tries, and between event stream reconnects.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: 2,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str) -> Result<(), String> {
        ClientConfig::new(Url::parse(url).unwrap())
            .check_base_url()
            .map_err(|e| e.message)
    }

    #[test]
    fn base_urls_are_checked() {
        for good in [
            "https://desk.bank.example",
            "https://desk.bank.example:8443/carddesk/",
            "http://127.0.0.1:3000",
            "http://[::1]:3000",
            "http://localhost:3000",
        ] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("http://desk.bank.example", "must use https"),
            ("http://10.0.0.5:3000", "must use https"),
            (
                "https://alice:pw@desk.bank.example",
                "user name or password",
            ),
            ("https://desk.bank.example/?x=1", "query"),
            ("ftp://desk.bank.example", "http or https"),
            ("mailto:desk@bank.example", "host"),
        ] {
            let message = check(bad).expect_err(bad);
            assert!(message.contains(why), "{bad}: {message}");
            assert!(!message.contains("pw"), "{bad}: {message}");
        }
    }

    #[test]
    fn debug_shows_only_where_it_points() {
        let mut config = ClientConfig::new(Url::parse("https://desk.bank.example/x/").unwrap());
        config.extra_root_certificate_pem = Some(b"-----BEGIN CERTIFICATE-----".to_vec());
        let shown = format!("{config:?}");
        assert!(shown.contains("https://desk.bank.example:443"), "{shown}");
        assert!(!shown.contains("BEGIN"), "{shown}");
    }
}
