use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use indexmap::IndexMap;

use super::{Check, Id, Overrides, Routes};
use crate::units::HumanDuration;

/// Where the hub runs, how often agents report, when to alert and whom to tell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    /// The hub.
    #[serde(default)]
    pub hub: HubSettings,
    /// How often agents collect and send.
    #[serde(default = "ten_seconds")]
    pub interval: HumanDuration,
    /// Alert thresholds.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// Probe defaults.
    #[serde(default)]
    pub probes: ProbeDefaults,
    /// Whom to tell.
    #[serde(default)]
    pub notify: Notify,
    /// Rule settings for one host or one service that differ from the defaults above.
    #[serde(default, skip_serializing_if = "Overrides::is_empty")]
    pub overrides: Overrides,
    /// Probes besides the one every public URL gets, keyed by name (mail, databases, DNS, …).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub checks: IndexMap<Id, Check>,
}

impl Default for Monitoring {
    fn default() -> Self {
        Monitoring {
            hub: HubSettings::default(),
            interval: ten_seconds(),
            thresholds: Thresholds::default(),
            probes: ProbeDefaults::default(),
            notify: Notify::default(),
            overrides: Overrides::default(),
            checks: IndexMap::new(),
        }
    }
}

fn ten_seconds() -> HumanDuration {
    HumanDuration::from_secs(10)
}

/// Where the hub runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HubSettings {
    /// The host that runs `cloudctl hub`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Id>,
    /// Address the hub listens on, on that host.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// The URL agents send to (over the mesh); defaults to the hub host's private address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The service whose container runs the hub. When set, no systemd unit is rendered for the hub
    /// (the container is the hub); when not, the hub runs as `cloudctl-hub.service` on `host`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Id>,
}

impl Default for HubSettings {
    fn default() -> Self {
        HubSettings {
            host: None,
            listen: default_listen(),
            url: None,
            service: None,
        }
    }
}

fn default_listen() -> String {
    "127.0.0.1:8787".into()
}

/// A usage threshold held for a while.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// Percent of capacity.
    pub above: f64,
    /// How long it must hold before the alert fires.
    #[serde(rename = "for")]
    pub for_: HumanDuration,
}

/// When to alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// CPU use.
    #[serde(default = "cpu")]
    pub cpu: Threshold,
    /// Memory use.
    #[serde(default = "memory")]
    pub memory: Threshold,
    /// Disk use, per filesystem.
    #[serde(default = "disk")]
    pub disk: Threshold,
    /// Swap use.
    #[serde(default = "swap")]
    pub swap: Threshold,
    /// Percent of a bandwidth quota projected to be used by the end of its period.
    #[serde(default = "quota")]
    pub bandwidth_quota: f64,
    /// Intervals without a report before a host counts as silent.
    #[serde(default = "silent")]
    pub host_silent_intervals: u32,
    /// Days before a certificate expires to warn.
    #[serde(default = "cert_days")]
    pub cert_expiry_days: u32,
}

fn threshold(above: f64, minutes: u64) -> Threshold {
    Threshold {
        above,
        for_: HumanDuration::from_secs(minutes * 60),
    }
}
fn cpu() -> Threshold {
    threshold(90.0, 5)
}
fn memory() -> Threshold {
    threshold(90.0, 5)
}
fn disk() -> Threshold {
    threshold(85.0, 10)
}
fn swap() -> Threshold {
    threshold(50.0, 10)
}
fn quota() -> f64 {
    90.0
}
fn silent() -> u32 {
    3
}
fn cert_days() -> u32 {
    14
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            cpu: cpu(),
            memory: memory(),
            disk: disk(),
            swap: swap(),
            bandwidth_quota: quota(),
            host_silent_intervals: silent(),
            cert_expiry_days: cert_days(),
        }
    }
}

/// Probe defaults, overridable per probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeDefaults {
    /// Time between probes.
    #[serde(default = "probe_interval")]
    pub interval: HumanDuration,
    /// Give up after.
    #[serde(default = "probe_timeout")]
    pub timeout: HumanDuration,
    /// Failures in a row before the probe counts as down.
    #[serde(default = "failures")]
    pub failures: u32,
    /// Successes in a row before a down probe counts as up again.
    #[serde(default = "recoveries")]
    pub recoveries: u32,
}

fn probe_interval() -> HumanDuration {
    HumanDuration::from_secs(30)
}
fn probe_timeout() -> HumanDuration {
    HumanDuration::from_secs(5)
}
fn failures() -> u32 {
    3
}
fn recoveries() -> u32 {
    2
}

impl Default for ProbeDefaults {
    fn default() -> Self {
        ProbeDefaults {
            interval: probe_interval(),
            timeout: probe_timeout(),
            failures: failures(),
            recoveries: recoveries(),
        }
    }
}

/// Whom to tell.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    /// Email addresses (sent through `access.smtp`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub email: Vec<String>,
    /// Secret id of a webhook URL that receives JSON (the URL often embeds a token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<Id>,
    /// ntfy topic URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ntfy: Option<String>,
    /// The lowest severity each notifier is told about.
    #[serde(default, skip_serializing_if = "Routes::is_default")]
    pub routes: Routes,
}
