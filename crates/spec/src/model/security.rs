use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Protocol, Role};

/// Firewall, headers and container hardening: the plan's B13 layers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityPolicy {
    /// Addresses (CIDR) allowed to reach SSH; empty means anywhere, which warns.
    #[serde(default)]
    pub admin_sources: Vec<String>,
    /// Inbound ports allowed through each host's firewall; everything else is denied.
    #[serde(default = "default_inbound")]
    pub inbound: Vec<InboundRule>,
    /// Headers the reverse proxy adds to every answer.
    #[serde(default = "default_headers")]
    pub headers: IndexMap<String, String>,
    /// Defaults for every container.
    #[serde(default)]
    pub containers: ContainerDefaults,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        SecurityPolicy {
            admin_sources: Vec::new(),
            inbound: default_inbound(),
            headers: default_headers(),
            containers: ContainerDefaults::default(),
        }
    }
}

impl SecurityPolicy {
    /// The inbound rules that apply to a host with `roles`.
    pub fn inbound_for<'a>(&'a self, roles: &'a [Role]) -> impl Iterator<Item = &'a InboundRule> {
        self.inbound.iter().filter(move |rule| {
            rule.roles.is_empty() || rule.roles.iter().any(|r| roles.contains(r))
        })
    }
}

/// One allowed inbound port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InboundRule {
    /// Port.
    pub port: u16,
    /// Protocol.
    #[serde(default)]
    pub protocol: Protocol,
    /// Hosts with any of these roles get the rule; empty means every host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// Who may connect.
    #[serde(default)]
    pub from: Source,
    /// Why it is open.
    pub reason: String,
}

/// Who may connect to an open port.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Anyone.
    #[default]
    Any,
    /// Only `admin_sources`.
    Admins,
    /// Only the other hosts (their public addresses).
    Hosts,
}

/// Hardening every container gets unless its component says otherwise, with a reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerDefaults {
    /// Root filesystem read-only.
    #[serde(default = "yes")]
    pub read_only: bool,
    /// `uid:gid` to run as.
    #[serde(default = "default_user")]
    pub user: String,
    /// Drop every Linux capability.
    #[serde(default = "yes")]
    pub cap_drop_all: bool,
    /// Forbid gaining privileges (setuid).
    #[serde(default = "yes")]
    pub no_new_privileges: bool,
    /// Restart policy.
    #[serde(default = "default_restart")]
    pub restart: String,
}

impl Default for ContainerDefaults {
    fn default() -> Self {
        ContainerDefaults {
            read_only: true,
            user: default_user(),
            cap_drop_all: true,
            no_new_privileges: true,
            restart: default_restart(),
        }
    }
}

fn yes() -> bool {
    true
}

fn default_user() -> String {
    "1000:1000".into()
}

fn default_restart() -> String {
    "unless-stopped".into()
}

fn default_inbound() -> Vec<InboundRule> {
    let rule = |port, protocol, roles: &[Role], from, reason: &str| InboundRule {
        port,
        protocol,
        roles: roles.to_vec(),
        from,
        reason: reason.into(),
    };
    vec![
        rule(22, Protocol::Tcp, &[], Source::Admins, "SSH for admins"),
        rule(
            80,
            Protocol::Tcp,
            &[Role::Proxy],
            Source::Any,
            "HTTP, redirected to HTTPS",
        ),
        rule(
            443,
            Protocol::Tcp,
            &[Role::Proxy],
            Source::Any,
            "HTTPS through the reverse proxy",
        ),
        rule(
            51820,
            Protocol::Udp,
            &[],
            Source::Any,
            "WireGuard mesh between VMs",
        ),
    ]
}

fn default_headers() -> IndexMap<String, String> {
    [
        (
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ),
        (
            "Content-Security-Policy",
            "frame-ancestors 'self'; upgrade-insecure-requests",
        ),
        ("X-Frame-Options", "SAMEORIGIN"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        (
            "Permissions-Policy",
            "geolocation=(), microphone=(), camera=()",
        ),
        ("X-XSS-Protection", "0"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect()
}
