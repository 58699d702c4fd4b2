//! The alert engine's memory in the store: its history of transitions and its silences, kept as
//! JSON documents (their shapes belong to `cloudctl-alerts`), so a restarted hub still knows
//! what fired last week and which silences hold.

use rusqlite::{Connection, params};

use crate::Result;

/// Append history entries: `(at, entry as JSON)`, at in seconds since the Unix epoch.
pub fn append_history(conn: &Connection, entries: &[(i64, String)]) -> Result<()> {
    let mut insert =
        conn.prepare_cached("INSERT INTO alert_history (at, entry) VALUES (?1, ?2)")?;
    for (at, entry) in entries {
        insert.execute(params![at, entry])?;
    }
    Ok(())
}

/// The newest `limit` history entries, oldest first.
pub fn recent_history(conn: &Connection, limit: usize) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT entry FROM (SELECT id, entry FROM alert_history ORDER BY id DESC LIMIT ?1)
         ORDER BY id",
    )?;
    let rows = stmt.query_map(params![limit as i64], |row| row.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// History entries with `from <= at < to` (seconds), oldest first, at most `limit`.
pub fn history_between(conn: &Connection, from: i64, to: i64, limit: usize) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT entry FROM alert_history WHERE at >= ?1 AND at < ?2 ORDER BY id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![from, to, limit as i64], |row| row.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Insert or replace a silence: its id, its end (seconds) and the whole silence as JSON.
pub fn put_silence(conn: &Connection, id: &str, ends_at: i64, body: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO silences (id, ends_at, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET ends_at = excluded.ends_at, body = excluded.body",
    )?
    .execute(params![id, ends_at, body])?;
    Ok(())
}

/// Silences ending at or after `since` (seconds), as JSON.
pub fn silences(conn: &Connection, since: i64) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT body FROM silences WHERE ends_at >= ?1 ORDER BY id")?;
    let rows = stmt.query_map(params![since], |row| row.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Delete history before `history_cut` and silences that ended before `silence_cut` (seconds);
/// returns the history entries deleted.
pub fn enforce(conn: &Connection, history_cut: i64, silence_cut: i64) -> Result<u64> {
    let deleted = conn.execute(
        "DELETE FROM alert_history WHERE at < ?1",
        params![history_cut],
    )? as u64;
    conn.execute(
        "DELETE FROM silences WHERE ends_at < ?1",
        params![silence_cut],
    )?;
    Ok(deleted)
}
