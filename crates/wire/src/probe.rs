//! Agent-side probe results (an agent checks its own VM's internal ports).

use serde::{Deserialize, Serialize};

/// The outcome of one probe.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProbeResult {
    /// The probe's name (usually the component it checks).
    pub name: String,
    /// What was probed (`tcp://127.0.0.1:5432`, `http://127.0.0.1:8080/health`, …).
    pub target: String,
    /// Whether it passed.
    pub ok: bool,
    /// How long it took, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
