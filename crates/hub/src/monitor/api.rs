//! The probe API the hub serves with its store: `GET /api/v1/probes` (every probe, from the hub
//! and from agents, with its latest result and uptime over 24 h, 7 d, 30 d and 365 d) and
//! `GET /api/v1/probes/history?name=…&last=24h` (its runs, raw up to 48 h, hourly beyond).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use cloudctl_alerts::monitor::Monitor;
use cloudctl_probes::{Failure, FailureKind, ProbeResult};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::api::error::{ApiError, ApiResult};
use crate::clock;
use crate::store::{ProbeSummary, Store, Uptime};

/// What the probe routes read.
#[derive(Clone)]
pub struct ProbeApi {
    store: Store,
    monitor: Monitor,
    agent_probe_services: Arc<BTreeMap<String, String>>,
    /// The hub's own probes now configured: a stored one no longer in the spec is not listed.
    configured: Arc<BTreeSet<String>>,
    /// Uptime over 7, 30 and 365 days by probe, and when it was read: those windows read up to a
    /// year of buckets, so a dashboard polling every few seconds reads them at most every
    /// [`LONG_WINDOWS_EVERY_MS`] (and when a new probe appears).
    long: Arc<Mutex<Option<LongWindows>>>,
}

/// When the long windows were read, and their uptime by probe.
type LongWindows = (i64, BTreeMap<String, Uptime>);

/// How long the 7/30/365-day uptimes are reused.
const LONG_WINDOWS_EVERY_MS: i64 = 5 * 60_000;

/// An agent probe not reported for this long is no longer listed (its history stays readable).
const AGENT_PROBE_FORGOTTEN_MS: i64 = 24 * 3_600_000;

impl ProbeApi {
    /// The routes over `store` and `monitor`; agent probes get their service from the map, and
    /// of the hub's own probes only those `configured` are listed.
    pub fn routes<S: Clone + Send + Sync + 'static>(
        store: Store,
        monitor: Monitor,
        agent_probe_services: BTreeMap<String, String>,
        configured: BTreeSet<String>,
    ) -> Router<S> {
        Router::new()
            .route("/api/v1/probes", get(list))
            .route("/api/v1/probes/history", get(history))
            .with_state(ProbeApi {
                store,
                monitor,
                agent_probe_services: Arc::new(agent_probe_services),
                configured: Arc::new(configured),
                long: Arc::default(),
            })
    }
}

/// A probe in the API.
#[derive(Debug, Serialize)]
struct ProbeView {
    name: String,
    /// `hub` (seen from outside) or `agent` (from inside the VM).
    source: String,
    target: Option<String>,
    /// Uptime over the last 24 h (since the hub started when nothing is stored yet).
    uptime_pct: f64,
    uptime: Uptime,
    /// Runs since the hub started.
    runs: u64,
    /// Of those, passed.
    passed: u64,
    latest: Option<ProbeResult>,
}

/// The latest result as stored, for a probe that has not run since the hub started.
fn stored_latest(s: &ProbeSummary, services: &BTreeMap<String, String>) -> ProbeResult {
    ProbeResult {
        name: s.name.clone(),
        kind: s.kind.clone(),
        host: s.host.clone(),
        service: s.service.clone().or_else(|| services.get(&s.name).cloned()),
        started_at_ms: s.last_ts_ms,
        ok: s.last_ok,
        latency_ms: 0.0,
        attempts: 1,
        detail: None,
        failure: (!s.last_ok).then(|| {
            Failure::new(
                FailureKind::Check,
                s.last_error.clone().unwrap_or_else(|| "failed".into()),
            )
        }),
    }
}

