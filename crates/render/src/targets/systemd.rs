//! `systemd`: the units that run cloudctl itself — `cloudctl agent` on every VM, reporting to the
//! hub over the mesh, and `cloudctl hub` on the hub's VM, with memory ceilings that fit a 1 GB VM.

use cloudctl_spec::Spec;
use serde::Serialize;

use super::{Context, Target, deploy, quote};
use crate::{RenderedFile, Result};

/// The systemd target.
pub struct Systemd;

/// Where the binary is installed on each VM.
const BINARY: &str = "/usr/local/bin/cloudctl";

#[derive(Serialize)]
struct Data {
    host: String,
    exec: String,
    hub_url: String,
    hub_listen: String,
    generator: String,
}

impl Target for Systemd {
    fn name(&self) -> &'static str {
        "systemd"
    }

    fn describe(&self) -> &'static str {
        "per host: systemd/cloudctl-agent.service; on the hub's host, systemd/cloudctl-hub.service"
    }

    fn render(&self, context: &Context<'_>) -> Result<Vec<RenderedFile>> {
        let spec = context.spec;
        let hub = &spec.monitoring.hub;
        let hub_url = hub_url(spec);
        let mut files = Vec::new();
        for host_id in spec.hosts.keys() {
            let data = Data {
                host: host_id.clone(),
                exec: BINARY.into(),
                hub_url: quote::shell(&hub_url),
                hub_listen: quote::shell(&hub.listen),
                generator: format!("cloudctl {}", env!("CARGO_PKG_VERSION")),
            };
            let value = minijinja::Value::from(minijinja::value::Serde(&data));
            files.push(RenderedFile::new(
                format!("{host_id}/systemd/cloudctl-agent.service"),
                context
                    .engine
                    .render("systemd/cloudctl-agent.service.j2", value.clone())?,
            ));
            // A hub that runs as a container of the spec needs no unit of its own.
            if hub.host.as_deref() == Some(host_id.as_str()) && hub.service.is_none() {
                files.push(RenderedFile::new(
                    format!("{host_id}/systemd/cloudctl-hub.service"),
                    context
                        .engine
                        .render("systemd/cloudctl-hub.service.j2", value)?,
                ));
            }
        }
        Ok(files)
    }
}

/// The URL agents send to: `monitoring.hub.url`, else the hub host's mesh address and the port the
/// hub listens on.
pub fn hub_url(spec: &Spec) -> String {
    let hub = &spec.monitoring.hub;
    if let Some(url) = &hub.url {
        return url.clone();
    }
    let port = hub
        .listen
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse::<u16>().ok())
        .unwrap_or(8787);
    let ip = hub
        .host
        .as_ref()
        .and_then(|h| spec.hosts.get(h))
        .and_then(|h| h.private_ip);
    match ip {
        Some(ip) => format!("http://{}", deploy::socket(ip, port)),
        None => format!("http://127.0.0.1:{port}"),
    }
}
