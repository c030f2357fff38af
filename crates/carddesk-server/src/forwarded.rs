//! Who the client is when the server sits behind reverse proxies. The TCP
//! peer is the client unless it is one of the configured trusted proxies;
//! then `X-Forwarded-For` is read from the right (the entry the nearest
//! proxy added) past every trusted proxy, and the first address that is
//! not one is the client. Nobody else's `X-Forwarded-For` is believed: a
//! client cannot pick its own address, and so its own rate-limit bucket or
//! its audit origin, by sending the header.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use crate::AppState;

/// The client's address as resolved for this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// These networks (a single address is a /32 or /128).
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks)
    }

    /// Parses a comma-separated list of addresses and networks
    /// (`10.0.0.0/8, 127.0.0.1`); the error names the entry that is
    /// neither.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{entry:?} is not an IP address or network"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`, given the `X-Forwarded-For` values.
    pub fn client<'a>(&self, peer: IpAddr, forwarded: impl Iterator<Item = &'a str>) -> IpAddr {
        if !self.trusts(peer) {
            return peer.to_canonical();
        }
        let hops: Vec<&str> = forwarded
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                // A hop we cannot read: the last one we could stands.
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client.to_canonical()
    }
}

/// Resolves the client's address once per request, for the rate limits,
/// the idempotency scope and the audit origin alike.
pub async fn resolve(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        let client = s.trusted_proxies.client(peer.ip(), forwarded);
        req.extensions_mut().insert(ClientIp(client));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn only_trusted_proxies_are_believed() {
        let proxies = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").expect("parses");
        let client = |peer: &str, xff: &[&str]| proxies.client(ip(peer), xff.iter().copied());
        // A client that is not a proxy is itself, whatever it sends.
        assert_eq!(client("203.0.113.9", &["198.51.100.1"]), ip("203.0.113.9"));
        // Behind the local proxy: the address it saw.
        assert_eq!(client("127.0.0.1", &["198.51.100.1"]), ip("198.51.100.1"));
        // A forged entry on the left is not believed: the nearest untrusted
        // hop is the client.
        assert_eq!(
            client("127.0.0.1", &["1.2.3.4, 198.51.100.1, 10.1.2.3"]),
            ip("198.51.100.1")
        );
        assert_eq!(
            client("127.0.0.1", &["1.2.3.4", "198.51.100.1"]),
            ip("198.51.100.1"),
            "several headers read as one list"
        );
        // No header, or one we cannot read: the proxy itself.
        assert_eq!(client("127.0.0.1", &[]), ip("127.0.0.1"));
        assert_eq!(client("127.0.0.1", &["garbage"]), ip("127.0.0.1"));
        // IPv4 mapped in IPv6 is the IPv4 address.
        assert_eq!(
            client("::ffff:127.0.0.1", &["198.51.100.1"]),
            ip("198.51.100.1")
        );
        // With no proxies configured nobody is believed.
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("127.0.0.1"), ["198.51.100.1"].into_iter()),
            ip("127.0.0.1")
        );
        assert!(TrustedProxies::parse("10.0.0.0/8, nonsense").is_err());
    }
}
