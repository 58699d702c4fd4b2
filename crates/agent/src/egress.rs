//! The running per-month egress counter: bytes sent (and received) on every interface but
//! loopback since the calendar month (UTC) began, kept in a small JSON file so it survives agent
//! restarts and reboots. Bandwidth quotas of free tiers are monthly.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::SystemTime;

use cloudctl_wire::{Egress, NetInterface};
use serde::{Deserialize, Serialize};

use crate::{Result, fsutil};

/// What is kept on disk.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Persisted {
    month: String,
    tx_bytes: u64,
    rx_bytes: u64,
    /// Boot time the last counters belong to: after a reboot the kernel counts from zero.
    boot_time: i64,
    /// The kernel's counters per interface at the last update: (rx, tx).
    last: BTreeMap<String, (u64, u64)>,
}

/// The egress counter and where it is kept.
#[derive(Debug)]
pub struct EgressState {
    path: PathBuf,
    state: Persisted,
    month_changed: bool,
}

impl EgressState {
    /// Load the counter from `path`; a missing or unreadable file starts from zero (logged).
    pub fn load(path: PathBuf) -> Self {
        let state = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(path = %path.display(), error = %e, "Egress state unreadable, counting from zero");
                Persisted::default()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Persisted::default(),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "Egress state unreadable, counting from zero");
                Persisted::default()
            }
        };
        EgressState {
            path,
            state,
            month_changed: false,
        }
    }

    /// Add what was sent since the last update and return the month's totals.
    pub fn update(&mut self, now: SystemTime, boot_time: i64, ifaces: &[NetInterface]) -> Egress {
        let month = month_of(now);
        self.month_changed = month != self.state.month;
        if self.month_changed {
            self.state.month = month;
            self.state.tx_bytes = 0;
            self.state.rx_bytes = 0;
        }
        // Counters from a previous boot mean nothing now: count this boot's from zero.
        let rebooted = boot_time != self.state.boot_time
            && self.state.boot_time != 0
            && boot_time != 0
            && (boot_time - self.state.boot_time).abs() > 2;
        if rebooted {
            self.state.last.clear();
        }
        let first_run = self.state.boot_time == 0 && self.state.last.is_empty();
        self.state.boot_time = boot_time;
        let mut seen = BTreeMap::new();
        for i in ifaces.iter().filter(|i| i.name != "lo") {
            let (rx, tx) = match self.state.last.get(&i.name) {
                // A counter that went down was reset (interface recreated): all of it is new.
                Some(&(rx0, tx0)) => (delta(rx0, i.rx_bytes), delta(tx0, i.tx_bytes)),
                // First sight of this interface. On the agent's first run ever, what the kernel
                // counted before is not attributable to this month: start from here.
                None if first_run => (0, 0),
                None => (i.rx_bytes, i.tx_bytes),
            };
            self.state.rx_bytes = self.state.rx_bytes.saturating_add(rx);
            self.state.tx_bytes = self.state.tx_bytes.saturating_add(tx);
            seen.insert(i.name.clone(), (i.rx_bytes, i.tx_bytes));
        }
        self.state.last = seen;
        Egress {
            month: self.state.month.clone(),
            tx_bytes: self.state.tx_bytes,
            rx_bytes: self.state.rx_bytes,
        }
    }

    /// Whether the last update started a new month.
    pub fn month_changed(&self) -> bool {
        self.month_changed
    }

    /// Write the counter to disk (crash-safe: temp file, fsync, rename).
    pub fn save(&self) -> Result<()> {
        let bytes = serde_json::to_vec(&self.state)
            .map_err(|e| crate::Error::Collect(format!("cannot serialize egress state: {e}")))?;
        fsutil::write_atomic(&self.path, &bytes)
    }
}

fn delta(before: u64, now: u64) -> u64 {
    if now >= before { now - before } else { now }
}

/// `YYYY-MM` of a time, in UTC.
fn month_of(t: SystemTime) -> String {
    let dt = time::OffsetDateTime::from(t);
    format!("{:04}-{:02}", dt.year(), u8::from(dt.month()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn iface(name: &str, rx: u64, tx: u64) -> NetInterface {
        NetInterface {
            name: name.to_owned(),
            rx_bytes: rx,
            tx_bytes: tx,
            ..NetInterface::default()
        }
    }

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    // 2026-11-25 and 2026-12-01 (UTC).
    const NOV: u64 = 1_795_600_000;
    const DEC: u64 = 1_796_083_200;

    #[test]
    fn counts_across_restart_reboot_and_month() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("egress.json");
        let mut e = EgressState::load(path.clone());
        // First run ever: what was sent before is not counted.
        let first = e.update(
            at(NOV),
            1000,
            &[iface("lo", 9, 9), iface("eth0", 100, 1000)],
        );
        assert_eq!((first.month.as_str(), first.tx_bytes), ("2026-11", 0));
        let second = e.update(
            at(NOV + 10),
            1000,
            &[iface("lo", 99, 99), iface("eth0", 150, 1500)],
        );
        assert_eq!((second.rx_bytes, second.tx_bytes), (50, 500));
        e.save().unwrap();

        // The agent restarts: the counter goes on from the file.
        let mut e = EgressState::load(path.clone());
        let third = e.update(at(NOV + 20), 1000, &[iface("eth0", 160, 1600)]);
        assert_eq!(third.tx_bytes, 600);

        // A reboot: the kernel counts from zero again; all of it is new.
        let fourth = e.update(at(NOV + 100), 5000, &[iface("eth0", 10, 70)]);
        assert_eq!(fourth.tx_bytes, 670);

        // A new month starts from zero.
        let dec = e.update(at(DEC), 5000, &[iface("eth0", 20, 100)]);
        assert_eq!((dec.month.as_str(), dec.tx_bytes), ("2026-12", 30));
        assert!(e.month_changed());
    }
}
