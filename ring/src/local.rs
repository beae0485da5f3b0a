//! Which ring devices are this node's: Swift's `whataremyips` and `is_local_device`.

use std::net::{IpAddr, ToSocketAddrs};

/// This node's addresses as Swift computes them from `bind_ip` (or `ring_ip`): that address
/// alone when it is a specific numeric IP, otherwise every address of every interface
/// (loopback included).
pub fn whataremyips(ring_ip: Option<&str>) -> Vec<String> {
    if let Some(ip) = ring_ip.filter(|ip| !ip.is_empty()) {
        if let Ok(addr) = ip.parse::<IpAddr>() {
            if !addr.is_unspecified() {
                return vec![ip.to_string()];
            }
        }
    }
    interface_addresses()
}

/// Whether a device at `dev_ip:dev_port` is one of ours. `my_port` `None` compares IPs only;
/// a hostname is resolved and any of its addresses may match; IPv6 is compared in its
/// canonical text form.
pub fn is_local_device(
    my_ips: &[String],
    my_port: Option<u16>,
    dev_ip: &str,
    dev_port: u16,
) -> bool {
    if my_port.is_some_and(|p| p != dev_port) {
        return false;
    }
    let candidates: Vec<String> = match dev_ip.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => vec![v6.to_string()],
        Ok(IpAddr::V4(_)) => vec![dev_ip.to_string()],
        Err(_) => match (dev_ip, dev_port).to_socket_addrs() {
            Ok(addrs) => addrs.map(|a| a.ip().to_string()).collect(),
            Err(_) => return false,
        },
    };
    candidates.iter().any(|ip| my_ips.contains(ip))
}

fn interface_addresses() -> Vec<String> {
    let mut out = Vec::new();
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list we walk read-only and free exactly once.
    unsafe {
        if libc::getifaddrs(&mut head) != 0 {
            return out;
        }
        let mut cur = head;
        while !cur.is_null() {
            let addr = (*cur).ifa_addr;
            if !addr.is_null() {
                match i32::from((*addr).sa_family) {
                    libc::AF_INET => {
                        let sin = &*(addr as *const libc::sockaddr_in);
                        let ip = std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                        out.push(ip.to_string());
                    }
                    libc::AF_INET6 => {
                        let sin6 = &*(addr as *const libc::sockaddr_in6);
                        out.push(std::net::Ipv6Addr::from(sin6.sin6_addr.s6_addr).to_string());
                    }
                    _ => {}
                }
            }
            cur = (*cur).ifa_next;
        }
        libc::freeifaddrs(head);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specific_bind_ip_is_the_only_address() {
        assert_eq!(whataremyips(Some("127.0.0.2")), vec!["127.0.0.2"]);
        assert_eq!(whataremyips(Some("10.1.2.3")), vec!["10.1.2.3"]);
    }

    #[test]
    fn wildcard_or_hostname_means_every_interface_including_loopback() {
        for bind in [None, Some("0.0.0.0"), Some("::"), Some("localhost")] {
            let ips = whataremyips(bind);
            assert!(ips.contains(&"127.0.0.1".to_string()), "{bind:?}: {ips:?}");
        }
    }

    #[test]
    fn local_device_matching() {
        let mine = vec!["127.0.0.1".to_string(), "::1".to_string()];
        assert!(is_local_device(&mine, Some(6201), "127.0.0.1", 6201));
        assert!(!is_local_device(&mine, Some(6201), "127.0.0.1", 6202));
        assert!(is_local_device(&mine, None, "127.0.0.1", 6202));
        assert!(!is_local_device(&mine, None, "127.0.0.2", 6201));
        assert!(is_local_device(&mine, Some(6201), "0:0:0:0:0:0:0:1", 6201));
        assert!(is_local_device(&mine, Some(6201), "localhost", 6201));
        assert!(!is_local_device(
            &mine,
            Some(6201),
            "no-such-host.invalid",
            6201
        ));
    }
}
