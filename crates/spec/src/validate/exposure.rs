//! B13 "no exposed ports": a component may publish a port only where the security policy opens it
//! for the host's roles (80/443 on the proxy, mail ports on the mail host, …). A public service needs
//! a component the proxy can route to.

use super::Context;
use crate::diag::Diagnostic;
use crate::load::path::{child, index};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let spec = cx.spec;
    let ssh_from_admins = spec
        .security
        .inbound
        .iter()
        .any(|rule| rule.from == crate::model::Source::Admins);
    if ssh_from_admins && spec.security.admin_sources.is_empty() && !spec.hosts.is_empty() {
        out.push(
            Diagnostic::warning("exposure.admin-sources", "security.admin_sources", "ports for admins (SSH) are open to any address")
                .hint("list your addresses as CIDRs under `security.admin_sources` (B13: restrict SSH to known IPs)"),
        );
    }
    for (service_id, service) in &spec.services {
        let service_path = child("services", service_id);
        if service.is_public() && service.external.is_none() && service.entry_component().is_none()
        {
            out.push(
                Diagnostic::error("proxy.no-entry", child(&service_path, "url"), format!("public service `{service_id}` has no container with a port for the proxy to reach"))
                    .hint("give a front/app component an `image:` and a `port:`, or name it with `entry:`"),
            );
        }
        let Some(host_id) = &service.host else {
            continue;
        };
        let Some(host) = spec.hosts.get(host_id) else {
            continue;
        };
        for (component_id, component) in &service.components {
            for (i, publish) in component.publish.iter().enumerate() {
                let allowed = spec
                    .security
                    .inbound_for(&host.roles)
                    .any(|rule| rule.port == publish.port && rule.protocol == publish.protocol);
                if allowed {
                    continue;
                }
                let path = index(
                    &child(
                        &child(&child(&service_path, "components"), component_id),
                        "publish",
                    ),
                    i,
                );
                out.push(
                    Diagnostic::error(
                        "exposure.port",
                        &path,
                        format!(
                            "`{component_id}` publishes port {}/{} on `{host_id}`, which the security policy does not open (B13: no exposed ports)",
                            publish.port,
                            publish.protocol.label()
                        ),
                    )
                    .hint(format!(
                        "route it through the reverse proxy and remove `publish`, or open it under `security.inbound` for a role of `{host_id}` ({}) with a reason",
                        host.roles.iter().map(|r| format!("{r:?}").to_lowercase()).collect::<Vec<_>>().join(", ")
                    )),
                );
            }
        }
    }
}
