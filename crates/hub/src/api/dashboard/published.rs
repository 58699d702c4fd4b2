//! What the hub publishes about its spec for the dashboard: `manifest.json` (the spec and its
//! resolved view) and the plan (capacity, cost, matrix), as JSON text.
//!
//! The command that starts the hub (`cloudctl up`, `cloudctl hub`) renders both from the spec it
//! was given and stores them here before serving, so the hub needs neither the render nor the
//! plan crate, and a stopped hub's database still says which spec it ran (for exports). The
//! table belongs to the dashboard and is created on first publish; reads treat a missing table
//! as "nothing published".

use rusqlite::{Connection, OptionalExtension, params};

use crate::Result;

/// The name under which the manifest is kept.
pub const MANIFEST: &str = "manifest";
/// The name under which the plan is kept.
pub const PLAN: &str = "plan";

const CREATE: &str = "CREATE TABLE IF NOT EXISTS dashboard_published (
    name         TEXT PRIMARY KEY,
    json         TEXT NOT NULL,
    published_ms INTEGER NOT NULL
)";

/// Stores the manifest and plan JSON (replacing earlier ones) in one transaction.
pub fn publish(conn: &mut Connection, manifest: &str, plan: &str, now_ms: i64) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute(CREATE, [])?;
    for (name, json) in [(MANIFEST, manifest), (PLAN, plan)] {
        tx.execute(
            "INSERT INTO dashboard_published (name, json, published_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET json = excluded.json, published_ms = excluded.published_ms",
            params![name, json, now_ms],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The JSON published under `name`, if any.
pub fn get(conn: &Connection, name: &str) -> Result<Option<String>> {
    let exists: bool = conn
        .prepare_cached(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dashboard_published'",
        )?
        .query_row([], |_| Ok(()))
        .optional()?
        .is_some();
    if !exists {
        return Ok(None);
    }
    Ok(conn
        .prepare_cached("SELECT json FROM dashboard_published WHERE name = ?1")?
        .query_row(params![name], |row| row.get(0))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_then_the_latest_publication() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::store::open_connection(&dir.path().join("hub.db"), 256).unwrap();
        assert_eq!(get(&conn, MANIFEST).unwrap(), None);
        publish(&mut conn, r#"{"v":1}"#, r#"{"p":1}"#, 1).unwrap();
        publish(&mut conn, r#"{"v":2}"#, r#"{"p":2}"#, 2).unwrap();
        assert_eq!(get(&conn, MANIFEST).unwrap().as_deref(), Some(r#"{"v":2}"#));
        assert_eq!(get(&conn, PLAN).unwrap().as_deref(), Some(r#"{"p":2}"#));
    }
}
