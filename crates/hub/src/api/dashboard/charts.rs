//! A VM's four dashboard charts — CPU busy %, memory used %, disk used % and network bytes/s —
//! derived from the stored series over a range, at the resolution the store picks for it (raw,
//! 1-minute or 1-hour rollups). Counters (CPU seconds, network bytes) become rates between
//! neighbouring points; a counter that goes down (a reboot) starts over instead of giving a
//! negative rate.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::Serialize;

use crate::store::{Resolution, Retention, SeriesAnswer, SeriesQuery, labels, read};
use crate::{Error, Result};

/// One plotted point: Unix ms and value.
pub type ChartPoint = (i64, f64);

/// The charts of one host over one range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Charts {
    /// The host.
    pub host: String,
    /// Start of the range, Unix ms.
    pub from_ms: i64,
    /// End of the range, Unix ms.
    pub to_ms: i64,
    /// The resolution the points come from.
    pub resolution: Resolution,
    /// CPU busy (not idle, not waiting for IO), percent of all cores.
    pub cpu_pct: Vec<ChartPoint>,
    /// Memory in use (total minus available), percent.
    pub memory_pct: Vec<ChartPoint>,
    /// Disk in use on the root filesystem (or the largest one), percent, as `df` counts it.
    pub disk_pct: Vec<ChartPoint>,
    /// Bytes received per second, all interfaces but loopback.
    pub net_rx_bps: Vec<ChartPoint>,
    /// Bytes sent per second, all interfaces but loopback.
    pub net_tx_bps: Vec<ChartPoint>,
}

const CPU_STATES: [&str; 8] = [
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
];

