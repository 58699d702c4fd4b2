//! The time a probe has left, and how its failures read.

use std::io;
use std::time::{Duration, Instant};

/// The moment a probe gives up.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: Instant,
    timeout: Duration,
}

impl Deadline {
    /// A deadline `timeout` after `start`.
    pub(crate) fn new(start: Instant, timeout: Duration) -> Self {
        Deadline {
            at: start + timeout,
            timeout,
        }
    }

    /// The time left, or the timed-out message when there is none (socket timeouts of zero
    /// are refused by the OS, so this is never zero).
    pub(crate) fn remaining(&self) -> Result<Duration, String> {
        let left = self.at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(self.timed_out())
        } else {
            Ok(left)
        }
    }

    /// `timed out after 3s`.
    pub(crate) fn timed_out(&self) -> String {
        let ms = self.timeout.as_millis();
        if ms.is_multiple_of(1000) {
            format!("timed out after {}s", ms / 1000)
        } else {
            format!("timed out after {ms}ms")
        }
    }

    /// An IO error in words; a socket timeout reads as the probe's own timeout.
    pub(crate) fn describe(&self, e: &io::Error) -> String {
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => self.timed_out(),
            io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
            io::ErrorKind::ConnectionReset => "connection reset".to_owned(),
            io::ErrorKind::UnexpectedEof => "connection closed".to_owned(),
            _ => e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        let d = Deadline::new(Instant::now(), Duration::from_millis(1500));
        assert_eq!(d.timed_out(), "timed out after 1500ms");
        let d = Deadline::new(Instant::now(), Duration::from_secs(3));
        assert_eq!(d.timed_out(), "timed out after 3s");
        assert!(d.remaining().is_ok());
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(d.describe(&refused), "connection refused");
        let past = Deadline::new(Instant::now(), Duration::ZERO);
        assert_eq!(past.remaining().unwrap_err(), "timed out after 0s");
    }
}
