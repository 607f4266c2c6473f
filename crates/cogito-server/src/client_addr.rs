//! The client's address of a request, for the rate limits: the peer of the connection, or — only
//! when that peer is a configured trusted proxy (`--trusted-proxy`) — the address the proxies
//! name in `X-Forwarded-For`: the rightmost one that is not itself a trusted proxy, since each
//! proxy appends the address it received from and only the trusted ones can be believed. A
//! client that sends its own `X-Forwarded-For` straight to cogito changes nothing.

use std::net::IpAddr;

use axum::http::HeaderMap;

use crate::listen::Peer;

/// An address block, `10.0.0.0/8` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not an address or address block (e.g. 10.0.0.0/8)");
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let net: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Self { net, prefix })
    }
}

impl Cidr {
    /// Whether `ip` is in the block (an IPv4-mapped IPv6 address counts as its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The client's address: see the module documentation. `None` when the request did not come
/// through the listener (the admin console's calls, tests of the router alone).
pub fn client_ip(peer: Option<Peer>, headers: &HeaderMap, trusted: &[Cidr]) -> Option<IpAddr> {
    let peer = peer?.0.ip();
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .iter()
            .rev()
            .copied()
            .find(|ip| !is_trusted(*ip))
            .or_else(|| forwarded.first().copied())
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    fn peer(ip: &str) -> Option<Peer> {
        Some(Peer(std::net::SocketAddr::new(ip.parse().unwrap(), 4000)))
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let trusted: Vec<Cidr> = vec!["10.0.0.0/8".parse().unwrap(), "::1".parse().unwrap()];
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        // An untrusted peer: its own header is ignored.
        assert_eq!(
            client_ip(peer("203.0.113.9"), &headers("198.51.100.1"), &trusted),
            ip("203.0.113.9")
        );
        // A trusted proxy: the rightmost address that is not a trusted proxy.
        assert_eq!(
            client_ip(
                peer("10.1.2.3"),
                &headers("1.1.1.1, 198.51.100.7, 10.9.9.9"),
                &trusted
            ),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(peer("::1"), &headers("198.51.100.8"), &trusted),
            ip("198.51.100.8")
        );
        // A trusted proxy without the header, or with garbage: the proxy itself.
        assert_eq!(
            client_ip(peer("10.1.2.3"), &HeaderMap::new(), &trusted),
            ip("10.1.2.3")
        );
        assert_eq!(
            client_ip(peer("10.1.2.3"), &headers("not-an-ip"), &trusted),
            ip("10.1.2.3")
        );
        assert_eq!(client_ip(None, &headers("1.1.1.1"), &trusted), None);
    }

    #[test]
    fn blocks_contain_their_addresses_only() {
        let c: Cidr = "192.168.0.0/16".parse().unwrap();
        assert!(c.contains("192.168.44.1".parse().unwrap()));
        assert!(c.contains("::ffff:192.168.44.1".parse().unwrap()));
        assert!(!c.contains("192.169.0.1".parse().unwrap()));
        assert!(
            "0.0.0.0/0"
                .parse::<Cidr>()
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        for bad in ["10.0.0.0/33", "nope", "::1/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }
}
