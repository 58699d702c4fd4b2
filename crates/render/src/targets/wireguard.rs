//! `wireguard`: the mesh between the VMs (B13 layer 3) — a `wg0.conf` per host with a mesh
//! address, and `wireguard/keys.sh`, which makes every host's key pair locally. Keys never appear
//! in the configs: each host reads its private key and its peers' public keys from files under
//! `/etc/wireguard/keys/` when the interface comes up.

use std::net::IpAddr;

use cloudctl_spec::Spec;
use serde::Serialize;

use super::deploy::MESH_PORT;
use super::{Context, Target, quote};
use crate::{RenderedFile, Result};

/// The WireGuard target.
pub struct Wireguard;

/// Where keys live on each host.
const KEY_DIR: &str = "/etc/wireguard/keys";

#[derive(Serialize)]
struct Data {
    host: String,
    title: String,
    address: String,
    port: u16,
    key_dir: &'static str,
    peers: Vec<Peer>,
    hosts: Vec<String>,
    generator: String,
}

#[derive(Serialize)]
struct Peer {
    id: String,
    title: String,
    allowed: String,
    endpoint: Option<String>,
    keepalive: bool,
}

impl Target for Wireguard {
    fn name(&self) -> &'static str {
        "wireguard"
    }

    fn describe(&self) -> &'static str {
        "per host: wireguard/wg0.conf for the mesh (keys as file references); wireguard/keys.sh makes the keys"
    }

    fn render(&self, context: &Context<'_>) -> Result<Vec<RenderedFile>> {
        let spec = context.spec;
        let members: Vec<(&String, IpAddr)> = spec
            .hosts
            .iter()
            .filter_map(|(id, h)| h.private_ip.map(|ip| (id, ip)))
            .collect();
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let mut files = Vec::new();
        let mut data = Data {
            host: String::new(),
            title: String::new(),
            address: String::new(),
            port: MESH_PORT,
            key_dir: KEY_DIR,
            peers: Vec::new(),
            hosts: members.iter().map(|(id, _)| quote::shell(id)).collect(),
            generator: format!("cloudctl {}", env!("CARGO_PKG_VERSION")),
        };
        for (id, ip) in &members {
            let host = &spec.hosts[*id];
            data.host = (*id).clone();
            data.title = quote::comment(host.title.as_deref().unwrap_or(id));
            data.address = match ip {
                IpAddr::V4(_) => format!("{ip}/24"),
                IpAddr::V6(_) => format!("{ip}/64"),
            };
            data.peers = peers(spec, id, host.public_ip.is_none(), &members);
            let text = context.engine.render(
                "wireguard/wg0.conf.j2",
                minijinja::Value::from(minijinja::value::Serde(&data)),
            )?;
            files.push(RenderedFile::new(format!("{id}/wireguard/wg0.conf"), text));
        }
        let keys = context.engine.render(
            "wireguard/keys.sh.j2",
            minijinja::Value::from(minijinja::value::Serde(&data)),
        )?;
        files.push(RenderedFile {
            path: "wireguard/keys.sh".into(),
            contents: keys,
            executable: true,
        });
        Ok(files)
    }
}

fn peers(spec: &Spec, me: &str, behind_nat: bool, members: &[(&String, IpAddr)]) -> Vec<Peer> {
    members
        .iter()
        .filter(|(id, _)| id.as_str() != me)
        .map(|(id, ip)| {
            let host = &spec.hosts[*id];
            let allowed = match ip {
                IpAddr::V4(_) => format!("{ip}/32"),
                IpAddr::V6(_) => format!("{ip}/128"),
            };
            Peer {
                id: (*id).clone(),
                title: quote::comment(host.title.as_deref().unwrap_or(id)),
                allowed,
                endpoint: host
                    .public_ip
                    .map(|public| super::deploy::socket(public, MESH_PORT)),
                // A host without a public address is reached only through the tunnels it opens:
                // it keeps them open.
                keepalive: behind_nat,
            }
        })
        .collect()
}
