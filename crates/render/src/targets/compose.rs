//! `compose`: one hardened `docker-compose.yml` per host (B13) and the `.env.example` beside it.
//!
//! Every deployed container component becomes a service. Ports of non-data containers are bound to
//! the host's mesh address only, so the proxy and the probes reach them and nothing else does;
//! `publish:` entries are the only ports open to the world. Data components (db, db_obj, cache, vec)
//! get no ports and sit on an `internal: true` network with the containers of their service. The
//! security policy's container defaults apply unless a component's `hardening` overrides them.
//! Secrets come from `.env` (environment references) or are mounted as Compose secrets (file
//! references, with `<VAR>_FILE` pointing at them); no value is ever written.

use std::collections::BTreeSet;

use cloudctl_spec::{Component, Host, Protocol, Spec};
use serde::Serialize;

use super::deploy::{self, SecretUse};
use super::{Context, Target, quote, stacks};
use crate::{RenderedFile, Result};

/// The compose target.
pub struct Compose;

impl Target for Compose {
    fn name(&self) -> &'static str {
        "compose"
    }

    fn describe(&self) -> &'static str {
        "per host: docker-compose.yml (hardened, B13) and .env.example"
    }

    fn render(&self, context: &Context<'_>) -> Result<Vec<RenderedFile>> {
        let mut files = Vec::new();
        for file in model(context.spec) {
            let data = minijinja::context! {
                compose => minijinja::Value::from(minijinja::value::Serde(&file)),
                generator => format!("cloudctl {}", env!("CARGO_PKG_VERSION")),
            };
            let yaml = context
                .engine
                .render("compose/docker-compose.yml.j2", data.clone())?;
            files.push(RenderedFile::new(
                format!("{}/docker-compose.yml", file.host),
                yaml,
            ));
            let env = context.engine.render("compose/env.example.j2", data)?;
            files.push(RenderedFile::new(
                format!("{}/.env.example", file.host),
                env,
            ));
        }
        Ok(files)
    }
}

/// One host's compose file.
#[derive(Debug, Clone, Serialize)]
pub struct ComposeFile {
    /// Host id.
    pub host: String,
    /// Host title.
    pub title: String,
    /// The mesh address ports are bound to.
    pub bind: String,
    /// Containers, in spec order.
    pub services: Vec<ComposeService>,
    /// Networks: `(name, internal)`.
    pub networks: Vec<Network>,
    /// Named volumes, as YAML keys.
    pub volumes: Vec<String>,
    /// File secrets mounted into containers.
    pub secrets: Vec<FileSecret>,
    /// Environment secrets `.env` must define.
    pub env: Vec<EnvSecret>,
    /// Services placed here but not deployed, with their status.
    pub skipped: Vec<(String, String)>,
}

/// A Compose network.
#[derive(Debug, Clone, Serialize)]
pub struct Network {
    /// Name.
    pub name: String,
    /// The name as a YAML key.
    pub key: String,
    /// No route outside the host (databases).
    pub internal: bool,
}

/// A container.
#[derive(Debug, Clone, Serialize)]
pub struct ComposeService {
    /// The spec service it belongs to.
    pub service: String,
    /// The component id.
    pub component: String,
    /// Container (and Compose service) name.
    pub name: String,
    /// The name as a YAML key.
    pub key: String,
    /// Image.
    pub image: String,
    /// Restart policy.
    pub restart: String,
    /// `uid:gid`, `root`, …
    pub user: String,
    /// Why the defaults do not apply, from `hardening.reason`.
    pub reason: Option<String>,
    /// Read-only root filesystem.
    pub read_only: bool,
    /// Scratch mounts for a read-only container.
    pub tmpfs: Vec<String>,
    /// `cap_drop: [ALL]`.
    pub cap_drop_all: bool,
    /// Capabilities added back.
    pub cap_add: Vec<String>,
    /// `no-new-privileges:true`.
    pub no_new_privileges: bool,
    /// Port bindings.
    pub ports: Vec<PortBinding>,
    /// Networks it joins.
    pub networks: Vec<String>,
    /// Mounts.
    pub volumes: Vec<String>,
    /// Environment: plain values and secret references (names as YAML keys).
    pub environment: Vec<(String, String)>,
    /// File secrets mounted.
    pub secrets: Vec<String>,
    /// Containers that start first.
    pub depends_on: Vec<String>,
    /// Health check.
    pub healthcheck: Option<HealthcheckView>,
    /// Memory limit in bytes.
    pub mem_limit: Option<u64>,
    /// Memory limit as written for people.
    pub mem_human: Option<String>,
    /// CPU limit.
    pub cpus: Option<f64>,
    /// Command arguments.
    pub command: Vec<String>,
}

/// A port binding.
#[derive(Debug, Clone, Serialize)]
pub struct PortBinding {
    /// Compose's short form: `10.8.0.4:7681:7681` or `443:443`.
    pub spec: String,
    /// Bound on every address (a `publish:` entry) rather than the mesh address.
    pub public: bool,
    /// Host port.
    pub port: u16,
    /// Protocol.
    pub protocol: String,
    /// Index of the `publish:` entry, for public ports.
    pub publish_index: Option<usize>,
}

