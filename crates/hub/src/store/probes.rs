//! Probe runs in the store: every run raw (kept as long as raw samples), hourly buckets of runs,
//! passes and latency (kept as long as 1 h rollups), and each probe's latest state. Uptime over
//! 24 h, 7 d, 30 d and 365 d is read from the hourly buckets, so it costs the same whatever the
//! probe interval.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::Result;

/// Where a probe runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeSource {
    /// The hub's scheduler: the service seen from outside.
    Hub,
    /// An agent on the VM: the service seen from inside.
    Agent,
}

impl ProbeSource {
    fn as_str(self) -> &'static str {
        match self {
            ProbeSource::Hub => "hub",
            ProbeSource::Agent => "agent",
        }
    }
}

/// One run of one probe.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeRun {
    /// The probe's name (agent probes: `host/probe`).
    pub name: String,
    /// Its kind (`http`, `tls`, `tcp`, …; `agent` for agent probes).
    pub kind: String,
    /// Hub or agent.
    pub source: ProbeSource,
    /// The host it is about.
    pub host: Option<String>,
    /// The service it is about.
    pub service: Option<String>,
    /// What it reached (URL, address), when known.
    pub target: Option<String>,
    /// When it ran, Unix ms.
    pub ts_ms: i64,
    /// Whether it passed.
    pub ok: bool,
    /// How long it took, ms.
    pub latency_ms: Option<f64>,
    /// Why it failed.
    pub error: Option<String>,
}

const HOUR_MS: i64 = 3_600_000;

/// Store runs (in the caller's transaction). A run already stored (same probe and time) is
/// skipped, so replays never count twice; returns the runs newly stored.
pub fn write_runs(conn: &Connection, runs: &[ProbeRun]) -> Result<usize> {
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO probe_runs (name, ts_ms, ok, latency_ms, error)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut bucket = conn.prepare_cached(
        "INSERT INTO probe_rollup_1h
             (name, bucket_ms, runs, passed, latency_n, latency_sum, latency_min, latency_max)
         VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (name, bucket_ms) DO UPDATE SET
             runs = runs + 1,
             passed = passed + excluded.passed,
             latency_n = latency_n + excluded.latency_n,
             latency_sum = latency_sum + excluded.latency_sum,
             latency_min = min(coalesce(latency_min, excluded.latency_min), coalesce(excluded.latency_min, latency_min)),
             latency_max = max(coalesce(latency_max, excluded.latency_max), coalesce(excluded.latency_max, latency_max))",
    )?;
    let mut latest = conn.prepare_cached(
        "INSERT INTO probes (name, kind, source, host, service, target, last_ts_ms, last_ok, last_error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (name) DO UPDATE SET
             kind = excluded.kind, source = excluded.source, host = excluded.host,
             service = excluded.service, target = excluded.target,
             last_ts_ms = excluded.last_ts_ms, last_ok = excluded.last_ok,
             last_error = excluded.last_error
         WHERE excluded.last_ts_ms >= probes.last_ts_ms",
    )?;
    let mut stored = 0;
    for run in runs {
        if run.ts_ms < 0 || run.name.is_empty() {
            continue;
        }
        let latency = run.latency_ms.filter(|l| l.is_finite() && *l >= 0.0);
        let new = insert.execute(params![run.name, run.ts_ms, run.ok, latency, run.error])?;
        if new == 0 {
            continue;
        }
        stored += 1;
        bucket.execute(params![
            run.name,
            run.ts_ms - run.ts_ms.rem_euclid(HOUR_MS),
            run.ok,
            i64::from(latency.is_some()),
            latency.unwrap_or(0.0),
            latency,
        ])?;
        latest.execute(params![
            run.name,
            run.kind,
            run.source.as_str(),
            run.host,
            run.service,
            run.target,
            run.ts_ms,
            run.ok,
            run.error,
        ])?;
    }
    Ok(stored)
}

/// Passed runs over all runs in a window, in percent; `None` with no run in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Uptime {
    /// The last 24 hours.
    #[serde(rename = "24h")]
    pub day: Option<f64>,
    /// The last 7 days.
    #[serde(rename = "7d")]
    pub week: Option<f64>,
    /// The last 30 days.
    #[serde(rename = "30d")]
    pub month: Option<f64>,
    /// The last 365 days.
    #[serde(rename = "365d")]
    pub year: Option<f64>,
}

