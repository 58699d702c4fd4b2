use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Id;
use crate::units::{Bandwidth, Size};

/// A part of a service: a container, a built-in UI, or storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// What role it plays.
    pub kind: ComponentKind,
    /// One line on what it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What it is built with: "Vaultwarden", "SQL:PostgreSQL", "Filesystem".
    pub stack: String,
    /// Container image; without one the component is not a container (a built-in UI, a folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Container name; defaults to the component id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// The port the container listens on inside its network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Protocol of `port`.
    #[serde(default, skip_serializing_if = "is_tcp")]
    pub protocol: Protocol,
    /// Needs WebSocket upgrades through the proxy (terminals, IDEs, notebooks, chat).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub websocket: bool,
    /// Ports published on the host, each with the reason it must bypass the proxy (B13).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub publish: Vec<Publish>,
    /// Volumes: `name:/path` (named volume) or `/host/path:/path`, `:ro` for read-only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
    /// What it is allocated (the plan's B21).
    #[serde(default, skip_serializing_if = "Resources::is_empty")]
    pub resources: Resources,
    /// Departures from the security policy's container defaults, each with its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardening: Option<Hardening>,
    /// Plain environment variables (never secrets: use `secrets`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub env: IndexMap<String, String>,
    /// Environment variables filled from secrets: variable name → secret id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub secrets: IndexMap<String, Id>,
    /// Components of the same service that must start first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<Id>,
    /// How to tell it is healthy, when the stack has no known check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
}

fn is_tcp(protocol: &Protocol) -> bool {
    *protocol == Protocol::Tcp
}

impl Component {
    /// True when it runs as a container.
    pub fn is_container(&self) -> bool {
        self.image.is_some()
    }

    /// The container name: `container`, else the component id.
    pub fn container_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.container.as_deref().unwrap_or(id)
    }

    /// True for databases and object stores, which get named volumes and internal networks.
    pub fn is_data(&self) -> bool {
        matches!(
            self.kind,
            ComponentKind::Db | ComponentKind::DbObj | ComponentKind::Cache | ComponentKind::Vec
        )
    }
}

/// The role a component plays (the plan's `-front`, `-app`, `-db0`, … suffixes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComponentKind {
    /// The user interface.
    Front,
    /// The application server.
    App,
    /// An API backend.
    Api,
    /// An admin interface.
    Admin,
    /// A background worker or protocol server (SMTP, IMAP, antispam).
    Worker,
    /// A database (SQL or files of records).
    Db,
    /// Bulk objects: git objects, photos.
    DbObj,
    /// An in-memory cache.
    Cache,
    /// Vector embeddings.
    Vec,
    /// GPU compute.
    Gpu,
}

impl ComponentKind {
    /// The plan's word.
    pub fn label(self) -> &'static str {
        match self {
            ComponentKind::Front => "front",
            ComponentKind::App => "app",
            ComponentKind::Api => "api",
            ComponentKind::Admin => "admin",
            ComponentKind::Worker => "worker",
            ComponentKind::Db => "db",
            ComponentKind::DbObj => "db_obj",
            ComponentKind::Cache => "cache",
            ComponentKind::Vec => "vec",
            ComponentKind::Gpu => "gpu",
        }
    }
}

/// A transport protocol.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP.
    #[default]
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// `tcp` or `udp`.
    pub fn label(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// A port published on the host, bypassing the reverse proxy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    /// Host port.
    pub port: u16,
    /// Container port; defaults to `port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<u16>,
    /// Protocol.
    #[serde(default, skip_serializing_if = "is_tcp")]
    pub protocol: Protocol,
    /// Why this port must be reachable without the proxy.
    pub reason: String,
}

/// A volume mount, written `source:target[:ro]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Volume {
    /// A volume name (`vault-data`) or a host path (`/srv/mail`).
    pub source: String,
    /// Path inside the container.
    pub target: String,
    /// Mounted read-only.
    pub read_only: bool,
}

impl Volume {
    /// True when the source is a named volume rather than a host path.
    pub fn is_named(&self) -> bool {
        !self.source.starts_with(['/', '.', '~'])
    }
}

impl std::str::FromStr for Volume {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let (source, target, read_only) = match parts.as_slice() {
            [source, target] => (*source, *target, false),
            [source, target, "ro"] => (*source, *target, true),
            [source, target, "rw"] => (*source, *target, false),
            _ => {
                return Err(format!(
                    "`{text}` is not a volume: write name:/path, /host/path:/path or add :ro"
                ));
            }
        };
        if source.is_empty() || !target.starts_with('/') {
            return Err(format!(
                "`{text}` is not a volume: the target must be an absolute path"
            ));
        }
        Ok(Volume {
            source: source.to_owned(),
            target: target.to_owned(),
            read_only,
        })
    }
}

impl std::fmt::Display for Volume {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.source, self.target)?;
        if self.read_only {
            f.write_str(":ro")?;
        }
        Ok(())
    }
}

impl Serialize for Volume {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Volume {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Volume {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Volume".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A mount: name:/path (named volume), /host/path:/path, optionally :ro.",
            "type": "string",
            "pattern": "^[^:]+:/[^:]*(:(ro|rw))?$"
        })
    }
}

/// What a component is allocated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// Memory (also its container memory limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ram: Option<Size>,
    /// vCPU (also its container CPU limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<f64>,
    /// Disk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<Size>,
    /// Expected egress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth: Option<Bandwidth>,
    /// GPU memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vram: Option<Size>,
}

impl Resources {
    /// True when nothing is allocated.
    pub fn is_empty(&self) -> bool {
        *self == Resources::default()
    }
}

/// Departures from the container defaults of the security policy; each needs a reason.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hardening {
    /// Root filesystem read-only (default from the policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// `uid:gid` to run as; `root` (or `0`) needs `reason`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Capabilities added back after dropping all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    /// Writable scratch paths for a read-only container.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tmpfs: Vec<String>,
    /// Why the defaults do not fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A container health check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Healthcheck {
    /// Command run inside the container (exec form).
    pub test: Vec<String>,
    /// Time between checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<crate::units::HumanDuration>,
}
