//! `firewall`: one UFW script per host (B13) — deny incoming by default, SSH only from the admin
//! sources, 80/443 only where the policy opens them (the proxy host), the WireGuard port, anything
//! on the mesh interface, and a DOCKER-USER chain so published container ports cannot slip past
//! UFW the way Docker's own iptables rules otherwise let them.

use cloudctl_spec::{Host, Source, Spec};
use serde::Serialize;

use super::compose;
use super::{Context, Target, quote};
use crate::{RenderedFile, Result};

/// The firewall target.
pub struct Firewall;

#[derive(Serialize)]
struct Data {
    host: String,
    title: String,
    /// `ufw` argument lists, each quoted for the shell, with the comment line above it.
    rules: Vec<(String, String)>,
    /// Published container ports allowed through DOCKER-USER: `(protocol, port, container)`.
    published: Vec<(String, u16, String)>,
    open_ssh: bool,
    generator: String,
}

impl Target for Firewall {
    fn name(&self) -> &'static str {
        "firewall"
    }

    fn describe(&self) -> &'static str {
        "per host: firewall/ufw.sh (default deny, the policy's inbound ports, DOCKER-USER rule)"
    }

    fn render(&self, context: &Context<'_>) -> Result<Vec<RenderedFile>> {
        let compose = compose::model(context.spec);
        let mut files = Vec::new();
        for (host_id, host) in &context.spec.hosts {
            let published = compose
                .iter()
                .filter(|f| &f.host == host_id)
                .flat_map(|f| f.services.iter())
                .flat_map(|c| {
                    c.ports
                        .iter()
                        .filter(|p| p.public)
                        .map(|p| (p.protocol.clone(), p.port, c.name.clone()))
                })
                .collect();
            let data = data(context.spec, host_id, host, published);
            let text = context.engine.render(
                "firewall/ufw.sh.j2",
                minijinja::Value::from(minijinja::value::Serde(&data)),
            )?;
            files.push(RenderedFile {
                path: format!("{host_id}/firewall/ufw.sh"),
                contents: text,
                executable: true,
            });
        }
        Ok(files)
    }
}

fn data(spec: &Spec, host_id: &str, host: &Host, published: Vec<(String, u16, String)>) -> Data {
    let mut rules = Vec::new();
    let mut open_ssh = false;
    for rule in spec.security.inbound_for(&host.roles) {
        let proto = rule.protocol.label();
        let comment = quote::comment(&rule.reason);
        let sources: Vec<String> = match rule.from {
            Source::Any => vec![],
            Source::Admins => {
                if spec.security.admin_sources.is_empty() {
                    open_ssh = true;
                }
                spec.security.admin_sources.clone()
            }
            Source::Hosts => spec
                .hosts
                .iter()
                .filter(|(id, _)| id.as_str() != host_id)
                .filter_map(|(_, h)| h.public_ip.map(|ip| ip.to_string()))
                .collect(),
        };
        let tag = quote::shell(&comment);
        if sources.is_empty() && rule.from != Source::Hosts {
            rules.push((
                comment.clone(),
                format!("allow {}/{proto} comment {tag}", rule.port),
            ));
        }
        for source in sources {
            rules.push((
                comment.clone(),
                format!(
                    "allow proto {proto} from {} to any port {} comment {tag}",
                    quote::shell(&source),
                    rule.port
                ),
            ));
        }
    }
    Data {
        host: host_id.to_owned(),
        title: quote::comment(host.title.as_deref().unwrap_or(host_id)),
        rules,
        published,
        open_ssh,
        generator: format!("cloudctl {}", env!("CARGO_PKG_VERSION")),
    }
}