/// A health check.
#[derive(Debug, Clone, Serialize)]
pub struct HealthcheckView {
    /// Exec form.
    pub test: Vec<String>,
    /// Go duration, e.g. `30s`.
    pub interval: String,
}

/// A file secret mounted with Compose.
#[derive(Debug, Clone, Serialize)]
pub struct FileSecret {
    /// Secret id (the Compose secret's name).
    pub id: String,
    /// The id as a YAML key.
    pub key: String,
    /// The file on the host.
    pub file: String,
    /// What it is for.
    pub description: String,
    /// `container (VAR_FILE)` users.
    pub used_by: Vec<String>,
}

/// An environment secret `.env` must define.
#[derive(Debug, Clone, Serialize)]
pub struct EnvSecret {
    /// Variable name in `.env`.
    pub name: String,
    /// Secret id.
    pub id: String,
    /// What it is for.
    pub description: String,
    /// `container (VAR)` users.
    pub used_by: Vec<String>,
}

/// Every host's compose model (hosts with no deployed container are left out).
pub fn model(spec: &Spec) -> Vec<ComposeFile> {
    spec.hosts
        .iter()
        .filter_map(|(host_id, host)| host_file(spec, host_id, host))
        .collect()
}

fn host_file(spec: &Spec, host_id: &str, host: &Host) -> Option<ComposeFile> {
    // Without a mesh address nothing but the host itself could reach a container's port.
    let bind = host
        .private_ip
        .map_or_else(|| "127.0.0.1".to_owned(), |ip| ip.to_string());
    let mut file = ComposeFile {
        host: host_id.to_owned(),
        title: quote::comment(host.title.as_deref().unwrap_or(host_id)),
        bind: bind.clone(),
        services: Vec::new(),
        networks: Vec::new(),
        volumes: Vec::new(),
        secrets: Vec::new(),
        env: Vec::new(),
        skipped: Vec::new(),
    };
    let mut volumes = BTreeSet::new();
    for (service_id, service) in spec.services_on(host_id) {
        let containers: Vec<_> = service
            .components
            .iter()
            .filter(|(_, c)| c.is_container())
            .collect();
        if containers.is_empty() {
            continue;
        }
        if !deploy::deployed(service) {
            file.skipped
                .push((service_id.clone(), service.status.label().to_owned()));
            continue;
        }
        let has_data = containers.iter().any(|(_, c)| c.is_data());
        let has_front = containers.iter().any(|(_, c)| !c.is_data());
        let data_net = format!("{service_id}-data");
        if has_front {
            file.networks.push(Network {
                key: quote::yaml_key(service_id),
                name: service_id.clone(),
                internal: false,
            });
        }
        if has_data {
            file.networks.push(Network {
                key: quote::yaml_key(&data_net),
                name: data_net.clone(),
                internal: true,
            });
        }
        for (component_id, component) in containers {
            let wiring = deploy::wiring(spec, service_id, component_id, component);
            let mut container = container(spec, &bind, service_id, component_id, component);
            container.networks = if component.is_data() {
                vec![data_net.clone()]
            } else if has_data {
                vec![service_id.clone(), data_net.clone()]
            } else {
                vec![service_id.clone()]
            };
            container.volumes.extend(wiring.volumes.iter().cloned());
            container.command = wiring.command.clone();
            let mut uses: Vec<SecretUse> = component
                .secrets
                .iter()
                .map(|(var, id)| SecretUse {
                    var: Some(var.clone()),
                    secret: id.clone(),
                })
                .collect();
            uses.extend(wiring.secrets);
            for secret in uses {
                add_secret(spec, &mut file, &mut container, &secret);
            }
            for volume in &component.volumes {
                if volume.is_named() {
                    volumes.insert(volume.source.clone());
                }
            }
            file.services.push(container);
        }
    }
    if file.services.is_empty() {
        return None;
    }
    file.volumes = volumes.iter().map(|v| quote::yaml_key(v)).collect();
    Some(file)
}

