//! The input of evaluation: observed facts, shaped like what an agent and the probes report, and
//! the desired state, shaped like what the spec says. Both are plain data for the hub to fill.

use std::net::IpAddr;
use std::time::Duration;

use cloudctl_probes::ProbeResult;
use serde::{Deserialize, Serialize};

/// Everything observed at one evaluation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    /// The latest snapshot of each host that has reported.
    pub hosts: Vec<HostFacts>,
    /// Probe results that arrived since the previous evaluation, oldest first.
    pub probe_results: Vec<ProbeFact>,
}

/// A host's latest snapshot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostFacts {
    /// The host's name (as in the spec).
    pub host: String,
    /// When the hub last heard from the host's agent, seconds since the Unix epoch.
    pub last_seen: i64,
    /// The agent's reporting interval, in seconds.
    pub interval_secs: u64,
    /// The host's boot time, seconds since the Unix epoch.
    pub boot_time: Option<i64>,
    /// CPU busy, percent of all cores.
    pub cpu_pct: Option<f64>,
    /// Memory used (total − available), percent.
    pub memory_used_pct: Option<f64>,
    /// Swap used, percent (None when the host has no swap).
    pub swap_used_pct: Option<f64>,
    /// Mounted filesystems.
    pub disks: Vec<DiskFact>,
    /// The top processes by CPU, highest first.
    pub top_cpu: Vec<ProcessFact>,
    /// The top processes by memory, highest first.
    pub top_memory: Vec<ProcessFact>,
    /// Containers, or None when the host has no container engine to ask.
    pub containers: Option<Vec<ContainerFact>>,
    /// Listening sockets, or None when not collected.
    pub sockets: Option<Vec<SocketFact>>,
    /// Bytes sent in the current quota period.
    pub egress: Option<EgressFact>,
}

/// One mounted filesystem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiskFact {
    /// The mount point.
    pub mount: String,
    /// Space used, percent.
    pub used_pct: f64,
}

/// One process, as named in alert causes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessFact {
    /// The command name.
    pub name: String,
    /// The process id.
    pub pid: u32,
    /// CPU use, percent of one core.
    pub cpu_pct: f64,
    /// Resident memory, bytes.
    pub memory_bytes: u64,
    /// The container it runs in, when known.
    pub container: Option<String>,
}

/// One container as the engine reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerFact {
    /// The container's name.
    pub name: String,
    /// The image it runs.
    pub image: String,
    /// The engine's state: `running`, `exited`, `restarting`, `paused`, `created`, `dead`.
    pub state: String,
    /// The health check's status (`healthy`, `unhealthy`, `starting`), if it has one.
    pub health: Option<String>,
    /// How many times the engine restarted it.
    pub restart_count: u64,
    /// The exit code, once exited.
    pub exit_code: Option<i64>,
}

impl ContainerFact {
    /// True when the container is up (running, whatever its health).
    pub fn is_running(&self) -> bool {
        self.state == "running"
    }
}

/// A transport protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl std::fmt::Display for Proto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        })
    }
}

/// A listening socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SocketFact {
    /// TCP or UDP.
    pub proto: Proto,
    /// The local address it is bound to (`0.0.0.0` and `::` mean every interface).
    pub address: IpAddr,
    /// The local port.
    pub port: u16,
    /// The owning process, when known.
    pub process: Option<String>,
    /// The owning container, when known.
    pub container: Option<String>,
}

/// Bytes sent since the start of the current quota period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EgressFact {
    /// The start of the period, seconds since the Unix epoch.
    pub since: i64,
    /// Bytes sent since then.
    pub bytes: u64,
}

/// One probe result, as the rules need it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeFact {
    /// The probe's name.
    pub probe: String,
    /// The host label.
    pub host: Option<String>,
    /// The service label.
    pub service: Option<String>,
    /// When it ran, seconds since the Unix epoch.
    pub at: i64,
    /// Whether it passed.
    pub ok: bool,
    /// Why it failed.
    pub error: Option<String>,
    /// Days left on the certificate it saw, if any.
    pub cert_days_left: Option<i64>,
    /// The subject of that certificate.
    pub cert_subject: Option<String>,
}

impl From<&ProbeResult> for ProbeFact {
    fn from(r: &ProbeResult) -> Self {
        let cert = r.detail.as_ref().and_then(|d| d.cert());
        ProbeFact {
            probe: r.name.clone(),
            host: r.host.clone(),
            service: r.service.clone(),
            at: r.started_at_ms.div_euclid(1000),
            ok: r.ok,
            error: r.failure.as_ref().map(|f| f.message.clone()),
            cert_days_left: cert.map(|c| c.days_left),
            cert_subject: cert.map(|c| c.subject.clone()),
        }
    }
}

/// What the spec says should be.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// Every host of the spec.
    pub hosts: Vec<DesiredHost>,
}

impl Desired {
    /// The desired state of one host.
    pub fn host(&self, name: &str) -> Option<&DesiredHost> {
        self.hosts.iter().find(|h| h.host == name)
    }
}

/// One host as the spec describes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DesiredHost {
    /// The host's name.
    pub host: String,
    /// The services placed on it.
    pub services: Vec<DesiredService>,
    /// Ports allowed to listen on a non-loopback interface.
    pub allowed_ports: Vec<PortRule>,
    /// An egress quota (the GCP free tier's 1 GB), if any.
    pub egress_quota: Option<Quota>,
}

/// A service on a host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesiredService {
    /// The service's name.
    pub name: String,
    /// True when the spec marks it `on` (it must run).
    pub on: bool,
    /// The container names of its components.
    pub containers: Vec<String>,
}

/// A port allowed to listen publicly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRule {
    /// TCP or UDP.
    pub proto: Proto,
    /// The port.
    pub port: u16,
}

/// A bandwidth quota.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quota {
    /// Bytes allowed per period.
    pub bytes: u64,
    /// The period's length.
    #[serde(with = "cloudctl_probes::duration_serde")]
    pub period: Duration,
}
