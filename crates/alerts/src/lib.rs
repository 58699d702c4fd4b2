//! Alerts: rules that turn observed facts (host metrics, containers, sockets, probe results) and
//! the desired state (what the spec says should run and be exposed) into alerts; their lifecycle
//! (pending → firing → resolved), deduplication by fingerprint, repeat interval, silences and
//! history; and the notifiers (SMTP, webhook, ntfy) fed through a retrying queue that never blocks
//! evaluation. Evaluation is pure: the caller passes the time and the facts. This crate must not
//! read the spec, the database or the network to learn facts: the hub maps its data into
//! [`Observed`] and [`Desired`] and persists what it wants to keep.

pub mod client;
mod config;
mod engine;
mod error;
mod facts;
mod model;
pub mod monitor;
pub mod notify;
mod rules;
mod silence;

pub use config::{Limits, RulesConfig};
pub use engine::Engine;
pub use error::{Error, Result};
pub use facts::{
    ContainerFact, Desired, DesiredHost, DesiredService, DiskFact, EgressFact, HostFacts, Observed,
    PortRule, ProbeFact, ProcessFact, Proto, Quota, SocketFact,
};
pub use model::{Alert, AlertState, HistoryEntry, Labels, Notification, Severity, Status};
pub use silence::{Matcher, Silence};
