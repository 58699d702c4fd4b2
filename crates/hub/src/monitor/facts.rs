//! From what agents reported to what the rules observe: each host's latest snapshot as facts
//! (CPU use as a rate between two snapshots, memory, disks, containers, sockets, egress against
//! its quota period) and its agent's probe results, fed to the monitor on a timer.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use cloudctl_alerts::monitor::Monitor;
use cloudctl_alerts::{
    ContainerFact, DiskFact, EgressFact, HostFacts, ProcessFact, Proto, SocketFact,
};
use cloudctl_probes::{Failure, FailureKind, ProbeResult};
use cloudctl_wire::{CpuTimes, Sample, SocketProto};

use crate::store::{HostRow, Store};

/// A host's latest snapshot as observed facts. CPU use is a rate, so it needs the CPU counters
/// of the previous snapshot (`prev`); the counters of this one are returned for the next call,
/// with the agent's probe results of the snapshot.
pub fn host_facts(
    row: &HostRow,
    interval_secs: u64,
    prev: Option<&CpuTimes>,
) -> Option<(HostFacts, Option<CpuTimes>, Vec<cloudctl_wire::ProbeResult>)> {
    let sample: Sample = serde_json::from_value(row.snapshot.clone()?).ok()?;
    let mut facts = HostFacts {
        host: row.name.clone(),
        last_seen: row.last_seen_ms.div_euclid(1000),
        interval_secs,
        ..HostFacts::default()
    };
    let mut counters = None;
    if let Some(h) = &sample.host {
        let cpu = &h.cpu.total;
        counters = Some(cpu.clone());
        if let Some(p) = prev {
            let busy = |t: &CpuTimes| t.user + t.nice + t.system + t.irq + t.softirq + t.steal;
            let total = |t: &CpuTimes| busy(t) + t.idle + t.iowait;
            let dt = total(cpu) - total(p);
            if dt > 0.0 {
                facts.cpu_pct = Some(((busy(cpu) - busy(p)) / dt * 100.0).clamp(0.0, 100.0));
            }
        }
        let mem = &h.memory;
        if mem.total_bytes > 0 {
            facts.memory_used_pct = Some(
                (mem.total_bytes.saturating_sub(mem.available_bytes)) as f64 * 100.0
                    / mem.total_bytes as f64,
            );
        }
        if mem.swap_total_bytes > 0 {
            facts.swap_used_pct = Some(
                (mem.swap_total_bytes.saturating_sub(mem.swap_free_bytes)) as f64 * 100.0
                    / mem.swap_total_bytes as f64,
            );
        }
        facts.disks = h
            .filesystems
            .iter()
            .filter(|f| f.size_bytes > 0)
            .map(|f| {
                let used = f.size_bytes.saturating_sub(f.free_bytes);
                // As df counts it: used over what non-root users can have.
                let pct = used as f64 * 100.0 / (used + f.avail_bytes).max(1) as f64;
                DiskFact {
                    mount: f.mount_point.clone(),
                    used_pct: pct,
                }
            })
            .collect();
        let process = |p: &cloudctl_wire::ProcessInfo| ProcessFact {
            name: p.name.clone(),
            pid: p.pid,
            cpu_pct: p.cpu_percent,
            memory_bytes: p.rss_bytes,
            container: None,
        };
        facts.top_cpu = h.top_cpu.iter().map(process).collect();
        facts.top_memory = h.top_memory.iter().map(process).collect();
        facts.boot_time = Some(h.boot_time);
        facts.egress = h.egress.as_ref().and_then(|e| {
            let start = time::Date::parse(
                &format!("{}-01", e.month),
                &time::format_description::well_known::Iso8601::DATE,
            )
            .ok()?;
            Some(EgressFact {
                since: start.midnight().assume_utc().unix_timestamp(),
                bytes: e.tx_bytes,
            })
        });
    }
    facts.containers = sample.containers.as_ref().filter(|c| c.available).map(|c| {
        c.list
            .iter()
            .map(|c| ContainerFact {
                name: c.name.clone(),
                image: c.image.clone(),
                state: c.state.clone(),
                health: c.health.clone(),
                restart_count: c.restart_count,
                exit_code: None,
            })
            .collect()
    });
    facts.sockets = sample.sockets.as_ref().map(|list| {
        list.iter()
            .filter_map(|s| {
                Some(SocketFact {
                    proto: match s.proto {
                        SocketProto::Tcp | SocketProto::Tcp6 => Proto::Tcp,
                        SocketProto::Udp | SocketProto::Udp6 => Proto::Udp,
                    },
                    address: s.addr.parse::<IpAddr>().ok()?,
                    port: s.port,
                    process: s.owner.as_ref().map(|o| o.process.clone()),
                    container: s.owner.as_ref().and_then(|o| o.container.clone()),
                })
            })
            .collect()
    });
    Some((facts, counters, sample.probes))
}

/// What [`feed`] needs besides the store and the monitor.
#[derive(Debug, Clone, Default)]
pub struct FeedConfig {
    /// The agents' interval, seconds (a host is silent after N of them).
    pub interval_secs: u64,
    /// How often to feed.
    pub every: Duration,
    /// Hosts whose egress quota is counted per day (the GCP e2-micro's 1 GB/day); others per month.
    pub daily_quota: BTreeSet<String>,
    /// The service of each agent probe, by stored name (`host/probe`).
    pub agent_probe_services: BTreeMap<String, String>,
}

