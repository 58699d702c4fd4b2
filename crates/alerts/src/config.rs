//! Rule settings: built-in defaults, overridable for all hosts, per host and per service.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::Severity;

/// Limits that can be set at each level (defaults, a host, a service). Unset fields fall through
/// to the level below: service → host → defaults → built-in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// CPU busy above this percent …
    pub cpu_pct: Option<f64>,
    /// … for this long fires `cpu_high`.
    #[serde(default, with = "opt_duration")]
    pub cpu_for: Option<Duration>,
    /// Memory used above this percent …
    pub memory_pct: Option<f64>,
    /// … for this long fires `memory_high`.
    #[serde(default, with = "opt_duration")]
    pub memory_for: Option<Duration>,
    /// A filesystem used above this percent …
    pub disk_pct: Option<f64>,
    /// … for this long fires `disk_full`.
    #[serde(default, with = "opt_duration")]
    pub disk_for: Option<Duration>,
    /// Swap used above this percent …
    pub swap_pct: Option<f64>,
    /// … for this long fires `swap_high`.
    #[serde(default, with = "opt_duration")]
    pub swap_for: Option<Duration>,
    /// A host silent for more than this many of its intervals fires `host_silent`.
    pub silent_intervals: Option<u32>,
    /// A changed boot time fires `host_rebooted`.
    pub reboot: Option<bool>,
    /// This many restarts …
    pub restarts: Option<u64>,
    /// … within this window fire `container_restarting`.
    #[serde(default, with = "opt_duration")]
    pub restarts_window: Option<Duration>,
    /// A probe failing this many runs in a row fires `probe_failing` …
    pub probe_fail_after: Option<u32>,
    /// … which resolves after this many passing runs in a row.
    pub probe_resolve_after: Option<u32>,
    /// A certificate with fewer days left fires `cert_expiring`.
    pub cert_days: Option<i64>,
    /// A quota projection needs this much of the period to have passed (early rates are noisy).
    #[serde(default, with = "opt_duration")]
    pub quota_min_elapsed: Option<Duration>,
    /// Egress projected past this percent of the quota by the period's end fires `egress_quota`.
    pub quota_pct: Option<f64>,
}

/// Limits with every value decided.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Effective {
    pub cpu_pct: f64,
    pub cpu_for: Duration,
    pub memory_pct: f64,
    pub memory_for: Duration,
    pub disk_pct: f64,
    pub disk_for: Duration,
    pub swap_pct: f64,
    pub swap_for: Duration,
    pub silent_intervals: u32,
    pub reboot: bool,
    pub restarts: u64,
    pub restarts_window: Duration,
    pub probe_fail_after: u32,
    pub probe_resolve_after: u32,
    pub cert_days: i64,
    pub quota_min_elapsed: Duration,
    pub quota_pct: f64,
}

impl Default for Effective {
    fn default() -> Self {
        let min = |m: u64| Duration::from_secs(60 * m);
        Effective {
            cpu_pct: 90.0,
            cpu_for: min(5),
            memory_pct: 90.0,
            memory_for: min(5),
            disk_pct: 90.0,
            disk_for: min(10),
            swap_pct: 80.0,
            swap_for: min(10),
            silent_intervals: 3,
            reboot: true,
            restarts: 3,
            restarts_window: min(15),
            probe_fail_after: 3,
            probe_resolve_after: 2,
            cert_days: 14,
            quota_min_elapsed: min(60),
            quota_pct: 100.0,
        }
    }
}

impl Effective {
    fn apply(mut self, l: &Limits) -> Self {
        macro_rules! take {
            ($($f:ident),*) => { $( if let Some(v) = l.$f { self.$f = v; } )* };
        }
        take!(
            cpu_pct,
            cpu_for,
            memory_pct,
            memory_for,
            disk_pct,
            disk_for,
            swap_pct,
            swap_for,
            silent_intervals,
            reboot,
            restarts,
            restarts_window,
            probe_fail_after,
            probe_resolve_after,
            cert_days,
            quota_min_elapsed,
            quota_pct
        );
        self
    }
}

/// The rules' settings as the hub maps them from the spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Limits for every host and service.
    #[serde(default)]
    pub defaults: Limits,
    /// Limits for one host, by host name.
    #[serde(default)]
    pub hosts: BTreeMap<String, Limits>,
    /// Limits for one service, by service name.
    #[serde(default)]
    pub services: BTreeMap<String, Limits>,
    /// How often a still-firing alert is notified again.
    #[serde(default = "default_repeat", with = "cloudctl_probes::duration_serde")]
    pub repeat_interval: Duration,
    /// Severity overrides by rule name.
    #[serde(default)]
    pub severities: BTreeMap<String, Severity>,
    /// Rule names turned off.
    #[serde(default)]
    pub disabled: Vec<String>,
    /// How many history entries are kept in memory (the hub persists them).
    #[serde(default = "default_history")]
    pub history_limit: usize,
}

fn default_repeat() -> Duration {
    Duration::from_secs(4 * 3600)
}

fn default_history() -> usize {
    1000
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig {
            defaults: Limits::default(),
            hosts: BTreeMap::new(),
            services: BTreeMap::new(),
            repeat_interval: default_repeat(),
            severities: BTreeMap::new(),
            disabled: Vec::new(),
            history_limit: default_history(),
        }
    }
}

impl RulesConfig {
    /// The limits for a host (and a service on it).
    pub(crate) fn effective(&self, host: Option<&str>, service: Option<&str>) -> Effective {
        let mut e = Effective::default().apply(&self.defaults);
        if let Some(h) = host.and_then(|h| self.hosts.get(h)) {
            e = e.apply(h);
        }
        if let Some(s) = service.and_then(|s| self.services.get(s)) {
            e = e.apply(s);
        }
        e
    }

    /// The severity of a rule: the override, else the rule's own.
    pub(crate) fn severity(&self, alertname: &str, default: Severity) -> Severity {
        self.severities.get(alertname).copied().unwrap_or(default)
    }

    /// False when the rule is turned off.
    pub(crate) fn enabled(&self, alertname: &str) -> bool {
        !self.disabled.iter().any(|d| d == alertname)
    }
}

/// Optional humantime durations, for `#[serde(with = …)]`.
mod opt_duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_some(&humantime::format_duration(*d).to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        humantime::parse_duration(&text).map(Some).map_err(|e| {
            serde::de::Error::custom(format!(
                "`{text}` is not a duration ({e}); write it like `30s`, `5m` or `1h`"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_overrides_host_overrides_defaults() {
        let c: RulesConfig = serde_json::from_str(
            r#"{"defaults": {"cpu_pct": 80, "cert_days": 21},
                "hosts": {"gcp": {"cpu_pct": 95, "cpu_for": "10m"}},
                "services": {"mail": {"cert_days": 30}}}"#,
        )
        .unwrap();
        let e = c.effective(Some("gcp"), Some("mail"));
        assert_eq!(
            (e.cpu_pct, e.cpu_for, e.cert_days),
            (95.0, Duration::from_secs(600), 30)
        );
        let e = c.effective(Some("oci"), None);
        assert_eq!(
            (e.cpu_pct, e.cpu_for, e.cert_days),
            (80.0, Duration::from_secs(300), 21)
        );
    }

    #[test]
    fn unknown_limits_are_refused_by_name() {
        let err = serde_json::from_str::<RulesConfig>(r#"{"defaults": {"cpu_percent": 80}}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("cpu_percent"), "{err}");
    }
}
