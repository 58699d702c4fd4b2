//! Reading: hosts, their series, and a series over a range at the fitting resolution.

use rusqlite::{Connection, OptionalExtension, params};

use super::Retention;
use super::record::{
    BatchInfo, HostRow, Resolution, SeriesAnswer, SeriesData, SeriesInfo, SeriesPoint, SeriesQuery,
};
use crate::{Error, Result};

/// Answers longer than this many points move to a coarser resolution when none is forced.
pub const MAX_POINTS: i64 = 1_500;

/// The nominal agent interval, used only to estimate how many raw points a range holds.
const NOMINAL_RAW_STEP_MS: i64 = 10_000;

/// The finest resolution that still holds data for the whole range (per retention) and answers it
/// in at most [`MAX_POINTS`] points; hourly when nothing finer fits.
pub fn choose_resolution(
    from_ms: i64,
    to_ms: i64,
    now_ms: i64,
    retention: &Retention,
) -> Resolution {
    let span = (to_ms - from_ms).max(0);
    let tiers = [
        (Resolution::Raw, NOMINAL_RAW_STEP_MS, retention.raw),
        (Resolution::Minute, 60_000, retention.minute),
        (Resolution::Hour, 3_600_000, retention.hour),
    ];
    for (resolution, step, kept) in tiers {
        let kept_ms = i64::try_from(kept.as_millis()).unwrap_or(i64::MAX);
        if from_ms >= now_ms.saturating_sub(kept_ms) && span / step <= MAX_POINTS {
            return resolution;
        }
    }
    Resolution::Hour
}

fn host_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<HostRow> {
    let snapshot: Option<String> = row.get(8)?;
    Ok(HostRow {
        name: row.get(0)?,
        first_seen_ms: row.get(1)?,
        last_seen_ms: row.get(2)?,
        last_seq: row.get::<_, i64>(3)?.max(0) as u64,
        agent_version: row.get(4)?,
        batches_total: row.get::<_, i64>(5)?.max(0) as u64,
        dropped_total: row.get::<_, i64>(6)?.max(0) as u64,
        snapshot_ms: row.get(7)?,
        // A snapshot that no longer parses is shown as absent rather than failing the listing.
        snapshot: snapshot.and_then(|s| serde_json::from_str(&s).ok()),
    })
}

const HOST_COLUMNS: &str = "name, first_seen_ms, last_seen_ms, last_seq, agent_version, \
    batches_total, dropped_total, snapshot_ms, snapshot";

/// Every host, by name.
pub fn hosts(conn: &Connection) -> Result<Vec<HostRow>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {HOST_COLUMNS} FROM hosts ORDER BY name"))?;
    let rows = stmt.query_map([], host_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One host by name.
pub fn host(conn: &Connection, name: &str) -> Result<HostRow> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {HOST_COLUMNS} FROM hosts WHERE name = ?1"))?;
    stmt.query_row(params![name], host_row)
        .optional()?
        .ok_or_else(|| Error::not_found(format!("host {name:?}")))
}

fn host_id(conn: &Connection, name: &str) -> Result<i64> {
    conn.prepare_cached("SELECT id FROM hosts WHERE name = ?1")?
        .query_row(params![name], |row| row.get(0))
        .optional()?
        .ok_or_else(|| Error::not_found(format!("host {name:?}")))
}

