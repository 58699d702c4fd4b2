//! Alerts, notifications and history entries: what evaluation produces.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How urgent an alert is; routes pick notifiers by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing (a reboot).
    Info,
    /// Needs attention soon (a certificate in two weeks, a disk filling up).
    Warning,
    /// Something is down or exposed now.
    Critical,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        })
    }
}

/// An alert's identifying labels (`alertname`, `host`, `service`, `container`, …), sorted.
pub type Labels = BTreeMap<String, String>;

/// Where an active alert is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    /// The condition holds but not yet for its duration.
    Pending,
    /// The condition has held for its duration.
    Firing,
}

/// An active (pending or firing) alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable identity: a hash of the rule name and labels.
    pub fingerprint: String,
    /// The rule that raised it (also the `alertname` label).
    pub alertname: String,
    /// Its severity.
    pub severity: Severity,
    /// Its labels.
    pub labels: Labels,
    /// One line saying what is wrong.
    pub summary: String,
    /// The likely cause: the top process, the container, the probe's error.
    pub cause: String,
    /// Pending or firing.
    pub state: AlertState,
    /// When the condition started to hold.
    pub since: i64,
    /// When it started firing.
    pub fired_at: Option<i64>,
    /// When a firing notification last went out.
    pub last_notified: Option<i64>,
    /// The silence that holds back its notifications, if any.
    pub silenced_by: Option<String>,
}

/// Firing or resolved, in a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The alert fires (first time or a repeat).
    Firing,
    /// The alert stopped.
    Resolved,
}

/// What notifiers send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// The alert's fingerprint.
    pub fingerprint: String,
    /// The rule.
    pub alertname: String,
    /// Firing or resolved.
    pub status: Status,
    /// Its severity.
    pub severity: Severity,
    /// Its labels.
    pub labels: Labels,
    /// What is wrong.
    pub summary: String,
    /// The likely cause.
    pub cause: String,
    /// When the condition started, seconds since the Unix epoch.
    pub starts_at: i64,
    /// When it resolved.
    pub ends_at: Option<i64>,
    /// True for a repeat of an earlier firing notification.
    pub repeat: bool,
}

impl Notification {
    /// A one-line subject: `[FIRING critical] summary`.
    pub fn subject(&self) -> String {
        let status = match self.status {
            Status::Firing => "FIRING",
            Status::Resolved => "RESOLVED",
        };
        format!("[{status} {}] {}", self.severity, self.summary)
    }

    /// A plain-text body: summary, cause, times and labels.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n\nLikely cause: {}\n\n", self.summary, self.cause);
        out.push_str(&format!("Started: {}\n", format_time(self.starts_at)));
        if let Some(end) = self.ends_at {
            out.push_str(&format!("Resolved: {}\n", format_time(end)));
        }
        out.push_str("\nLabels:\n");
        for (k, v) in &self.labels {
            out.push_str(&format!("  {k} = {v}\n"));
        }
        out.push_str(&format!("\nFingerprint: {}\n", self.fingerprint));
        out
    }
}

/// A Unix time as RFC 3339 UTC text.
pub(crate) fn format_time(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

/// One transition in the alert history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When it happened.
    pub at: i64,
    /// The alert's fingerprint.
    pub fingerprint: String,
    /// The rule.
    pub alertname: String,
    /// Its labels.
    pub labels: Labels,
    /// `firing`, `resolved`, `event` (a one-off like a reboot), or `silenced` (fired under a
    /// silence, so nothing was sent).
    pub transition: String,
    /// The summary at that moment.
    pub summary: String,
    /// The cause at that moment.
    pub cause: String,
}