/// A stored probe: its latest state and its uptime.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeSummary {
    /// The probe's name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// Hub or agent.
    pub source: String,
    /// The host it is about.
    pub host: Option<String>,
    /// The service it is about.
    pub service: Option<String>,
    /// What it reaches.
    pub target: Option<String>,
    /// Its latest run, Unix ms.
    pub last_ts_ms: i64,
    /// Whether the latest run passed.
    pub last_ok: bool,
    /// Why the latest run failed.
    pub last_error: Option<String>,
    /// Runs in the last 24 h.
    pub runs_24h: u64,
    /// Uptime per window.
    pub uptime: Uptime,
}

fn pct(runs: Option<i64>, passed: Option<i64>) -> Option<f64> {
    match (runs, passed) {
        (Some(r), Some(p)) if r > 0 => Some(p as f64 * 100.0 / r as f64),
        _ => None,
    }
}

/// Every stored probe with its uptime as of `now_ms`. A window covers the hours that end after
/// its start: the 24 h window is the current hour and the 23 before it. The long windows read up
/// to a year of hourly buckets: callers on a hot path cache them (see [`recent`]).
pub fn summaries(conn: &Connection, now_ms: i64) -> Result<Vec<ProbeSummary>> {
    let hour = now_ms - now_ms.rem_euclid(HOUR_MS);
    let since = |hours: i64| hour - (hours - 1) * HOUR_MS;
    let mut long: BTreeMap<String, Uptime> = BTreeMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT name,
                 sum(CASE WHEN bucket_ms >= ?1 THEN runs END), sum(CASE WHEN bucket_ms >= ?1 THEN passed END),
                 sum(CASE WHEN bucket_ms >= ?2 THEN runs END), sum(CASE WHEN bucket_ms >= ?2 THEN passed END),
                 sum(runs), sum(passed)
             FROM probe_rollup_1h WHERE bucket_ms >= ?3 GROUP BY name",
        )?;
        let rows = stmt.query_map(
            params![since(7 * 24), since(30 * 24), since(365 * 24)],
            |row| {
                let uptime = Uptime {
                    day: None,
                    week: pct(row.get(1)?, row.get(2)?),
                    month: pct(row.get(3)?, row.get(4)?),
                    year: pct(row.get(5)?, row.get(6)?),
                };
                Ok((row.get::<_, String>(0)?, uptime))
            },
        )?;
        for row in rows {
            let (name, uptime) = row?;
            long.insert(name, uptime);
        }
    }
    let mut out = recent(conn, now_ms)?;
    for s in &mut out {
        if let Some(u) = long.get(&s.name) {
            s.uptime = Uptime {
                day: s.uptime.day,
                ..*u
            };
        }
    }
    Ok(out)
}

/// Every stored probe with only its 24 h uptime, read through the primary key (24 buckets per
/// probe): cheap enough for every request, where [`summaries`] reads up to a year of buckets.
pub fn recent(conn: &Connection, now_ms: i64) -> Result<Vec<ProbeSummary>> {
    let hour = now_ms - now_ms.rem_euclid(HOUR_MS);
    let since = hour - 23 * HOUR_MS;
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT name, kind, source, host, service, target, last_ts_ms, last_ok, last_error
         FROM probes ORDER BY name",
    )?;
    let mut day = conn.prepare_cached(
        "SELECT sum(runs), sum(passed) FROM probe_rollup_1h WHERE name = ?1 AND bucket_ms >= ?2",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(ProbeSummary {
            name: row.get(0)?,
            kind: row.get(1)?,
            source: row.get(2)?,
            host: row.get(3)?,
            service: row.get(4)?,
            target: row.get(5)?,
            last_ts_ms: row.get(6)?,
            last_ok: row.get(7)?,
            last_error: row.get(8)?,
            runs_24h: 0,
            uptime: Uptime::default(),
        })
    })?;
    for row in rows {
        let mut s = row?;
        let (runs, passed): (Option<i64>, Option<i64>) =
            day.query_row(params![s.name, since], |r| Ok((r.get(0)?, r.get(1)?)))?;
        s.uptime.day = pct(runs, passed);
        s.runs_24h = runs.unwrap_or(0).max(0) as u64;
        out.push(s);
    }
    Ok(out)
}

