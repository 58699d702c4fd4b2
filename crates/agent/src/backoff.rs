//! Exponential backoff with jitter, so that agents cut off together do not return together.

use std::time::{Duration, SystemTime};

/// The first wait after a failure.
pub const BASE: Duration = Duration::from_secs(1);
/// The longest wait: a healed link is noticed within a minute.
pub const MAX: Duration = Duration::from_secs(60);

/// Backoff state.
#[derive(Debug)]
pub struct Backoff {
    failures: u32,
    rng: u64,
}

impl Default for Backoff {
    fn default() -> Self {
        // Seeded from the clock and the pid: differs between agents, which is all jitter needs.
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        Backoff {
            failures: 0,
            rng: nanos ^ (u64::from(std::process::id()) << 32) | 1,
        }
    }
}

impl Backoff {
    /// After a success: the next failure waits [`BASE`] again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// After a failure: how long to wait, between half and all of `BASE * 2^failures` (capped).
    pub fn next_delay(&mut self) -> Duration {
        let exp = BASE.saturating_mul(1u32 << self.failures.min(16));
        self.failures = self.failures.saturating_add(1);
        jitter(exp.min(MAX), self.random())
    }

    /// The longest wait, jittered (for a misconfiguration that needs a person).
    pub fn max_delay(&mut self) -> Duration {
        self.failures = self.failures.max(16);
        jitter(MAX, self.random())
    }

    fn random(&mut self) -> f64 {
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn jitter(d: Duration, r: f64) -> Duration {
    d.mul_f64(0.5 + 0.5 * r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_caps_and_resets() {
        let mut b = Backoff::default();
        let first = b.next_delay();
        assert!(first >= BASE / 2 && first <= BASE, "{first:?}");
        let second = b.next_delay();
        assert!(second >= BASE && second <= BASE * 2, "{second:?}");
        for _ in 0..5 {
            b.next_delay();
        }
        for _ in 0..20 {
            let d = b.next_delay();
            assert!(d >= MAX / 2 && d <= MAX, "{d:?}");
        }
        b.reset();
        assert!(b.next_delay() <= BASE);
    }

    #[test]
    fn jitter_spreads() {
        let mut b = Backoff::default();
        let delays: Vec<_> = (0..10).map(|_| b.max_delay()).collect();
        assert!(delays.iter().any(|d| *d != delays[0]), "{delays:?}");
    }
}
