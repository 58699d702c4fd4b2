//! Wall-clock time as Unix milliseconds, the one time unit the store uses.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        // A clock before 1970 is a broken clock; 0 keeps ordering sane instead of panicking.
        .unwrap_or(0)
}