async fn list(State(api): State<ProbeApi>) -> ApiResult<Json<Value>> {
    let now = clock::now_ms();
    let mut stored = api
        .store
        .read(move |conn| crate::store::probes::recent(conn, now))
        .await?;
    let long = long_windows(&api, &stored, now).await?;
    for s in &mut stored {
        if let Some(u) = long.get(&s.name) {
            s.uptime = Uptime {
                day: s.uptime.day,
                ..*u
            };
        }
    }
    let mut live = api.monitor.probes();
    let mut out = Vec::with_capacity(stored.len().max(live.len()));
    for s in &stored {
        let status = live.remove(&s.name);
        let current = match s.source.as_str() {
            "hub" => api.configured.contains(&s.name),
            _ => now - s.last_ts_ms < AGENT_PROBE_FORGOTTEN_MS,
        };
        if !current {
            continue;
        }
        let since_start = status.as_ref().map(|st| st.uptime_pct());
        out.push(ProbeView {
            name: s.name.clone(),
            source: s.source.clone(),
            target: s.target.clone(),
            uptime_pct: s.uptime.day.or(since_start).unwrap_or(0.0),
            uptime: s.uptime,
            runs: status.as_ref().map_or(0, |st| st.runs),
            passed: status.as_ref().map_or(0, |st| st.passed),
            latest: Some(match status {
                Some(st) => st.latest,
                None => stored_latest(s, &api.agent_probe_services),
            }),
        });
    }
    // Results not stored yet (the journal writes them within a second).
    for (name, st) in live {
        out.push(ProbeView {
            source: if st.latest.kind == "agent" {
                "agent"
            } else {
                "hub"
            }
            .into(),
            target: None,
            uptime_pct: st.uptime_pct(),
            uptime: Uptime::default(),
            runs: st.runs,
            passed: st.passed,
            latest: Some(st.latest),
            name,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Json(json!({ "probes": out })))
}

/// The 7/30/365-day uptimes, from the cache while it is fresh and knows every probe.
async fn long_windows(
    api: &ProbeApi,
    probes: &[ProbeSummary],
    now: i64,
) -> ApiResult<BTreeMap<String, Uptime>> {
    {
        let cached = api.long.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, map)) = cached.as_ref()
            && now - at < LONG_WINDOWS_EVERY_MS
            && probes.iter().all(|p| map.contains_key(&p.name))
        {
            return Ok(map.clone());
        }
    }
    let all = api
        .store
        .read(move |conn| crate::store::probes::summaries(conn, now))
        .await?;
    let map: BTreeMap<String, Uptime> = all.into_iter().map(|s| (s.name, s.uptime)).collect();
    *api.long.lock().unwrap_or_else(|e| e.into_inner()) = Some((now, map.clone()));
    Ok(map)
}

/// Query string of a probe history request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryParams {
    /// The probe's name (`vault-http`, `oci-f-micro_1/vault-app`).
    name: String,
    /// Start, Unix ms.
    from: Option<i64>,
    /// End, Unix ms (default now).
    to: Option<i64>,
    /// Instead of `from`: a span back from `to` (`24h`, `7d`); default 24h.
    last: Option<String>,
    /// `raw` or `1h`; default raw up to 48 h, hourly beyond.
    resolution: Option<String>,
}

const HINT: &str = "parameters: name=PROBE (from GET /api/v1/probes)  last=24h|7d|30d|365d  \
                    or from=MS to=MS  resolution=raw|1h";

async fn history(
    State(api): State<ProbeApi>,
    params: Result<Query<HistoryParams>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(p) = params
        .map_err(|e| ApiError::bad_request(format!("bad query string: {}", e.body_text()), HINT))?;
    let to = p.to.unwrap_or_else(clock::now_ms);
    let from = match (p.from, &p.last) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "give `from` or `last`, not both",
                HINT,
            ));
        }
        (Some(from), None) => from,
        (None, last) => {
            let text = last.as_deref().unwrap_or("24h");
            let span = crate::api::read::parse_span(text).ok_or_else(|| {
                ApiError::bad_request(format!("`last={text}` is not a span"), HINT)
            })?;
            to - span
        }
    };
    if from >= to {
        return Err(ApiError::bad_request(
            format!("the range is empty: from {from} is not before to {to}"),
            HINT,
        ));
    }
    let raw = match p.resolution.as_deref() {
        None | Some("auto") => to - from <= 48 * 3_600_000,
        Some("raw") => true,
        Some("1h") => false,
        Some(other) => {
            return Err(ApiError::bad_request(
                format!("`resolution={other}` is not known"),
                HINT,
            ));
        }
    };
    let name = p.name.clone();
    let points = api
        .store
        .read(move |conn| crate::store::probes::history(conn, &name, from, to, raw))
        .await?;
    let Some(points) = points else {
        return Err(ApiError::not_found(
            format!("no probe `{}` is stored", p.name),
            "list probes with GET /api/v1/probes",
        ));
    };
    Ok(Json(json!({
        "name": p.name,
        "resolution": if raw { "raw" } else { "1h" },
        "from_ms": from,
        "to_ms": to,
        "points": points,
    })))
}
