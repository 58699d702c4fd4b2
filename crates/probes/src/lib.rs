//! Probes: checks that look at a service from outside (HTTP(S), TLS certificates, TCP, DNS, ping,
//! PostgreSQL, MySQL/MariaDB, Redis, SMTP and IMAP), run once or on a schedule that spreads them over
//! their interval with bounded concurrency. Each probe kind is one file under `kinds/`, registered in
//! `kinds/mod.rs`. This crate owns the protocol code and the probe configuration types; it must not
//! read the spec, store results or decide about alerts: the hub maps its spec into [`ProbeDef`]s and
//! hands each [`ProbeResult`] on. Secrets arrive already resolved, as [`Secret`] values, and never
//! appear in `Debug` output or error text.

mod config;
mod error;
pub mod kinds;
mod net;
mod probe;
mod runner;
mod scheduler;
mod secret;
mod tls;

pub use config::{ProbeDef, duration_serde};
pub use error::{Error, Result};
pub use kinds::{ProbeKind, build};
pub use probe::{BoxFuture, CertInfo, Detail, Failure, FailureKind, PingVia, Probe, ProbeResult};
pub use runner::run_once;
pub use scheduler::{Scheduler, SchedulerStats};
pub use secret::Secret;
pub use tls::TlsOptions;
