//! Whether a `Host` header (or a URL's authority) names this machine's loopback.
//!
//! Everything statusctl serves on loopback (the sandbox, `statusctl serve` without auth)
//! refuses other names: a web page the user opens can reach a loopback port through DNS
//! rebinding (an attacker's name that now resolves to 127.0.0.1), and the `Host` it sends
//! is then the attacker's name. One parser for both, since a difference between two copies
//! would be a hole in one of them.

/// `localhost`, an address in 127.0.0.0/8 or `[::1]`, each with or without a
/// port (the `Host` header's or a URL authority's syntax).
pub fn is_loopback_authority(authority: &str) -> bool {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((address, after)) = rest.split_once(']') else {
            return false;
        };
        let Ok(address) = address.parse::<std::net::Ipv6Addr>() else {
            return false;
        };
        if !address.is_loopback() {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("::1", Some(port)),
                None => return false,
            },
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port_ok = port
        .is_none_or(|port| !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = host == "::1"
        || host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::Ipv4Addr>().is_ok_and(|address| address.is_loopback());
    port_ok && host_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_authorities_with_and_without_ports() {
        for good in [
            "localhost",
            "LocalHost:8787",
            "127.0.0.1",
            "127.0.0.1:1",
            "127.1.2.3:65535",
            "[::1]",
            "[::1]:8787",
            "[0:0:0:0:0:0:0:1]:80",
        ] {
            assert!(is_loopback_authority(good), "{good}");
        }
        for bad in [
            "",
            "attacker.example",
            "attacker.example:8787",
            "localhost.attacker.example",
            "127.0.0.1.nip.io",
            "localhost:",
            "localhost:80:80",
            "localhost:http",
            "128.0.0.1",
            "0.0.0.0:8787",
            "::1",
            "[::2]:80",
            "[::1]80",
            "[::1",
            "user@localhost",
        ] {
            assert!(!is_loopback_authority(bad), "{bad}");
        }
    }

    #[test]
    fn loopback_names() {
        for ok in ["localhost", "127.0.0.1:9095", "[::1]:9095", "LOCALHOST:1", "127.3.4.5"] {
            assert!(is_loopback_authority(ok), "{ok}");
        }
        for bad in ["evil.example:9095", "10.0.0.1:9095", "localhost.evil.example", "[::2]:1", "127.0.0.1:"] {
            assert!(!is_loopback_authority(bad), "{bad}");
        }
    }
}