/// The series a host has, by metric then labels.
pub fn series_list(conn: &Connection, host: &str) -> Result<Vec<SeriesInfo>> {
    let id = host_id(conn, host)?;
    let mut stmt = conn.prepare_cached(
        "SELECT metric, labels FROM series WHERE host_id = ?1 ORDER BY metric, labels",
    )?;
    let rows = stmt.query_map(params![id], |row| {
        let labels: String = row.get(1)?;
        Ok(SeriesInfo {
            metric: row.get(0)?,
            labels: serde_json::from_str(&labels).unwrap_or(serde_json::Value::Null),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every `(host, seq)` stored for `host`, in sequence order (used to check completeness).
pub fn batch_seqs(conn: &Connection, host: &str) -> Result<Vec<u64>> {
    Ok(batches(conn, host)?.into_iter().map(|b| b.seq).collect())
}

/// The batch records kept for `host` (those within the raw horizon), in sequence order.
pub fn batches(conn: &Connection, host: &str) -> Result<Vec<BatchInfo>> {
    let id = host_id(conn, host)?;
    let mut stmt = conn.prepare_cached(
        "SELECT seq, received_ms, first_ts_ms, last_ts_ms, samples, dropped FROM batches
         WHERE host_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![id], |row| {
        Ok(BatchInfo {
            seq: row.get::<_, i64>(0)?.max(0) as u64,
            received_ms: row.get(1)?,
            first_ts_ms: row.get(2)?,
            last_ts_ms: row.get(3)?,
            points: row.get::<_, i64>(4)?.max(0) as u64,
            dropped: row.get::<_, i64>(5)?.max(0) as u64,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A metric's series over a range.
pub fn series(
    conn: &Connection,
    query: &SeriesQuery,
    now_ms: i64,
    retention: &Retention,
) -> Result<SeriesAnswer> {
    if query.to_ms <= query.from_ms {
        return Err(Error::invalid(
            format!(
                "the range is empty: from {} is not before to {}",
                query.from_ms, query.to_ms
            ),
            "give `from` earlier than `to` (Unix milliseconds)",
        ));
    }
    let id = host_id(conn, &query.host)?;
    let resolution = query
        .resolution
        .unwrap_or_else(|| choose_resolution(query.from_ms, query.to_ms, now_ms, retention));

    let mut ids = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT id, labels FROM series WHERE host_id = ?1 AND metric = ?2
             AND (?3 IS NULL OR labels = ?3) ORDER BY labels",
        )?;
        let rows = stmt.query_map(params![id, query.metric, query.labels], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?;
        for row in rows {
            ids.push(row?);
        }
    }
    if ids.is_empty() {
        return Err(Error::not_found(format!(
            "metric {:?}{} on host {:?}",
            query.metric,
            query
                .labels
                .as_deref()
                .map(|l| format!(" with labels {l}"))
                .unwrap_or_default(),
            query.host
        )));
    }

    let mut series = Vec::with_capacity(ids.len());
    for (series_id, labels) in ids {
        let points = match resolution.bucket_ms() {
            None => raw_points(conn, series_id, query.from_ms, query.to_ms)?,
            Some(width) => bucket_points(conn, resolution, width, series_id, query)?,
        };
        series.push(SeriesData {
            labels: serde_json::from_str(&labels).unwrap_or(serde_json::Value::Null),
            points,
        });
    }
    Ok(SeriesAnswer {
        host: query.host.clone(),
        metric: query.metric.clone(),
        resolution,
        from_ms: query.from_ms,
        to_ms: query.to_ms,
        series,
    })
}

/// Raw points of a series: compacted ones and those still staged (a staged point that repeats a
/// stored one is skipped, as compaction will skip it).
fn raw_points(conn: &Connection, series_id: i64, from: i64, to: i64) -> Result<Vec<SeriesPoint>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ts_ms, value FROM raw WHERE series_id = ?1 AND ts_ms >= ?2 AND ts_ms < ?3
         UNION ALL
         SELECT ts_ms, value FROM staging s WHERE series_id = ?1 AND ts_ms >= ?2 AND ts_ms < ?3
             AND NOT EXISTS (SELECT 1 FROM raw r WHERE r.series_id = ?1 AND r.ts_ms = s.ts_ms)
         ORDER BY 1",
    )?;
    let rows = stmt.query_map(params![series_id, from, to], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, f64>(1)?))
    })?;
    let mut points: Vec<SeriesPoint> = Vec::new();
    for row in rows {
        let (ts, v) = row?;
        // Staged twice: the first wins, as in compaction.
        if points.last().is_some_and(|p| p.0 == ts) {
            continue;
        }
        points.push((ts, v, v, v));
    }
    Ok(points)
}

/// Rollup points of a series, with staged points folded into their buckets so the answer is
/// exact before compaction runs.
fn bucket_points(
    conn: &Connection,
    resolution: Resolution,
    width: i64,
    series_id: i64,
    query: &SeriesQuery,
) -> Result<Vec<SeriesPoint>> {
    let table = match resolution {
        Resolution::Hour => "rollup_1h",
        _ => "rollup_1m",
    };
    // A bucket that starts before `from` still holds samples inside the range: include it, and
    // the whole of the last bucket.
    let from = query.from_ms.div_euclid(width) * width;
    let to = (query.to_ms + width - 1).div_euclid(width) * width;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT bucket_ms, count, sum, min, max FROM {table}
             WHERE series_id = ?1 AND bucket_ms >= ?2 AND bucket_ms < ?3
         UNION ALL
         SELECT (ts_ms / ?4) * ?4, count(*), sum(value), min(value), max(value) FROM (
             SELECT ts_ms, value FROM staging s
             WHERE series_id = ?1 AND ts_ms >= ?2 AND ts_ms < ?3
                 AND NOT EXISTS (SELECT 1 FROM raw r WHERE r.series_id = ?1 AND r.ts_ms = s.ts_ms)
             GROUP BY ts_ms)
         GROUP BY 1
         ORDER BY 1"
    ))?;
    let rows = stmt.query_map(params![series_id, from, to, width], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, f64>(2)?,
            row.get::<_, f64>(3)?,
            row.get::<_, f64>(4)?,
        ))
    })?;
    // (bucket, count, sum, min, max), merged when the rollup and the staging both have a bucket.
    let mut merged: Vec<(i64, i64, f64, f64, f64)> = Vec::new();
    for row in rows {
        let (b, n, sum, min, max) = row?;
        match merged.last_mut() {
            Some(last) if last.0 == b => {
                last.1 += n;
                last.2 += sum;
                last.3 = last.3.min(min);
                last.4 = last.4.max(max);
            }
            _ => merged.push((b, n, sum, min, max)),
        }
    }
    Ok(merged
        .into_iter()
        .filter(|m| m.1 > 0)
        .map(|(b, n, sum, min, max)| (b, sum / n as f64, min, max))
        .collect())
}
