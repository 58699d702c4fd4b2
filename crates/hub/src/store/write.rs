//! Writing batches: one transaction per group of batches, each batch under its own savepoint so a
//! bad one cannot take its neighbours down. A batch's points are appended to `staging`; see
//! `compact` for how they reach `raw` and the rollups.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::record::{BatchRecord, IngestOutcome};
use crate::Result;

/// Most series ids kept in memory; past it the cache starts over (a bound, not an LRU: series are
/// few and stable, so a rare refill costs less than bookkeeping).
const SERIES_CACHE_LIMIT: usize = 20_000;

/// Series ids by `host_id \x1f metric \x1f labels`, bounded.
#[derive(Debug, Default)]
pub struct SeriesCache {
    ids: HashMap<String, i64>,
    key: String,
}

impl SeriesCache {
    /// Forget everything (after series were deleted).
    pub fn clear(&mut self) {
        self.ids.clear();
    }

    fn id(&mut self, tx: &Connection, host_id: i64, metric: &str, labels: &str) -> Result<i64> {
        use std::fmt::Write;
        self.key.clear();
        let _ = write!(self.key, "{host_id}\u{1f}{metric}\u{1f}{labels}");
        if let Some(id) = self.ids.get(self.key.as_str()) {
            return Ok(*id);
        }
        let mut insert = tx.prepare_cached(
            "INSERT INTO series (host_id, metric, labels) VALUES (?1, ?2, ?3)
             ON CONFLICT (host_id, metric, labels) DO NOTHING",
        )?;
        insert.execute(params![host_id, metric, labels])?;
        let mut select = tx.prepare_cached(
            "SELECT id FROM series WHERE host_id = ?1 AND metric = ?2 AND labels = ?3",
        )?;
        let id: i64 = select.query_row(params![host_id, metric, labels], |row| row.get(0))?;
        if self.ids.len() >= SERIES_CACHE_LIMIT {
            self.ids.clear();
        }
        self.ids.insert(self.key.clone(), id);
        Ok(id)
    }
}

/// Store a group of batches in one transaction (one fsync for all of them). Each result says what
/// happened to the batch at the same index; the whole group is durable when this returns.
/// `Stored { samples }` counts the points staged.
pub fn ingest_group(
    conn: &mut Connection,
    cache: &mut SeriesCache,
    batches: &[BatchRecord],
) -> Result<Vec<Result<IngestOutcome>>> {
    let mut tx = conn.transaction()?;
    let mut results = Vec::with_capacity(batches.len());
    for batch in batches {
        let sp = tx.savepoint()?;
        match ingest_batch(&sp, cache, batch) {
            Ok(outcome) => {
                sp.commit()?;
                results.push(Ok(outcome));
            }
            Err(error) => {
                // Dropping the savepoint rolls it back; ids cached during it may now be gone.
                drop(sp);
                cache.clear();
                results.push(Err(error));
            }
        }
    }
    tx.commit()?;
    Ok(results)
}

fn ingest_batch(
    tx: &Connection,
    cache: &mut SeriesCache,
    batch: &BatchRecord,
) -> Result<IngestOutcome> {
    let seq = i64::try_from(batch.seq).unwrap_or(i64::MAX);
    tx.prepare_cached(
        "INSERT INTO hosts (name, first_seen_ms, last_seen_ms, last_seq, agent_version)
         VALUES (?1, ?2, ?2, 0, ?3) ON CONFLICT (name) DO NOTHING",
    )?
    .execute(params![batch.host, batch.received_ms, batch.agent_version])?;
    let (host_id, seq_floor): (i64, i64) = tx
        .prepare_cached("SELECT id, seq_floor FROM hosts WHERE name = ?1")?
        .query_row(params![batch.host], |row| Ok((row.get(0)?, row.get(1)?)))?;
    if seq <= seq_floor {
        return Ok(IngestOutcome::Duplicate);
    }
    let first_ts = batch.points.iter().map(|p| p.ts_ms).min();
    let last_ts = batch.points.iter().map(|p| p.ts_ms).max();
    let seen: Option<(Option<i64>, Option<i64>)> = tx
        .prepare_cached(
            "SELECT first_ts_ms, last_ts_ms FROM batches WHERE host_id = ?1 AND seq = ?2",
        )?
        .query_row(params![host_id, seq], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    match seen {
        Some(range) if range == (first_ts, last_ts) => return Ok(IngestOutcome::Duplicate),
        Some(_) => {
            // Same number, other samples: the agent lost its sequence state. Its samples are
            // still stored (idempotently, per series and time) rather than silently dropped.
            tracing::warn!(host = %batch.host, seq, "Sequence number reused with other samples");
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO batches
                     (host_id, seq, received_ms, first_ts_ms, last_ts_ms, samples, dropped)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                host_id,
                seq,
                batch.received_ms,
                first_ts,
                last_ts,
                batch.points.len() as i64,
                i64::try_from(batch.dropped).unwrap_or(i64::MAX),
            ])?;
        }
    }

    // Points are staged (an append); compaction moves them into `raw` and the rollups.
    let mut stage =
        tx.prepare_cached("INSERT INTO staging (series_id, ts_ms, value) VALUES (?1, ?2, ?3)")?;
    let mut written = 0;
    for point in &batch.points {
        if !point.value.is_finite() || point.ts_ms < 0 {
            continue;
        }
        let series = cache.id(tx, host_id, &point.metric, &point.labels)?;
        stage.execute(params![series, point.ts_ms, point.value])?;
        written += 1;
    }

    tx.prepare_cached(
        "UPDATE hosts SET
             last_seen_ms = max(last_seen_ms, ?2),
             last_seq = max(last_seq, ?3),
             agent_version = CASE WHEN ?3 >= last_seq THEN ?4 ELSE agent_version END,
             batches_total = batches_total + 1,
             dropped_total = dropped_total + ?5
         WHERE id = ?1",
    )?
    .execute(params![
        host_id,
        batch.received_ms,
        seq,
        batch.agent_version,
        i64::try_from(batch.dropped).unwrap_or(i64::MAX),
    ])?;
    crate::store::probes::write_runs(tx, &batch.probe_runs)?;
    if let Some(snapshot) = &batch.snapshot {
        tx.prepare_cached(
            "UPDATE hosts SET snapshot_ms = ?2, snapshot = ?3
             WHERE id = ?1 AND (snapshot_ms IS NULL OR snapshot_ms <= ?2)",
        )?
        .execute(params![host_id, snapshot.ts_ms, snapshot.json])?;
    }
    Ok(IngestOutcome::Stored { samples: written })
}