/// A host's egress counter at the start of the current UTC day.
#[derive(Debug, Clone, Copy)]
struct DayBase {
    day: i64,
    since: i64,
    tx_at_start: u64,
    tx_last: u64,
}

/// The monthly egress counter turned into today's egress (UTC), for a per-day quota. The first
/// counter seen on a day is its baseline; a day followed without a break starts at midnight at
/// the previous day's last counter.
fn daily_egress(base: &mut Option<DayBase>, now: i64, monthly: &EgressFact) -> EgressFact {
    let day = now.div_euclid(86_400);
    let tx = monthly.bytes;
    let next = match *base {
        Some(b) if b.day == day && tx >= b.tx_at_start => DayBase { tx_last: tx, ..b },
        Some(b) if b.day + 1 == day => DayBase {
            day,
            since: day * 86_400,
            // A smaller counter means the month rolled over at midnight: it counts from zero.
            tx_at_start: if tx >= b.tx_last { b.tx_last } else { 0 },
            tx_last: tx,
        },
        _ => DayBase {
            day,
            since: now,
            tx_at_start: tx,
            tx_last: tx,
        },
    };
    *base = Some(next);
    EgressFact {
        since: next.since,
        bytes: tx.saturating_sub(next.tx_at_start),
    }
}

/// An agent's probe result as the monitor keeps probe results.
fn agent_probe(
    host: &str,
    ts_ms: i64,
    p: &cloudctl_wire::ProbeResult,
    services: &BTreeMap<String, String>,
) -> ProbeResult {
    let name = crate::convert::agent_probe_name(host, &p.name);
    ProbeResult {
        service: services.get(&name).cloned(),
        name,
        kind: "agent".to_owned(),
        host: Some(host.to_owned()),
        started_at_ms: ts_ms,
        ok: p.ok,
        latency_ms: p.latency_ms.unwrap_or(0.0),
        attempts: 1,
        detail: None,
        failure: (!p.ok).then(|| {
            Failure::new(
                FailureKind::Check,
                format!(
                    "{} (from {} itself: {})",
                    p.error.as_deref().unwrap_or("failed"),
                    host,
                    p.target
                ),
            )
        }),
    }
}

/// Feeds every host's latest snapshot (and its agent's probe results) to the monitor every
/// `config.every`, until `shutdown`.
pub async fn feed(
    store: Store,
    monitor: Monitor,
    config: FeedConfig,
    shutdown: impl Future<Output = ()>,
) {
    // Per host: the latest snapshot's time, its CPU counters, and the CPU use computed for it.
    let mut counters: HashMap<String, (i64, CpuTimes, Option<f64>)> = HashMap::new();
    let mut days: HashMap<String, Option<DayBase>> = HashMap::new();
    let mut tick = tokio::time::interval(config.every);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tick.tick() => {}
        }
        let rows = match store.read(crate::store::read::hosts).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "Cannot read hosts for the monitor");
                continue;
            }
        };
        for row in rows {
            let prev = counters.get(&row.name);
            let same = prev.is_some_and(|(ts, _, _)| Some(*ts) == row.snapshot_ms);
            let base = if same { None } else { prev.map(|(_, c, _)| c) };
            let Some((mut facts, cpu, probes)) = host_facts(&row, config.interval_secs, base)
            else {
                continue;
            };
            if same {
                // No new snapshot since the last tick: the CPU use computed for it still holds
                // (dropping it would resolve a CPU alert between two reports).
                facts.cpu_pct = prev.and_then(|(_, _, pct)| *pct);
            } else {
                if let (Some(cpu), Some(ts)) = (cpu, row.snapshot_ms) {
                    counters.insert(row.name.clone(), (ts, cpu, facts.cpu_pct));
                }
                // Each snapshot's probe results count once for the rules (they are stored
                // already, with their batch).
                let ts = row.snapshot_ms.unwrap_or(row.last_seen_ms);
                for p in &probes {
                    monitor.observe_probe(agent_probe(
                        &row.name,
                        ts,
                        p,
                        &config.agent_probe_services,
                    ));
                }
            }
            if config.daily_quota.contains(&row.name)
                && let Some(monthly) = &facts.egress
            {
                let now = monitor.now();
                facts.egress = Some(daily_egress(
                    days.entry(row.name.clone()).or_default(),
                    now,
                    monthly,
                ));
            }
            monitor.observe_host(facts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    #[test]
    fn daily_egress_counts_from_the_first_counter_then_from_midnight() {
        let mut base = None;
        let at = |bytes| EgressFact { since: 0, bytes };
        // The hub starts mid-day: today's egress counts from what it first sees.
        let e = daily_egress(&mut base, 10 * DAY + 3600, &at(5_000));
        assert_eq!((e.since, e.bytes), (10 * DAY + 3600, 0));
        let e = daily_egress(&mut base, 10 * DAY + 7200, &at(8_000));
        assert_eq!((e.since, e.bytes), (10 * DAY + 3600, 3_000));
        // The next day starts at midnight from the previous day's last counter.
        let e = daily_egress(&mut base, 11 * DAY + 60, &at(9_500));
        assert_eq!((e.since, e.bytes), (11 * DAY, 1_500));
        // A month rollover at midnight: the counter restarts from zero.
        let e = daily_egress(&mut base, 12 * DAY + 60, &at(200));
        assert_eq!((e.since, e.bytes), (12 * DAY, 200));
        // A gap of days: start again from what is seen.
        let e = daily_egress(&mut base, 20 * DAY + 60, &at(1_000));
        assert_eq!((e.since, e.bytes), (20 * DAY + 60, 0));
    }
}