/// One point of a probe's history: a run (raw) or an hour of runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbePoint {
    /// Run time or bucket start, Unix ms.
    pub ts_ms: i64,
    /// Runs (1 for a raw run).
    pub runs: u64,
    /// Runs that passed.
    pub passed: u64,
    /// Average latency, ms.
    pub latency_avg: Option<f64>,
    /// Lowest latency, ms.
    pub latency_min: Option<f64>,
    /// Highest latency, ms.
    pub latency_max: Option<f64>,
    /// Why the run failed (raw only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A probe's runs over `[from_ms, to_ms)`: raw when `raw`, else hourly buckets. `None` when no
/// such probe is stored.
pub fn history(
    conn: &Connection,
    name: &str,
    from_ms: i64,
    to_ms: i64,
    raw: bool,
) -> Result<Option<Vec<ProbePoint>>> {
    let known: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM probes WHERE name = ?1")?
        .query_row(params![name], |row| row.get(0))
        .optional()?;
    if known.is_none() {
        return Ok(None);
    }
    let points = if raw {
        let mut stmt = conn.prepare_cached(
            "SELECT ts_ms, ok, latency_ms, error FROM probe_runs
             WHERE name = ?1 AND ts_ms >= ?2 AND ts_ms < ?3 ORDER BY ts_ms",
        )?;
        stmt.query_map(params![name, from_ms, to_ms], |row| {
            let ok: bool = row.get(1)?;
            let latency: Option<f64> = row.get(2)?;
            Ok(ProbePoint {
                ts_ms: row.get(0)?,
                runs: 1,
                passed: u64::from(ok),
                latency_avg: latency,
                latency_min: latency,
                latency_max: latency,
                error: row.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
    } else {
        let mut stmt = conn.prepare_cached(
            "SELECT bucket_ms, runs, passed, latency_n, latency_sum, latency_min, latency_max
             FROM probe_rollup_1h WHERE name = ?1 AND bucket_ms >= ?2 AND bucket_ms < ?3
             ORDER BY bucket_ms",
        )?;
        stmt.query_map(
            params![name, from_ms - from_ms.rem_euclid(HOUR_MS), to_ms],
            |row| {
                let n: i64 = row.get(3)?;
                let sum: f64 = row.get(4)?;
                Ok(ProbePoint {
                    ts_ms: row.get(0)?,
                    runs: row.get::<_, i64>(1)?.max(0) as u64,
                    passed: row.get::<_, i64>(2)?.max(0) as u64,
                    latency_avg: (n > 0).then(|| sum / n as f64),
                    latency_min: row.get(5)?,
                    latency_max: row.get(6)?,
                    error: None,
                })
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?
    };
    Ok(Some(points))
}

/// Delete raw runs before `raw_cut_ms` and hourly buckets before `hour_cut_ms`, probe by probe
/// through the primary key; returns (runs, buckets) deleted.
pub fn enforce(conn: &mut Connection, raw_cut_ms: i64, hour_cut_ms: i64) -> Result<(u64, u64)> {
    let names: Vec<String> = conn
        .prepare("SELECT name FROM probes")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let tx = conn.transaction()?;
    let (mut runs, mut buckets) = (0, 0);
    {
        let mut raw = tx.prepare("DELETE FROM probe_runs WHERE name = ?1 AND ts_ms < ?2")?;
        let mut hour =
            tx.prepare("DELETE FROM probe_rollup_1h WHERE name = ?1 AND bucket_ms < ?2")?;
        for name in &names {
            runs += raw.execute(params![name, raw_cut_ms])? as u64;
            buckets += hour.execute(params![name, hour_cut_ms])? as u64;
        }
    }
    // A probe not run for the whole hourly horizon is gone from the spec: forget it.
    tx.execute(
        "DELETE FROM probes WHERE last_ts_ms < ?1",
        params![hour_cut_ms],
    )?;
    tx.commit()?;
    Ok((runs, buckets))
}
