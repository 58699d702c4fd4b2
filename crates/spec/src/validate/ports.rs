//! No two things listen on one port of a host. Published ports and the ports of non-data
//! containers (which are bound to the host's mesh address so the proxy and probes reach them)
//! must be unique per host and protocol. Databases stay on internal networks and may repeat.

use std::collections::HashMap;

use super::Context;
use crate::diag::Diagnostic;
use crate::load::path::{child, index};
use crate::model::Protocol;

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut taken: HashMap<(&str, u16, Protocol), String> = HashMap::new();
    let mut claim =
        |host: &str, port: u16, protocol: Protocol, path: String, out: &mut Vec<Diagnostic>| {
            let host = cx
                .spec
                .hosts
                .get_key_value(host)
                .map_or("", |(k, _)| k.as_str());
            if host.is_empty() {
                return;
            }
            if let Some(first) = taken.get(&(host, port, protocol)) {
                out.push(
                    Diagnostic::error(
                        "ports.clash",
                        &path,
                        format!(
                            "port {port}/{} on host `{host}` is already used by `{first}`",
                            protocol.label()
                        ),
                    )
                    .hint("give one of them another port"),
                );
            } else {
                taken.insert((host, port, protocol), path);
            }
        };
    for (service_id, service) in &cx.spec.services {
        let Some(host) = &service.host else { continue };
        for (component_id, component) in &service.components {
            let path = child(
                &child(&child("services", service_id), "components"),
                component_id,
            );
            if !component.is_container() {
                continue;
            }
            if let (Some(port), false) = (component.port, component.is_data()) {
                claim(host, port, component.protocol, child(&path, "port"), out);
            }
            for (i, publish) in component.publish.iter().enumerate() {
                let same_as_port = component.port == Some(publish.port) && !component.is_data();
                if !same_as_port {
                    claim(
                        host,
                        publish.port,
                        publish.protocol,
                        index(&child(&path, "publish"), i),
                        out,
                    );
                }
            }
        }
    }
}
