//! What the monitor takes from the spec beyond its defaults: rule overrides per host and service,
//! explicit checks (probes the spec's URLs do not imply: the mail suite's SMTP and IMAP, a
//! database port, a DNS answer), and which severities reach which notifier.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Id, Threshold};
use crate::units::HumanDuration;

/// Rule settings that differ from `monitoring.thresholds` and `monitoring.probes` for one host or
/// one service. Anything left out keeps the default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    /// CPU use held above a percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Threshold>,
    /// Memory use held above a percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Threshold>,
    /// Any filesystem held above a percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<Threshold>,
    /// Swap use held above a percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swap: Option<Threshold>,
    /// Percent of the bandwidth quota the projection may reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth_quota: Option<f64>,
    /// Missed agent intervals before a host counts as silent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_silent_intervals: Option<u32>,
    /// Alert when a certificate has fewer days left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_expiry_days: Option<u32>,
    /// Failures in a row before a probe counts as down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_failures: Option<u32>,
    /// Successes in a row before a down probe counts as up again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_recoveries: Option<u32>,
}

/// Overrides keyed by host id and by service id; a service's override wins over its host's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// Per host id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub hosts: IndexMap<Id, RuleOverride>,
    /// Per service id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub services: IndexMap<Id, RuleOverride>,
}

impl Overrides {
    /// No override at all.
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty() && self.services.is_empty()
    }
}

/// What a check does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    /// An HTTP(S) GET: status, keyword, redirects. Target: a URL.
    Http,
    /// A TLS handshake and the certificate's days left. Target: `host:port`.
    Tls,
    /// A TCP connect. Target: `host:port`.
    Tcp,
    /// A DNS answer. Target: the name to look up.
    Dns,
    /// An ICMP echo (TCP fallback). Target: a host name or address.
    Ping,
    /// A PostgreSQL login. Target: `host:port`.
    Postgres,
    /// A MySQL/MariaDB greeting (and login with a user). Target: `host:port`.
    Mysql,
    /// Redis AUTH and PING. Target: `host:port`.
    Redis,
    /// An SMTP banner, EHLO and STARTTLS. Target: `host:port`.
    Smtp,
    /// An IMAP banner, CAPABILITY and STARTTLS. Target: `host:port`.
    Imap,
}

impl CheckKind {
    /// The name written in the spec (and taken by the hub's probes).
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Http => "http",
            CheckKind::Tls => "tls",
            CheckKind::Tcp => "tcp",
            CheckKind::Dns => "dns",
            CheckKind::Ping => "ping",
            CheckKind::Postgres => "postgres",
            CheckKind::Mysql => "mysql",
            CheckKind::Redis => "redis",
            CheckKind::Smtp => "smtp",
            CheckKind::Imap => "imap",
        }
    }
}

/// How a mail check (SMTP, IMAP) secures its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CheckSecurity {
    /// Plain text.
    None,
    /// Plain text upgraded with STARTTLS (587, 143).
    Starttls,
    /// TLS from the first byte (465, 993).
    Implicit,
}

/// A probe the hub runs besides the ones every public URL gets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// What it does.
    pub kind: CheckKind,
    /// What it reaches: a URL for `http`, a name for `dns` and `ping`, `host:port` otherwise.
    pub target: String,
    /// The service it belongs to (its status and alerts name it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Id>,
    /// The host it belongs to (default: the service's host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Id>,
    /// Time between runs (default `monitoring.probes.interval`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<HumanDuration>,
    /// Give up after (default `monitoring.probes.timeout`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<HumanDuration>,
    /// More attempts after a failed one within a run, before the run counts as failed
    /// (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// `http`: text the page must hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    /// `dns`: the record type (A, AAAA, CNAME, …; default A).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// `dns`: answers that must all be present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<String>,
    /// `dns`: the resolver to ask, `ip:port` (default: the system's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolver: Option<String>,
    /// `smtp`, `imap`: how the connection is secured (default starttls).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<CheckSecurity>,
    /// `postgres`, `mysql`, `redis`: the user to log in as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `postgres`, `mysql`, `redis`: the secret id of the password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Id>,
    /// `postgres`, `mysql`: the database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}

/// The lowest severity a notifier is told about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MinSeverity {
    /// Everything, events such as reboots included.
    Info,
    /// Warnings and critical alerts.
    #[default]
    Warning,
    /// Only critical alerts.
    Critical,
}

impl Routes {
    /// Every notifier at the default (`warning`).
    pub fn is_default(&self) -> bool {
        *self == Routes::default()
    }
}

/// Which severities reach each notifier (each defaults to `warning`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Routes {
    /// The email notifier.
    #[serde(default)]
    pub email: MinSeverity,
    /// The webhook notifier.
    #[serde(default)]
    pub webhook: MinSeverity,
    /// The ntfy notifier.
    #[serde(default)]
    pub ntfy: MinSeverity,
}
