//! The rules: each file looks at one family of facts and says which conditions hold now. They
//! do not decide about pending, firing or notifying; the engine does.

mod containers;
mod drift;
mod exposure;
mod host;
mod metrics;
mod probes;
mod quota;

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::config::RulesConfig;
use crate::facts::{Desired, HostFacts, Observed};
use crate::model::{Labels, Severity};

/// A condition that holds now.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    /// The rule's name, also the `alertname` label.
    pub alertname: &'static str,
    /// Identifying labels, without `alertname`.
    pub labels: Labels,
    /// Its severity (after the configured override).
    pub severity: Severity,
    /// What is wrong.
    pub summary: String,
    /// The likely cause.
    pub cause: String,
    /// How long it must hold before it fires.
    pub hold: Duration,
    /// A one-off (a reboot): notified once, never resolved.
    pub event: bool,
}

/// What the rules read.
pub(crate) struct Ctx<'a> {
    pub now: i64,
    pub config: &'a RulesConfig,
    pub desired: &'a Desired,
    pub observed: &'a Observed,
}

impl Ctx<'_> {
    /// A condition with the configured severity.
    pub fn condition(
        &self,
        alertname: &'static str,
        default: Severity,
        labels: &[(&str, &str)],
        summary: String,
        cause: String,
    ) -> Condition {
        Condition {
            alertname,
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            severity: self.config.severity(alertname, default),
            summary,
            cause,
            hold: Duration::ZERO,
            event: false,
        }
    }

    /// True when the host has been silent too long for its facts to mean anything.
    pub fn is_silent(&self, h: &HostFacts) -> bool {
        let e = self.config.effective(Some(&h.host), None);
        self.now - h.last_seen > i64::from(e.silent_intervals) * h.interval_secs.max(1) as i64
    }
}

/// What the rules remember between evaluations.
#[derive(Debug, Default)]
pub(crate) struct Memory {
    /// Last boot time per host.
    pub boot_times: HashMap<String, i64>,
    /// (time, restart count) samples per (host, container), oldest first.
    pub restarts: HashMap<(String, String), VecDeque<(i64, u64)>>,
    /// Pass/fail streaks per probe.
    pub probes: HashMap<String, probes::Streak>,
}

/// Every condition that holds now.
pub(crate) fn evaluate(ctx: &Ctx<'_>, memory: &mut Memory) -> Vec<Condition> {
    let mut out = Vec::new();
    host::check(ctx, memory, &mut out);
    metrics::check(ctx, &mut out);
    containers::check(ctx, memory, &mut out);
    probes::check(ctx, memory, &mut out);
    quota::check(ctx, &mut out);
    drift::check(ctx, &mut out);
    exposure::check(ctx, &mut out);
    out.retain(|c| ctx.config.enabled(c.alertname));
    out
}

/// Durations in alert text: `5m`, `1h 30m`.
pub(crate) fn human(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// Byte counts in alert text.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
