//! The envelope: one batch of samples from one host, numbered for idempotent replay.

use serde::{Deserialize, Serialize};

use crate::{Containers, HostMetrics, ListeningSocket, ProbeResult};

/// What an agent sends in one POST (or writes as one file-mode snapshot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// The wire version the batch was written with ([`crate::WIRE_VERSION`]).
    pub wire_version: u32,
    /// The host this batch describes; the hub checks it against the token's host.
    pub host_id: String,
    /// The agent's version (its crate version), for diagnosis.
    pub agent_version: String,
    /// Sequence number per host, starting at 1 and increasing by one per batch; a batch seen twice
    /// (same host and sequence) is acknowledged and ignored by the hub.
    pub seq: u64,
    /// How many batches the agent dropped (spool full) since its last successful send.
    #[serde(default)]
    pub dropped: u64,
    /// The samples, oldest first.
    pub samples: Vec<Sample>,
}

/// Everything collected at one tick. Sections are optional so that one failing collector does not
/// lose the others; its failure is listed in `errors`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Sample {
    /// When the sample was taken, Unix time in milliseconds.
    pub ts_ms: i64,
    /// Host metrics from /proc and statvfs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<HostMetrics>,
    /// Containers from the Docker Engine API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub containers: Option<Containers>,
    /// Listening TCP sockets and bound UDP sockets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sockets: Option<Vec<ListeningSocket>>,
    /// The agent's own footprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentFootprint>,
    /// Results of agent-side probes of this VM's internal ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<ProbeResult>,
    /// Collectors that failed at this tick, with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<CollectorError>,
}

/// A collector that failed at one tick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectorError {
    /// The collector's name (`host`, `containers`, `sockets`, …).
    pub collector: String,
    /// What went wrong.
    pub message: String,
}

/// The agent's own cost on its VM.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AgentFootprint {
    /// Resident set size in bytes.
    pub rss_bytes: u64,
    /// User plus system CPU time since the agent started, in seconds.
    pub cpu_seconds: f64,
    /// Bytes in the on-disk spool.
    #[serde(default)]
    pub spool_bytes: u64,
    /// Batches waiting in the on-disk spool.
    #[serde(default)]
    pub spool_batches: u64,
}
