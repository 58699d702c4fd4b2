//! `ssh`: `~/.ssh/config` entries for every VM (B12) — alias, address, user, port and the key file
//! from the spec's secret reference. A VM without a public address is reached through the proxy
//! host over the mesh (`ProxyJump`).

use serde::Serialize;

use super::{Context, Target, deploy, quote};
use crate::{RenderedFile, Result};

/// The SSH target.
pub struct Ssh;

#[derive(Serialize)]
struct Entry {
    names: String,
    title: String,
    address: Option<String>,
    user: String,
    port: u16,
    identity: Option<String>,
    key_note: Option<String>,
    jump: Option<String>,
}

impl Target for Ssh {
    fn name(&self) -> &'static str {
        "ssh"
    }

    fn describe(&self) -> &'static str {
        "ssh/config: an ~/.ssh/config entry per VM (B12)"
    }

    fn render(&self, context: &Context<'_>) -> Result<Vec<RenderedFile>> {
        let spec = context.spec;
        let alias = |id: &str| {
            spec.hosts
                .get(id)
                .and_then(|h| h.ssh.as_ref())
                .and_then(|s| s.alias.clone())
                .unwrap_or_else(|| id.to_owned())
        };
        // The jump host: the proxy host if it has a public address, else any host that does.
        let jump = deploy::proxy_host(spec)
            .filter(|(_, h)| h.public_ip.is_some() && h.ssh.is_some())
            .or_else(|| {
                spec.hosts
                    .iter()
                    .find(|(_, h)| h.public_ip.is_some() && h.ssh.is_some())
            })
            .map(|(id, _)| alias(id));
        let mut entries = Vec::new();
        for (id, host) in &spec.hosts {
            let Some(ssh) = &host.ssh else { continue };
            let name = alias(id);
            let names = if &name == id {
                name.clone()
            } else {
                format!("{name} {id}")
            };
            let secret = spec.secrets.get(&ssh.key);
            let (identity, key_note) = match secret.map(|s| (&s.file, &s.env)) {
                Some((Some(file), _)) => (Some(file.clone()), None),
                Some((None, Some(env))) => (
                    None,
                    Some(format!("the key is in ${env}: load it with ssh-add")),
                ),
                _ => (
                    None,
                    Some(format!(
                        "secret `{}` is not defined under `secrets:`",
                        ssh.key
                    )),
                ),
            };
            let (address, jump) = match (host.public_ip, host.private_ip) {
                (Some(public), _) => (Some(public.to_string()), None),
                (None, Some(private)) => (Some(private.to_string()), jump.clone()),
                (None, None) => (None, None),
            };
            entries.push(Entry {
                names,
                title: quote::comment(host.title.as_deref().unwrap_or(id)),
                address,
                user: ssh.user.clone(),
                port: ssh.port,
                identity,
                key_note,
                jump: jump.filter(|j| j != &name),
            });
        }
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let text = context.engine.render(
            "ssh/config.j2",
            minijinja::context! {
                entries => minijinja::Value::from(minijinja::value::Serde(&entries)),
                generator => format!("cloudctl {}", env!("CARGO_PKG_VERSION")),
            },
        )?;
        Ok(vec![RenderedFile::new("ssh/config", text)])
    }
}
