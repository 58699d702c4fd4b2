//! Agent-side probes: checks of this VM's internal ports (a TCP connect, an HTTP GET, a
//! container's own port), so the hub sees each service from inside as well as from outside.
//!
//! One file per kind of target ([`tcp`], [`http`], [`container`]), all parsed by
//! [`ProbeTarget`]. [`run_all`] runs every probe of a collection at once, one small thread each,
//! and never waits longer than the largest timeout: a probe that has not answered by then is
//! reported as timed out (its thread ends on its own, bounded by the same deadline).

mod container;
mod deadline;
mod http;
mod target;
mod tcp;

use std::path::Path;
use std::str::FromStr;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use cloudctl_wire::ProbeResult;

pub use target::{ProbeTarget, TARGET_FORMS, TargetError};

use deadline::Deadline;

/// Default time a probe may take.
pub const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// A probe thread only connects, writes a request line and reads a status line (name resolution
/// in libc is its deepest call), so it needs far less than the default 2 MiB stack.
const STACK_BYTES: usize = 256 * 1024;

/// How long past the largest timeout [`run_all`] waits for a thread's answer.
const GRACE: Duration = Duration::from_millis(200);

/// One check of a port on this VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalProbe {
    /// A stable name (`[a-z0-9_.-]`), the `probe` label of its series on the hub.
    pub name: String,
    /// What it checks.
    pub target: ProbeTarget,
    /// How long it may take before it counts as failed.
    pub timeout: Duration,
}

impl LocalProbe {
    /// A probe with the default timeout.
    pub fn new(name: impl Into<String>, target: ProbeTarget) -> Self {
        LocalProbe {
            name: name.into(),
            target,
            timeout: DEFAULT_PROBE_TIMEOUT,
        }
    }

    /// Run the probe now (blocking, at most about its timeout) and report the outcome.
    pub fn check(&self, docker_socket: &Path) -> ProbeResult {
        let started = Instant::now();
        let deadline = Deadline::new(started, self.timeout);
        let outcome = match &self.target {
            ProbeTarget::Tcp { host, port } => tcp::check(host, *port, &deadline),
            ProbeTarget::Http { host, port, path } => http::check(host, *port, path, &deadline),
            ProbeTarget::Container { name, port } => {
                container::check(name, *port, docker_socket, &deadline)
            }
        };
        self.result(outcome, started.elapsed())
    }

    fn result(&self, outcome: Result<(), String>, took: Duration) -> ProbeResult {
        ProbeResult {
            name: self.name.clone(),
            target: self.target.to_string(),
            ok: outcome.is_ok(),
            latency_ms: Some((took.as_secs_f64() * 100_000.0).round() / 100.0),
            error: outcome.err(),
        }
    }
}

/// `NAME=TARGET`, with the default timeout.
impl FromStr for LocalProbe {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let Some((name, target)) = s.split_once('=') else {
            return Err(format!(
                "{s:?} is not NAME=TARGET; write it like web=tcp://127.0.0.1:8080 (TARGET is {TARGET_FORMS})"
            ));
        };
        check_name(name)?;
        let target = target.parse::<ProbeTarget>().map_err(|e| e.to_string())?;
        Ok(LocalProbe::new(name, target))
    }
}

/// Check a probe name: not empty, at most 64 characters of `[a-z0-9_.-]`.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the probe name is empty".to_owned());
    }
    if name.len() > 64 {
        return Err(format!("probe name {name:?} is longer than 64 characters"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "probe name {name:?} has {c:?}; use lower-case letters, digits, _ . and -"
        ));
    }
    Ok(())
}

/// Run every probe at once and return their results in the order given. Returns after the
/// last answer, or after the largest timeout (plus a short grace) with the stragglers reported
/// as timed out.
pub fn run_all(probes: &[LocalProbe], docker_socket: &Path) -> Vec<ProbeResult> {
    if probes.is_empty() {
        return Vec::new();
    }
    let started = Instant::now();
    let (tx, rx) = mpsc::channel();
    let mut results: Vec<Option<ProbeResult>> = vec![None; probes.len()];
    for (i, probe) in probes.iter().enumerate() {
        let tx = tx.clone();
        let mine = probe.clone();
        let socket = docker_socket.to_path_buf();
        let spawned = thread::Builder::new()
            .name(format!("probe-{i}"))
            .stack_size(STACK_BYTES)
            .spawn(move || {
                let _ = tx.send((i, mine.check(&socket)));
            });
        if let Err(e) = spawned {
            results[i] = Some(probe.result(
                Err(format!("cannot start the probe's thread: {e}")),
                Duration::ZERO,
            ));
        }
    }
    drop(tx);
    let longest = probes.iter().map(|p| p.timeout).max().unwrap_or_default();
    let wait_until = started + longest + GRACE;
    while results.iter().any(Option::is_none) {
        let left = wait_until.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((i, result)) => results[i] = Some(result),
            Err(_) => break,
        }
    }
    results
        .into_iter()
        .zip(probes)
        .map(|(result, probe)| {
            result.unwrap_or_else(|| {
                let deadline = Deadline::new(started, probe.timeout);
                probe.result(Err(deadline.timed_out()), started.elapsed())
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_name_equals_target() {
        let p: LocalProbe = "vault.app_1=tcp://127.0.0.1:80".parse().unwrap();
        assert_eq!(p.name, "vault.app_1");
        assert_eq!(p.target.to_string(), "tcp://127.0.0.1:80");
        assert_eq!(p.timeout, DEFAULT_PROBE_TIMEOUT);

        let cases = [
            ("tcp://127.0.0.1:80", "is not NAME=TARGET"),
            ("=tcp://127.0.0.1:80", "the probe name is empty"),
            ("Web=tcp://127.0.0.1:80", "has 'W'; use lower-case"),
            ("web=tcp://127.0.0.1", "has no port"),
        ];
        for (input, reason) in cases {
            let err = input.parse::<LocalProbe>().unwrap_err();
            assert!(err.contains(reason), "{input}: {err}");
        }
    }

    #[test]
    fn no_probes_no_threads() {
        assert!(run_all(&[], Path::new("/nonexistent")).is_empty());
    }
}
