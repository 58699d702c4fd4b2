//! Small helpers to read /proc files into a reused buffer and pick fields out of them, so a
//! collection allocates little.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::{Error, Result};

/// Read a whole file into `buf` (cleared first).
pub(crate) fn read_into(path: impl AsRef<Path>, buf: &mut String) -> Result<()> {
    let path = path.as_ref();
    buf.clear();
    File::open(path)
        .and_then(|mut f| f.read_to_string(buf))
        .map_err(|e| Error::io("reading", path, e))?;
    Ok(())
}

/// Parse a number, with the field named in the error.
pub(crate) fn num<T: std::str::FromStr>(s: Option<&str>, what: &str) -> Result<T> {
    s.and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::Collect(format!("cannot parse {what} from {s:?}")))
}

/// Seconds per clock tick (USER_HZ) as the kernel counts CPU time in /proc.
pub(crate) fn seconds_per_tick() -> f64 {
    1.0 / rustix::param::clock_ticks_per_second().max(1) as f64
}

/// Bytes per memory page.
pub(crate) fn page_size() -> u64 {
    rustix::param::page_size() as u64
}
