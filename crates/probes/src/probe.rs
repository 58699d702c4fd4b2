//! The probe trait and what a probe run produces.

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

/// A boxed future, so that probes of every kind fit behind one trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One kind of check, configured for one target. Built by [`crate::build`].
pub trait Probe: Send + Sync {
    /// The kind's name as written in configuration (`http`, `tls`, …).
    fn kind(&self) -> &'static str;

    /// Runs one attempt. The caller bounds it with the probe's timeout.
    fn check(&self) -> BoxFuture<'_, Result<Detail, Failure>>;
}

/// What went wrong, in classes an alert message can lean on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The name did not resolve.
    Resolve,
    /// The connection was refused or unreachable.
    Connect,
    /// The attempt took longer than the probe's timeout.
    Timeout,
    /// The TLS handshake or certificate check failed.
    Tls,
    /// The server answered something the protocol does not allow.
    Protocol,
    /// The server refused the credentials.
    Auth,
    /// The server answered, but not what the probe expects (status, keyword, record, expiry).
    Check,
}

/// Why an attempt failed; the message names the cause (the address, the server's own words).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// The class of failure.
    pub kind: FailureKind,
    /// Human-readable cause.
    pub message: String,
}

impl Failure {
    /// A failure of the given class.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A certificate as seen by a probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertInfo {
    /// End of validity, seconds since the Unix epoch.
    pub not_after: i64,
    /// Whole days from now until `not_after` (negative once expired).
    pub days_left: i64,
    /// The issuer's distinguished name.
    pub issuer: String,
    /// The subject's distinguished name.
    pub subject: String,
}

/// How a ping reached its host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PingVia {
    /// An ICMP echo reply came back.
    Icmp,
    /// ICMP sockets are not permitted here; a TCP connect (accepted or refused) answered instead.
    TcpFallback,
}

/// What a successful attempt saw, per kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detail {
    /// An HTTP answer.
    Http {
        /// The final status code.
        status: u16,
        /// Redirects followed.
        redirects: u32,
        /// The URL that gave the final answer.
        final_url: String,
        /// True when the answer was a redirect to the configured auth portal.
        auth_portal: bool,
        /// The server's certificate, for HTTPS.
        cert: Option<CertInfo>,
    },
    /// A TLS handshake's certificate.
    Tls(CertInfo),
    /// A TCP connection.
    Tcp {
        /// The address connected to.
        address: String,
    },
    /// A DNS answer.
    Dns {
        /// The records of the asked type, as text.
        answers: Vec<String>,
    },
    /// A ping.
    Ping {
        /// The address pinged.
        address: String,
        /// How the host answered.
        via: PingVia,
    },
    /// A database or cache server.
    Server {
        /// The server's version, when it says.
        version: Option<String>,
        /// True when the probe logged in (not only read the greeting).
        authenticated: bool,
    },
    /// A mail server (SMTP or IMAP).
    Mail {
        /// The greeting line.
        banner: String,
        /// True when the session ran over TLS (implicit or after STARTTLS).
        tls: bool,
        /// The server's certificate, when TLS was used.
        cert: Option<CertInfo>,
    },
}

impl Detail {
    /// The certificate this detail carries, if any (for certificate-expiry rules).
    pub fn cert(&self) -> Option<&CertInfo> {
        match self {
            Detail::Tls(c) => Some(c),
            Detail::Http { cert, .. } | Detail::Mail { cert, .. } => cert.as_ref(),
            _ => None,
        }
    }
}

/// The outcome of one scheduled run of a probe (after its retries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    /// The probe's name.
    pub name: String,
    /// The probe's kind.
    pub kind: String,
    /// The host label of the probe, if any.
    pub host: Option<String>,
    /// The service label of the probe, if any.
    pub service: Option<String>,
    /// When the run started, milliseconds since the Unix epoch.
    pub started_at_ms: i64,
    /// True when an attempt succeeded.
    pub ok: bool,
    /// How long the last attempt took, in milliseconds.
    pub latency_ms: f64,
    /// Attempts made.
    pub attempts: u32,
    /// What the successful attempt saw.
    pub detail: Option<Detail>,
    /// Why the last attempt failed, when none succeeded.
    pub failure: Option<Failure>,
}
