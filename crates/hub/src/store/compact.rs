//! Compaction: move staged points into `raw` and fold them into both rollup tiers, in one
//! transaction. Done in large groups, each series' pages are written once for many points
//! instead of once per point, which is what makes ingest cheap.
//!
//! Exactness: a point already in `raw` (same series and time), or staged twice, is dropped before
//! anything is counted, so rollups count every sample once even when batches are replayed, arrive
//! out of order, or arrive after their minute or hour has passed.

use rusqlite::Connection;

use crate::Result;

/// Staged points that trigger a compaction right after a commit.
pub const COMPACT_ROWS: usize = 20_000;

/// Move every staged point; returns how many reached `raw`.
pub fn compact(conn: &mut Connection) -> Result<usize> {
    let tx = conn.transaction()?;
    tx.execute(
        "DELETE FROM staging WHERE EXISTS (
             SELECT 1 FROM raw WHERE raw.series_id = staging.series_id AND raw.ts_ms = staging.ts_ms)",
        [],
    )?;
    tx.execute(
        "DELETE FROM staging WHERE rowid NOT IN (
             SELECT min(rowid) FROM staging GROUP BY series_id, ts_ms)",
        [],
    )?;
    let moved = tx.execute(
        "INSERT INTO raw (series_id, ts_ms, value)
         SELECT series_id, ts_ms, value FROM staging WHERE true ORDER BY series_id, ts_ms
         ON CONFLICT (series_id, ts_ms) DO NOTHING",
        [],
    )?;
    for (table, width) in [("rollup_1m", 60_000), ("rollup_1h", 3_600_000)] {
        tx.execute(
            &format!(
                "INSERT INTO {table} (series_id, bucket_ms, count, sum, min, max)
                 SELECT series_id, (ts_ms / {width}) * {width} AS b, count(*), sum(value),
                        min(value), max(value)
                 FROM staging WHERE true GROUP BY series_id, b ORDER BY series_id, b
                 ON CONFLICT (series_id, bucket_ms) DO UPDATE SET
                     count = count + excluded.count, sum = sum + excluded.sum,
                     min = min(min, excluded.min), max = max(max, excluded.max)"
            ),
            [],
        )?;
    }
    tx.execute("DELETE FROM staging", [])?;
    tx.commit()?;
    Ok(moved)
}

/// Points waiting in `staging`.
pub fn staged(conn: &Connection) -> Result<usize> {
    let n: i64 = conn.query_row("SELECT count(*) FROM staging", [], |row| row.get(0))?;
    Ok(n.max(0) as usize)
}
