//! The agent's configuration and its secret token.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::probe::LocalProbe;

/// Everything the agent needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The host id this agent reports as (the spec's host name).
    pub host_id: String,
    /// Time between collections.
    pub interval: Duration,
    /// Folder for unsent batches and the little state that survives restarts (last sequence
    /// number, monthly egress counter).
    pub spool_dir: PathBuf,
    /// Largest size of the spool in bytes; when full, the oldest batches are dropped and counted.
    pub spool_max_bytes: u64,
    /// The Docker Engine API socket (dockerd or Podman).
    pub docker_socket: PathBuf,
    /// Where to send batches; `None` to only collect (file mode).
    pub hub: Option<HubConfig>,
    /// Checks of this VM's internal ports, run at every collection.
    pub probes: Vec<LocalProbe>,
}

/// Default time between collections.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);

/// Default spool size: 64 MiB, about a week of one-sample batches of a busy host.
pub const DEFAULT_SPOOL_MAX_BYTES: u64 = 64 << 20;

/// Default Docker socket.
pub const DEFAULT_DOCKER_SOCKET: &str = "/var/run/docker.sock";

impl Config {
    /// A configuration with defaults for everything but the host id and the spool folder.
    pub fn new(host_id: impl Into<String>, spool_dir: impl Into<PathBuf>) -> Self {
        Config {
            host_id: host_id.into(),
            interval: DEFAULT_INTERVAL,
            spool_dir: spool_dir.into(),
            spool_max_bytes: DEFAULT_SPOOL_MAX_BYTES,
            docker_socket: PathBuf::from(DEFAULT_DOCKER_SOCKET),
            hub: None,
            probes: Vec::new(),
        }
    }
}

/// Where and how to reach the hub.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// Base URL of the hub (`http://127.0.0.1:7070` or `https://hub.example.org`); the ingest
    /// path is appended to it.
    pub url: String,
    /// This host's bearer token.
    pub token: Token,
    /// A PEM file of CA certificates to trust instead of the public roots (a private hub).
    pub ca_file: Option<PathBuf>,
    /// How long one request may take before it counts as failed.
    pub timeout: Duration,
}

impl HubConfig {
    /// A hub configuration with the default timeout and public CA roots.
    pub fn new(url: impl Into<String>, token: Token) -> Self {
        HubConfig {
            url: url.into(),
            token,
            ca_file: None,
            timeout: Duration::from_secs(10),
        }
    }
}

/// A bearer token. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wrap a token (surrounding whitespace, such as a file's final newline, is removed).
    pub fn new(token: impl AsRef<str>) -> Self {
        Token(token.as_ref().trim().to_owned())
    }

    /// The token itself, for the Authorization header only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the token is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_never_shows() {
        let t = Token::new("s3cret-value\n");
        assert_eq!(t.expose(), "s3cret-value");
        let hub = HubConfig::new("http://127.0.0.1:1", t.clone());
        let shown = format!("{hub:?} {t}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }
}