fn container(
    spec: &Spec,
    bind: &str,
    service_id: &str,
    component_id: &str,
    component: &Component,
) -> ComposeService {
    let policy = &spec.security.containers;
    let hardening = component.hardening.clone().unwrap_or_default();
    let read_only = hardening.read_only.unwrap_or(policy.read_only);
    let known = component.image.as_deref().and_then(stacks::known);
    let mut tmpfs = Vec::new();
    if read_only {
        if hardening.tmpfs.is_empty() {
            tmpfs.push("/tmp".to_owned());
        } else {
            tmpfs.extend(hardening.tmpfs.iter().cloned());
        }
        for path in known.map_or(&[][..], |k| k.tmpfs) {
            if !tmpfs.iter().any(|t| t == path) {
                tmpfs.push((*path).to_owned());
            }
        }
    }
    let mut ports = Vec::new();
    if let (Some(port), false) = (component.port, component.is_data()) {
        ports.push(PortBinding {
            spec: format!(
                "{}:{port}:{port}{}",
                bind_host(bind),
                proto_suffix(component.protocol)
            ),
            public: false,
            port,
            protocol: component.protocol.label().to_owned(),
            publish_index: None,
        });
    }
    for (i, publish) in component.publish.iter().enumerate() {
        let target = publish.target.unwrap_or(publish.port);
        ports.push(PortBinding {
            spec: format!(
                "{}:{target}{}",
                publish.port,
                proto_suffix(publish.protocol)
            ),
            public: true,
            port: publish.port,
            protocol: publish.protocol.label().to_owned(),
            publish_index: Some(i),
        });
    }
    let healthcheck = component
        .healthcheck
        .as_ref()
        .map(|h| HealthcheckView {
            test: h.test.clone(),
            interval: h
                .interval
                .map_or_else(|| "30s".to_owned(), |d| d.to_string().replace(' ', "")),
        })
        .or_else(|| {
            known
                .and_then(|k| k.healthcheck)
                .map(|test| HealthcheckView {
                    test: test.iter().map(|s| (*s).to_owned()).collect(),
                    interval: "30s".to_owned(),
                })
        });
    let service = &spec.services[service_id];
    let depends_on = component
        .depends_on
        .iter()
        .filter_map(|id| {
            service
                .components
                .get(id)
                .filter(|c| c.is_container())
                .map(|c| c.container_name(id).to_owned())
        })
        .collect();
    ComposeService {
        service: service_id.to_owned(),
        component: component_id.to_owned(),
        name: component.container_name(component_id).to_owned(),
        key: quote::yaml_key(component.container_name(component_id)),
        image: component.image.clone().unwrap_or_default(),
        restart: policy.restart.clone(),
        user: hardening
            .user
            .clone()
            .unwrap_or_else(|| policy.user.clone()),
        reason: hardening.reason.as_deref().map(quote::comment),
        read_only,
        tmpfs,
        cap_drop_all: policy.cap_drop_all,
        cap_add: hardening.cap_add.clone(),
        no_new_privileges: policy.no_new_privileges,
        ports,
        networks: Vec::new(),
        volumes: component.volumes.iter().map(ToString::to_string).collect(),
        // Compose interpolates `$` in values; a literal one is written `$$`.
        environment: component
            .env
            .iter()
            .map(|(k, v)| (quote::yaml_key(k), v.replace('$', "$$")))
            .collect(),
        secrets: Vec::new(),
        depends_on,
        healthcheck,
        mem_limit: component.resources.ram.map(|r| r.0),
        mem_human: component.resources.ram.map(|r| r.human()),
        cpus: component.resources.cpu,
        command: Vec::new(),
    }
}

fn bind_host(bind: &str) -> String {
    if bind.contains(':') {
        format!("[{bind}]")
    } else {
        bind.to_owned()
    }
}

fn proto_suffix(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Tcp => "",
        Protocol::Udp => "/udp",
    }
}

/// Wires one secret into a container: `${VAR}` from `.env` for an environment reference, a
/// mounted Compose secret (and `<VAR>_FILE`) for a file reference.
fn add_secret(
    spec: &Spec,
    file: &mut ComposeFile,
    container: &mut ComposeService,
    secret: &SecretUse,
) {
    let Some(reference) = spec.secrets.get(&secret.secret) else {
        return;
    };
    let description = quote::comment(reference.description.as_deref().unwrap_or_default());
    if let Some(env) = &reference.env {
        let Some(var) = &secret.var else { return };
        container.environment.push((
            quote::yaml_key(var),
            format!("${{{env}:?set {env} in .env}}"),
        ));
        let user = format!("{} ({var})", container.name);
        match file.env.iter_mut().find(|e| &e.name == env) {
            Some(entry) => entry.used_by.push(user),
            None => file.env.push(EnvSecret {
                name: env.clone(),
                id: secret.secret.clone(),
                description,
                used_by: vec![user],
            }),
        }
    } else if let Some(path) = &reference.file {
        let mount = deploy::secret_mount(&secret.secret);
        let user = match &secret.var {
            Some(var) => {
                container
                    .environment
                    .push((quote::yaml_key(&format!("{var}_FILE")), mount.clone()));
                format!("{} ({var}_FILE)", container.name)
            }
            None => format!("{} ({mount})", container.name),
        };
        if !container.secrets.contains(&secret.secret) {
            container.secrets.push(secret.secret.clone());
        }
        match file.secrets.iter_mut().find(|s| s.id == secret.secret) {
            Some(entry) => entry.used_by.push(user),
            None => file.secrets.push(FileSecret {
                key: quote::yaml_key(&secret.secret),
                id: secret.secret.clone(),
                file: path.clone(),
                description,
                used_by: vec![user],
            }),
        }
    }
}
