//! One run of a probe: its attempts, each bounded by the timeout, and the result.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::config::ProbeDef;
use crate::probe::{Failure, FailureKind, Probe, ProbeResult};

/// Runs `probe` once as `def` says: up to `1 + retries` attempts, each bounded by `timeout`,
/// `retry_delay` apart. The result is ok as soon as one attempt is.
pub async fn run_once(def: &ProbeDef, probe: &dyn Probe) -> ProbeResult {
    let started_at_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let mut attempts = 0;
    let mut failure = None;
    let mut latency_ms = 0.0;
    while attempts <= def.retries {
        if attempts > 0 {
            tokio::time::sleep(def.retry_delay).await;
        }
        attempts += 1;
        let began = Instant::now();
        let outcome = tokio::time::timeout(def.timeout, probe.check()).await;
        latency_ms = began.elapsed().as_secs_f64() * 1000.0;
        match outcome {
            Ok(Ok(detail)) => {
                return ProbeResult {
                    name: def.name.clone(),
                    kind: probe.kind().to_owned(),
                    host: def.host.clone(),
                    service: def.service.clone(),
                    started_at_ms,
                    ok: true,
                    latency_ms,
                    attempts,
                    detail: Some(detail),
                    failure: None,
                };
            }
            Ok(Err(f)) => failure = Some(f),
            Err(_) => {
                failure = Some(Failure::new(
                    FailureKind::Timeout,
                    format!(
                        "no answer within {}",
                        humantime::format_duration(def.timeout)
                    ),
                ))
            }
        }
    }
    if let Some(f) = &failure {
        tracing::debug!(probe = %def.name, attempts, error = %f, "Probe failed");
    }
    ProbeResult {
        name: def.name.clone(),
        kind: probe.kind().to_owned(),
        host: def.host.clone(),
        service: def.service.clone(),
        started_at_ms,
        ok: false,
        latency_ms,
        attempts,
        detail: None,
        failure,
    }
}
