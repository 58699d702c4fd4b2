//! The audit of what the deploy targets render, which `cloudctl check` runs after validation: every
//! public URL is behind the gateway or explicitly not (with a reason); no port is published beyond
//! what the security policy opens for the host (and none on the mesh's own port); every container
//! has a memory limit; no container runs as root without a reason. It reads the same models the
//! targets render from, so it audits what would be written, not a second opinion of the spec.

use cloudctl_spec::{Diagnostic, Spec};

use crate::targets::deploy::{self, MESH_PORT};
use crate::targets::{compose, routes};

/// Findings about the rendered result, each pointing at the key of the spec to change.
pub fn audit(spec: &Spec) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    containers(spec, &mut out);
    proxy(spec, &mut out);
    hub(spec, &mut out);
    out
}

fn component_path(service: &str, component: &str) -> String {
    format!("services.{service}.components.{component}")
}

fn containers(spec: &Spec, out: &mut Vec<Diagnostic>) {
    for file in compose::model(spec) {
        let host = &spec.hosts[&file.host];
        for container in &file.services {
            let path = component_path(&container.service, &container.component);
            if container.mem_limit.is_none() {
                out.push(
                    Diagnostic::error(
                        "audit.memory",
                        format!("{path}.resources"),
                        format!("container `{}` on `{}` would run without a memory limit", container.name, file.host),
                    )
                    .hint("set `resources.ram:`; it becomes the container's memory limit, so the capacity plan is enforced"),
                );
            }
            if deploy::is_root(&container.user) && container.reason.is_none() {
                out.push(
                    Diagnostic::error(
                        "audit.root",
                        format!("{path}.hardening.user"),
                        format!("container `{}` would run as root and the spec gives no reason", container.name),
                    )
                    .hint("run it as a non-root user, or add `hardening.reason:` saying why it needs root"),
                );
            }
            for port in container.ports.iter().filter(|p| p.public) {
                let index = port.publish_index.unwrap_or_default();
                let publish_path = format!("{path}.publish[{index}]");
                let opened = spec
                    .security
                    .inbound_for(&host.roles)
                    .any(|rule| rule.port == port.port && rule.protocol.label() == port.protocol);
                if !opened {
                    out.push(
                        Diagnostic::error(
                            "audit.published",
                            &publish_path,
                            format!(
                                "`{}` would publish {}/{} on `{}`, beyond what the security policy opens there",
                                container.name, port.port, port.protocol, file.host
                            ),
                        )
                        .hint("route it through the reverse proxy, or open the port under `security.inbound` for one of the host's roles"),
                    );
                }
                if port.port == MESH_PORT && port.protocol == "udp" && host.private_ip.is_some() {
                    out.push(
                        Diagnostic::error(
                            "audit.mesh-port",
                            &publish_path,
                            format!(
                                "`{}` would publish {MESH_PORT}/udp on `{}`, where the WireGuard mesh (wg0) already listens",
                                container.name, file.host
                            ),
                        )
                        .hint(format!("publish another host port (e.g. `port: 51821, target: {MESH_PORT}`) and open it under `security.inbound`")),
                    );
                }
            }
            if host.private_ip.is_none() && container.ports.iter().any(|p| !p.public) {
                out.push(
                    Diagnostic::warning(
                        "audit.unreachable",
                        format!("hosts.{}.private_ip", file.host),
                        format!("`{}` has no mesh address, so `{}` is bound to 127.0.0.1 and the proxy cannot reach it", file.host, container.name),
                    )
                    .hint("give the host a `private_ip:` on the WireGuard mesh"),
                );
            }
        }
    }
}

fn proxy(spec: &Spec, out: &mut Vec<Diagnostic>) {
    let public: Vec<_> = spec
        .services
        .iter()
        .filter(|(_, s)| s.is_public() && s.external.is_none() && deploy::deployed(s))
        .collect();
    let Some(routes) = routes::routes(spec) else {
        if let Some((id, _)) = public.first() {
            out.push(
                Diagnostic::error(
                    "audit.no-proxy",
                    format!("services.{id}.url"),
                    "public services are deployed but no host has the `proxy` role, so nothing serves their URLs",
                )
                .hint("give the gateway VM `roles: [proxy]`"),
            );
        }
        return;
    };
    for site in &routes.sites {
        for route in &site.routes {
            let path = format!("services.{}", route.service);
            let explicit = !route.gateway && route.reason.is_some();
            if !route.gateway && !explicit {
                out.push(
                    Diagnostic::error(
                        "audit.auth",
                        format!("{path}.auth"),
                        format!("https://{}{} would be served without the auth gateway and the spec says not why", site.name, route.path),
                    )
                    .hint("use `auth: two_factor`, or keep the policy and add `auth_reason:`"),
                );
            }
            if route.gateway && routes.gateway.is_none() {
                out.push(
                    Diagnostic::error(
                        "audit.gateway",
                        format!("{path}.auth"),
                        format!("https://{}{} needs the auth gateway, which is not deployed, so the proxy answers 503", site.name, route.path),
                    )
                    .hint("deploy the service at `access.portal` (status on or dev) on a host with a mesh address"),
                );
            }
            if route.upstream.is_none() {
                out.push(
                    Diagnostic::error(
                        "audit.upstream",
                        format!("{path}.host"),
                        format!("the proxy cannot reach `{}`: its host has no mesh address or it has no entry port", route.service),
                    )
                    .hint("give the host a `private_ip:` and the entry component a `port:`"),
                );
            }
            if !route.bypass.is_empty() && route.reason.is_none() {
                out.push(
                    Diagnostic::error(
                        "audit.auth",
                        format!("{path}.bypass_paths"),
                        "paths would skip the gateway and the spec says not why",
                    )
                    .hint("add `auth_reason:`"),
                );
            }
        }
    }
}

/// The hub as a systemd unit and as a container on the same address would fight for the port.
fn hub(spec: &Spec, out: &mut Vec<Diagnostic>) {
    let hub = &spec.monitoring.hub;
    if hub.service.is_some() {
        return; // the container is the hub: no unit is rendered
    }
    let Some(host_id) = &hub.host else { return };
    let Some(port) = hub
        .listen
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse::<u16>().ok())
    else {
        return;
    };
    for file in compose::model(spec).iter().filter(|f| &f.host == host_id) {
        for container in &file.services {
            if container.ports.iter().any(|p| !p.public && p.port == port) {
                out.push(
                    Diagnostic::warning(
                        "audit.hub-twice",
                        "monitoring.hub.listen",
                        format!(
                            "the hub's systemd unit and container `{}` both want port {port} on `{host_id}`",
                            container.name
                        ),
                    )
                    .hint(format!("run one: set `monitoring.hub.service` to the service of `{}` (no unit is rendered then), or drop the container", container.name)),
                );
            }
        }
    }
}
