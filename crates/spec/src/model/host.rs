use std::net::IpAddr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Id;
use crate::units::{Bandwidth, HumanDuration, Price, Size};

/// A virtual machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Host {
    /// Display name: "GCP e2-micro (gateway)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The provider id.
    pub provider: Id,
    /// The provider's machine type: `e2-micro`, `VM.Standard.A1.Flex`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_type: Option<String>,
    /// Region or zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Public IPv4 or IPv6 address, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<IpAddr>,
    /// Address on the private WireGuard mesh between VMs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<IpAddr>,
    /// What the VM offers.
    pub capacity: Capacity,
    /// Free or paid.
    pub tier: Tier,
    /// When it runs.
    pub availability: Availability,
    /// What it costs when running all the time (`$0.024/h`, `$0/mo`).
    #[serde(default = "free")]
    pub price: Price,
    /// Wake-on-demand settings, for `on-demand` hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wake: Option<Wake>,
    /// What the VM does: `proxy` (the only one that may publish ports), `auth`, `mail`, `hub`, …
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// How an admin logs in (the plan's B12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<Ssh>,
    /// CPU architecture, for images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<Arch>,
    /// Operating system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// Free text shown in documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

fn free() -> Price {
    Price::FREE
}

/// What a VM offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    /// Virtual CPUs (fractions for shared cores: 0.25).
    pub vcpu: f64,
    /// Memory.
    pub ram: Size,
    /// Disk.
    pub storage: Size,
    /// Egress allowance with its period: `1GB/day`, `10TB/mo`.
    pub bandwidth: Bandwidth,
    /// GPU memory, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vram: Option<Size>,
}

/// Free or paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Inside a provider's always-free allowance.
    Free,
    /// Billed.
    Paid,
}

/// When something runs (the plan's B20 strategy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Availability {
    /// 24/7.
    AlwaysOn,
    /// Woken when needed, shut down when idle.
    OnDemand,
    /// Rented by the hour for a job (GPU).
    PayPerUse,
}

impl Availability {
    /// The plan's words.
    pub fn label(self) -> &'static str {
        match self {
            Availability::AlwaysOn => "24/7",
            Availability::OnDemand => "on-demand",
            Availability::PayPerUse => "pay-per-use",
        }
    }
}

/// Wake-on-demand settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Wake {
    /// Hours a day the VM is expected to run; prices the on-demand savings.
    pub expected_hours_per_day: f64,
    /// Shut down after this long without requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_shutdown: Option<HumanDuration>,
}

/// What a VM does.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reverse proxy: the only host that may publish 80/443.
    Proxy,
    /// Authentication gateway (Authelia, OAuth2 proxy).
    Auth,
    /// Mail server.
    Mail,
    /// Runs the cloudctl hub.
    Hub,
    /// Runs application containers.
    Apps,
    /// Holds bulk storage.
    Storage,
    /// VPN endpoint.
    Vpn,
    /// GPU compute.
    Gpu,
    /// Spare capacity, nothing placed yet.
    Spare,
}

/// How an admin logs in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ssh {
    /// Login user.
    pub user: String,
    /// Id of the secret holding the private key (a file reference).
    pub key: Id,
    /// SSH port.
    #[serde(default = "ssh_port")]
    pub port: u16,
    /// Host alias for `~/.ssh/config`; defaults to the host id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

fn ssh_port() -> u16 {
    22
}

/// CPU architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    /// Intel/AMD.
    X86_64,
    /// ARM (Ampere A1).
    Aarch64,
}
