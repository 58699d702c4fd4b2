//! Containers as the Docker Engine API (dockerd or Podman's compatible socket) reports them.

use serde::{Deserialize, Serialize};

/// The container section of a sample.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Containers {
    /// False when the engine could not be asked (no socket, permission denied, …).
    pub available: bool,
    /// Why the engine was unavailable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Every container, running or not.
    #[serde(default)]
    pub list: Vec<Container>,
}

/// One container.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Container {
    /// Full container id.
    pub id: String,
    /// Name, without the leading slash.
    pub name: String,
    /// Image reference.
    pub image: String,
    /// State (`running`, `exited`, `restarting`, …).
    pub state: String,
    /// Health (`healthy`, `unhealthy`, `starting`), when the container has a health check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
    /// How many times it was restarted: by the engine's restart policy, plus restarts by hand
    /// (`docker restart`) the agent saw since it started, which engines do not count.
    #[serde(default)]
    pub restart_count: u64,
    /// When it last started (RFC 3339, as the engine reports it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// CPU use since the previous reading, in percent of one core.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_percent: Option<f64>,
    /// Memory in use, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<u64>,
    /// Memory limit, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_limit_bytes: Option<u64>,
    /// Bytes received over all its networks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_rx_bytes: Option<u64>,
    /// Bytes sent over all its networks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_tx_bytes: Option<u64>,
}
