//! The database schema and its migrations, keyed by SQLite's `user_version`.
//!
//! Points arrive in `staging` (append-only, so a commit writes a few pages whatever the number
//! of series) and are moved by compaction, many points per series at a time, into the
//! series-major tables. Series are a dictionary (`series`: host, metric, labels → id) so the sample tables hold only
//! integers and a float, clustered by `(series_id, ts)` in `WITHOUT ROWID` tables: a metric's series
//! over a time range is one contiguous index range, whatever the resolution.

use std::path::Path;

use rusqlite::Connection;

use crate::{Error, Result};

/// Each entry moves the schema one version up; never edit an entry once released, add a new one.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE hosts (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    last_seq      INTEGER NOT NULL,
    agent_version TEXT NOT NULL,
    batches_total INTEGER NOT NULL DEFAULT 0,
    dropped_total INTEGER NOT NULL DEFAULT 0,
    -- Sequences at or below this were pruned from `batches` by retention: treated as duplicates.
    seq_floor     INTEGER NOT NULL DEFAULT 0,
    snapshot_ms   INTEGER,
    snapshot      TEXT
);
CREATE TABLE batches (
    host_id     INTEGER NOT NULL REFERENCES hosts(id),
    seq         INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    first_ts_ms INTEGER,
    last_ts_ms  INTEGER,
    samples     INTEGER NOT NULL,
    dropped     INTEGER NOT NULL,
    PRIMARY KEY (host_id, seq)
) WITHOUT ROWID;
CREATE TABLE series (
    id      INTEGER PRIMARY KEY,
    host_id INTEGER NOT NULL REFERENCES hosts(id),
    metric  TEXT NOT NULL,
    labels  TEXT NOT NULL,
    UNIQUE (host_id, metric, labels)
);
CREATE TABLE raw (
    series_id INTEGER NOT NULL,
    ts_ms     INTEGER NOT NULL,
    value     REAL NOT NULL,
    PRIMARY KEY (series_id, ts_ms)
) WITHOUT ROWID;
CREATE TABLE rollup_1m (
    series_id INTEGER NOT NULL,
    bucket_ms INTEGER NOT NULL,
    count     INTEGER NOT NULL,
    sum       REAL NOT NULL,
    min       REAL NOT NULL,
    max       REAL NOT NULL,
    PRIMARY KEY (series_id, bucket_ms)
) WITHOUT ROWID;
CREATE TABLE rollup_1h (
    series_id INTEGER NOT NULL,
    bucket_ms INTEGER NOT NULL,
    count     INTEGER NOT NULL,
    sum       REAL NOT NULL,
    min       REAL NOT NULL,
    max       REAL NOT NULL,
    PRIMARY KEY (series_id, bucket_ms)
) WITHOUT ROWID;
CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('host', 'read')),
    subject    TEXT NOT NULL,
    hash       BLOB NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);
CREATE INDEX tokens_subject ON tokens (subject);
"#,
    r#"
-- Points land here first, in arrival order (an append: few pages per commit), and are moved
-- into `raw` and the rollups in large groups by compaction (see store::compact).
CREATE TABLE staging (
    series_id INTEGER NOT NULL,
    ts_ms     INTEGER NOT NULL,
    value     REAL NOT NULL
);
"#,
    r#"
-- Probe runs, from the hub's scheduler and from agents (named `host/probe`): each run raw (kept
-- like raw samples), and hourly buckets (kept like 1 h rollups) for uptime over 7 d to 365 d.
CREATE TABLE probes (
    name       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('hub', 'agent')),
    host       TEXT,
    service    TEXT,
    target     TEXT,
    last_ts_ms INTEGER NOT NULL,
    last_ok    INTEGER NOT NULL,
    last_error TEXT
);
CREATE TABLE probe_runs (
    name       TEXT NOT NULL,
    ts_ms      INTEGER NOT NULL,
    ok         INTEGER NOT NULL,
    latency_ms REAL,
    error      TEXT,
    PRIMARY KEY (name, ts_ms)
) WITHOUT ROWID;
CREATE TABLE probe_rollup_1h (
    name        TEXT NOT NULL,
    bucket_ms   INTEGER NOT NULL,
    runs        INTEGER NOT NULL,
    passed      INTEGER NOT NULL,
    latency_n   INTEGER NOT NULL,
    latency_sum REAL NOT NULL,
    latency_min REAL,
    latency_max REAL,
    PRIMARY KEY (name, bucket_ms)
) WITHOUT ROWID;
-- Alert transitions (the engine's history) and silences, so a restart forgets neither.
CREATE TABLE alert_history (
    id    INTEGER PRIMARY KEY,
    at    INTEGER NOT NULL,
    entry TEXT NOT NULL
);
CREATE INDEX alert_history_at ON alert_history (at);
CREATE TABLE silences (
    id      TEXT PRIMARY KEY,
    ends_at INTEGER NOT NULL,
    body    TEXT NOT NULL
);
"#,
];

/// The schema version this build writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// Connection settings shared by the writer and the readers. `cache_kib` bounds SQLite's page cache
/// per connection, which is most of the hub's memory.
pub fn configure(conn: &Connection, cache_kib: u32) -> Result<()> {
    // FULL: in WAL mode a commit is fsynced before it returns, so an acknowledged batch survives
    // a power cut, not only a process crash.
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA mmap_size = 0;
         PRAGMA cache_size = -{cache_kib};
         PRAGMA journal_size_limit = 67108864;"
    ))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(())
}

/// Bring the database at `path` (already open as `conn`) to [`VERSION`].
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > VERSION {
        return Err(Error::SchemaTooNew {
            path: path.to_owned(),
            found,
            known: VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