/// Points of every label set of `metric` (avg of a rollup, or the raw value), or none when the
/// host has no such metric.
fn fetch(
    conn: &Connection,
    base: &SeriesQuery,
    metric: &str,
    labels: Option<String>,
    now_ms: i64,
    retention: &Retention,
) -> Result<Option<SeriesAnswer>> {
    let query = SeriesQuery {
        metric: metric.to_owned(),
        labels,
        ..base.clone()
    };
    match read::series(conn, &query, now_ms, retention) {
        Ok(answer) => Ok(Some(answer)),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn averages(answer: &SeriesAnswer) -> impl Iterator<Item = (&serde_json::Value, Vec<ChartPoint>)> {
    answer
        .series
        .iter()
        .map(|s| (&s.labels, s.points.iter().map(|p| (p.0, p.1)).collect()))
}

/// Per-second rates between neighbouring points of a counter; a decrease (reset) gives no point.
pub fn rates(points: &[ChartPoint]) -> Vec<ChartPoint> {
    points
        .windows(2)
        .filter_map(|w| {
            let (t0, v0) = w[0];
            let (t1, v1) = w[1];
            (t1 > t0 && v1 >= v0).then(|| (t1, (v1 - v0) * 1000.0 / (t1 - t0) as f64))
        })
        .collect()
}

/// CPU busy % from the eight CPU-state counters: busy share of the time that passed.
pub fn cpu_busy(states: &BTreeMap<&str, Vec<ChartPoint>>) -> Vec<ChartPoint> {
    // Per timestamp: (busy seconds, total seconds) summed over the states seen.
    let mut sums: BTreeMap<i64, (f64, f64, usize)> = BTreeMap::new();
    for (state, points) in states {
        let idle = *state == "idle" || *state == "iowait";
        for &(ts, v) in points {
            let e = sums.entry(ts).or_default();
            if !idle {
                e.0 += v;
            }
            e.1 += v;
            e.2 += 1;
        }
    }
    let complete: Vec<(i64, f64, f64)> = sums
        .into_iter()
        .filter(|(_, (_, _, n))| *n == states.len())
        .map(|(ts, (busy, total, _))| (ts, busy, total))
        .collect();
    complete
        .windows(2)
        .filter_map(|w| {
            let dt = w[1].2 - w[0].2;
            let db = w[1].1 - w[0].1;
            (dt > 0.0 && db >= 0.0).then(|| (w[1].0, (db / dt * 100.0).clamp(0.0, 100.0)))
        })
        .collect()
}

/// Percent of `part` over `whole` at the timestamps both have; `used` subtracts part first.
fn percent(part: &[ChartPoint], whole: &[ChartPoint], used: bool) -> Vec<ChartPoint> {
    let whole: BTreeMap<i64, f64> = whole.iter().copied().collect();
    part.iter()
        .filter_map(|&(ts, p)| {
            let w = *whole.get(&ts)?;
            (w > 0.0).then(|| {
                let v = if used { w - p } else { p };
                (ts, (v / w * 100.0).clamp(0.0, 100.0))
            })
        })
        .collect()
}

/// Sum of per-second rates over label sets (interfaces), by timestamp.
fn summed_rates(answer: Option<&SeriesAnswer>, skip: &str) -> Vec<ChartPoint> {
    let mut sums: BTreeMap<i64, f64> = BTreeMap::new();
    if let Some(answer) = answer {
        for (labels, points) in averages(answer) {
            if labels.get("interface").and_then(|v| v.as_str()) == Some(skip) {
                continue;
            }
            for (ts, v) in rates(&points) {
                *sums.entry(ts).or_default() += v;
            }
        }
    }
    sums.into_iter().collect()
}

/// The charts of `host` between `from_ms` and `to_ms`.
pub fn charts(
    conn: &Connection,
    host: &str,
    from_ms: i64,
    to_ms: i64,
    now_ms: i64,
    retention: &Retention,
) -> Result<Charts> {
    if to_ms <= from_ms {
        return Err(Error::invalid(
            "the range is empty",
            "give `last=24h`, `7d` or `30d`, or `from` before `to`",
        ));
    }
    let resolution = read::choose_resolution(from_ms, to_ms, now_ms, retention);
    let base = SeriesQuery {
        host: host.to_owned(),
        metric: String::new(),
        labels: None,
        from_ms,
        to_ms,
        resolution: Some(resolution),
    };
    // The host must exist; its metrics may not (a host that reported no CPU yet).
    read::series_list(conn, host)?;
    let total = Some(labels([("cpu", "total")]));
    let mut states = BTreeMap::new();
    for state in CPU_STATES {
        let metric = format!("cpu.{state}_seconds");
        if let Some(a) = fetch(conn, &base, &metric, total.clone(), now_ms, retention)? {
            let points = averages(&a).next().map(|(_, p)| p).unwrap_or_default();
            states.insert(state, points);
        }
    }
    let cpu_pct = if states.is_empty() {
        Vec::new()
    } else {
        cpu_busy(&states)
    };

    let one = |metric: &str, labels: Option<String>| -> Result<Vec<ChartPoint>> {
        Ok(fetch(conn, &base, metric, labels, now_ms, retention)?
            .and_then(|a| averages(&a).next().map(|(_, p)| p))
            .unwrap_or_default())
    };
    let memory_pct = percent(
        &one("memory.available_bytes", None)?,
        &one("memory.total_bytes", None)?,
        true,
    );

    let disk_pct = match fetch(conn, &base, "fs.size_bytes", None, now_ms, retention)? {
        None => Vec::new(),
        Some(sizes) => {
            // The root filesystem, or else the largest one at its latest point.
            let mount =
                |l: &serde_json::Value| l.get("mount").and_then(|m| m.as_str()).map(str::to_owned);
            let chosen = sizes
                .series
                .iter()
                .find(|s| mount(&s.labels).as_deref() == Some("/"))
                .or_else(|| {
                    sizes.series.iter().max_by(|a, b| {
                        let last =
                            |s: &crate::store::SeriesData| s.points.last().map_or(0.0, |p| p.1);
                        last(a).total_cmp(&last(b))
                    })
                });
            match chosen.and_then(|s| mount(&s.labels)) {
                None => Vec::new(),
                Some(m) => {
                    let l = Some(labels([("mount", m.as_str())]));
                    let size = one("fs.size_bytes", l.clone())?;
                    let free = one("fs.free_bytes", l.clone())?;
                    let avail = one("fs.avail_bytes", l)?;
                    // df: used / (used + available to non-root), used = size - free.
                    let free: BTreeMap<i64, f64> = free.into_iter().collect();
                    let avail: BTreeMap<i64, f64> = avail.into_iter().collect();
                    size.iter()
                        .filter_map(|&(ts, s)| {
                            let used = s - free.get(&ts)?;
                            let denom = used + avail.get(&ts)?;
                            (denom > 0.0).then(|| (ts, (used / denom * 100.0).clamp(0.0, 100.0)))
                        })
                        .collect()
                }
            }
        }
    };

    let rx = fetch(conn, &base, "net.rx_bytes", None, now_ms, retention)?;
    let tx = fetch(conn, &base, "net.tx_bytes", None, now_ms, retention)?;
    Ok(Charts {
        host: host.to_owned(),
        from_ms,
        to_ms,
        resolution,
        cpu_pct,
        memory_pct,
        disk_pct,
        net_rx_bps: summed_rates(rx.as_ref(), "lo"),
        net_tx_bps: summed_rates(tx.as_ref(), "lo"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_skip_resets() {
        let r = rates(&[(0, 0.0), (1_000, 100.0), (2_000, 50.0), (4_000, 250.0)]);
        assert_eq!(r, vec![(1_000, 100.0), (4_000, 100.0)]);
    }

    #[test]
    fn cpu_busy_is_the_busy_share_of_elapsed_cpu_time() {
        let mut states = BTreeMap::new();
        // 10 s of 2 cores: 20 cpu-seconds; 5 user, 1 iowait (idle-like), 14 idle → 25 % busy.
        states.insert("user", vec![(0, 100.0), (10_000, 105.0)]);
        states.insert("iowait", vec![(0, 10.0), (10_000, 11.0)]);
        states.insert("idle", vec![(0, 1000.0), (10_000, 1014.0)]);
        assert_eq!(cpu_busy(&states), vec![(10_000, 25.0)]);
    }

    #[test]
    fn percent_of_used() {
        let p = percent(&[(1, 250.0), (2, 0.0)], &[(1, 1000.0), (3, 5.0)], true);
        assert_eq!(p, vec![(1, 75.0)]);
    }
}
