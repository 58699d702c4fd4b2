//! Compaction: move staged points into `raw` and fold them into both rollup tiers, in one
//! transaction. Done in large groups, each series' pages are written once for many points
//! instead of once per point, which is what makes ingest cheap.
//!
//! Exactness: a point already in `raw` (same series and time), or staged twice, is dropped before
//! anything is counted, so rollups count every sample once even when batches are replayed, arrive
//! out of order, or arrive after their minute or hour has passed.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};

use crate::Result;

/// Staged points that trigger a compaction right after a commit.
pub const COMPACT_ROWS: usize = 20_000;

/// Running aggregate of one rollup bucket.
#[derive(Clone, Copy)]
struct Agg {
    count: i64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Agg {
    fn add(&mut self, v: f64) {
        self.count += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }
}

/// Move every staged point; returns how many reached `raw`.
pub fn compact(conn: &mut Connection) -> Result<usize> {
    let tx = conn.transaction()?;
    // RETURNING yields only the rows actually inserted: a point already in `raw`, or staged
    // twice, comes back once or not at all, so the rollups below count each sample once.
    let mut minute: BTreeMap<(i64, i64), Agg> = BTreeMap::new();
    let mut hour: BTreeMap<(i64, i64), Agg> = BTreeMap::new();
    let mut moved = 0;
    {
        let mut stmt = tx.prepare(
            "INSERT INTO raw (series_id, ts_ms, value)
             SELECT series_id, ts_ms, value FROM staging WHERE true ORDER BY series_id, ts_ms
             ON CONFLICT (series_id, ts_ms) DO NOTHING
             RETURNING series_id, ts_ms, value",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (series, ts, v): (i64, i64, f64) = (row.get(0)?, row.get(1)?, row.get(2)?);
            moved += 1;
            let first = Agg {
                count: 0,
                sum: 0.0,
                min: v,
                max: v,
            };
            minute
                .entry((series, ts.div_euclid(60_000) * 60_000))
                .or_insert(first)
                .add(v);
            hour.entry((series, ts.div_euclid(3_600_000) * 3_600_000))
                .or_insert(first)
                .add(v);
        }
    }
    for (table, buckets) in [("rollup_1m", &minute), ("rollup_1h", &hour)] {
        let mut upsert = tx.prepare_cached(&format!(
            "INSERT INTO {table} (series_id, bucket_ms, count, sum, min, max)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (series_id, bucket_ms) DO UPDATE SET
                 count = count + excluded.count, sum = sum + excluded.sum,
                 min = min(min, excluded.min), max = max(max, excluded.max)"
        ))?;
        for ((series, bucket), a) in buckets {
            upsert.execute(params![series, bucket, a.count, a.sum, a.min, a.max])?;
        }
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
