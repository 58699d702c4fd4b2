//! How long each tier is kept, and deleting what is older. Deletes go series by series through the
//! primary key `(series_id, ts)`, so no extra time index is needed and each step is short.

use std::time::Duration;

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::Result;

/// How long each resolution is kept, and how often retention runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    /// Raw samples (default 48 h).
    pub raw: Duration,
    /// One-minute rollups (default 14 days).
    pub minute: Duration,
    /// One-hour rollups (default 400 days).
    pub hour: Duration,
    /// Time between two retention runs (default 10 min).
    pub every: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            raw: Duration::from_secs(48 * 3600),
            minute: Duration::from_secs(14 * 86_400),
            hour: Duration::from_secs(400 * 86_400),
            every: Duration::from_secs(600),
        }
    }
}

/// What one retention run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    /// Raw samples deleted.
    pub raw: u64,
    /// One-minute buckets deleted.
    pub minute: u64,
    /// One-hour buckets deleted.
    pub hour: u64,
    /// Batch records deleted (their sequences stay known as duplicates through `seq_floor`).
    pub batches: u64,
    /// Raw probe runs deleted (kept as long as raw samples).
    pub probe_runs: u64,
    /// Hourly probe buckets deleted (kept as long as 1 h rollups).
    pub probe_hours: u64,
    /// Alert history entries deleted (kept as long as 1 h rollups).
    pub alert_history: u64,
}

/// Series handled per transaction, so ingest waits at most one short step.
const SERIES_PER_STEP: usize = 500;

fn cutoff(now_ms: i64, keep: Duration) -> i64 {
    now_ms.saturating_sub(i64::try_from(keep.as_millis()).unwrap_or(i64::MAX))
}

/// Delete everything older than `retention` allows, as of `now_ms`.
pub fn enforce(
    conn: &mut Connection,
    now_ms: i64,
    retention: &Retention,
) -> Result<RetentionReport> {
    let raw_cut = cutoff(now_ms, retention.raw);
    let minute_cut = cutoff(now_ms, retention.minute);
    let hour_cut = cutoff(now_ms, retention.hour);
    let mut report = RetentionReport::default();

    let ids: Vec<i64> = {
        let mut stmt = conn.prepare("SELECT id FROM series ORDER BY id")?;
        let rows = stmt.query_map([], |row| row.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for chunk in ids.chunks(SERIES_PER_STEP) {
        let tx = conn.transaction()?;
        {
            let mut raw =
                tx.prepare_cached("DELETE FROM raw WHERE series_id = ?1 AND ts_ms < ?2")?;
            let mut minute =
                tx.prepare_cached("DELETE FROM rollup_1m WHERE series_id = ?1 AND bucket_ms < ?2")?;
            let mut hour =
                tx.prepare_cached("DELETE FROM rollup_1h WHERE series_id = ?1 AND bucket_ms < ?2")?;
            for id in chunk {
                report.raw += raw.execute(params![id, raw_cut])? as u64;
                report.minute += minute.execute(params![id, minute_cut])? as u64;
                report.hour += hour.execute(params![id, hour_cut])? as u64;
            }
        }
        tx.commit()?;
    }

    // Batch records exist for deduplication; past the raw horizon a floor per host replaces them.
    let tx = conn.transaction()?;
    tx.execute(
        "UPDATE hosts SET seq_floor = max(seq_floor, (
             SELECT coalesce(max(seq), 0) FROM batches
             WHERE batches.host_id = hosts.id AND received_ms < ?1))",
        params![raw_cut],
    )?;
    report.batches = tx.execute(
        "DELETE FROM batches WHERE seq <= (SELECT seq_floor FROM hosts WHERE hosts.id = batches.host_id)",
        [],
    )? as u64;
    tx.commit()?;

    (report.probe_runs, report.probe_hours) =
        crate::store::probes::enforce(conn, raw_cut, hour_cut)?;
    // Silences are kept a day past their end, as the engine keeps them.
    report.alert_history = crate::store::alerts::enforce(
        conn,
        hour_cut.div_euclid(1000),
        now_ms.div_euclid(1000) - 86_400,
    )?;
    Ok(report)
}
