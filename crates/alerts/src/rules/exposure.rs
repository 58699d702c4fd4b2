//! Exposure: a socket listening on a non-loopback interface on a port the spec does not allow.

use std::collections::BTreeMap;

use super::{Condition, Ctx};
use crate::facts::{PortRule, Proto, SocketFact};
use crate::model::Severity;

pub(super) fn check(ctx: &Ctx<'_>, out: &mut Vec<Condition>) {
    for h in &ctx.observed.hosts {
        let (Some(sockets), Some(desired)) = (&h.sockets, ctx.desired.host(&h.host)) else {
            continue;
        };
        // One alert per port, whatever the number of addresses (0.0.0.0 and :: both).
        let mut exposed: BTreeMap<(Proto, u16), Vec<&SocketFact>> = BTreeMap::new();
        for s in sockets.iter().filter(|s| !s.address.is_loopback()) {
            if !desired.allowed_ports.contains(&PortRule {
                proto: s.proto,
                port: s.port,
            }) {
                exposed.entry((s.proto, s.port)).or_default().push(s);
            }
        }
        for ((proto, port), socks) in exposed {
            let addresses: Vec<String> = socks.iter().map(|s| s.address.to_string()).collect();
            let owner = socks.iter().find_map(|s| match (&s.process, &s.container) {
                (Some(p), Some(c)) => Some(format!("process {p} in container {c}")),
                (Some(p), None) => Some(format!("process {p}")),
                (None, Some(c)) => Some(format!("container {c}")),
                (None, None) => None,
            });
            let allowed: Vec<String> = desired
                .allowed_ports
                .iter()
                .map(|r| format!("{}/{}", r.port, r.proto))
                .collect();
            out.push(ctx.condition(
                "port_exposed",
                Severity::Critical,
                &[("host", &h.host), ("port", &port.to_string()), ("proto", &proto.to_string())],
                format!(
                    "{port}/{proto} listens on {} on {}, which the spec does not allow (allowed: {})",
                    addresses.join(", "),
                    h.host,
                    if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") }
                ),
                format!(
                    "{}; bind it to 127.0.0.1 or a private network, or allow the port in the spec",
                    owner.unwrap_or_else(|| "owner unknown".to_owned())
                ),
            ));
        }
    }
}
