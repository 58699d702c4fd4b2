//! From a wire batch to what the store keeps: every number becomes a point of a named series
//! (metric + labels), and the newest sample, whole, becomes the host's snapshot (containers,
//! sockets, top processes, probe results) that the read API serves.

use cloudctl_wire::{Batch, CpuTimes, Sample};

use crate::store::{BatchRecord, Point, ProbeRun, ProbeSource, Snapshot, labels};

/// Convert a decoded batch received at `received_ms`.
pub fn batch_record(batch: &Batch, received_ms: i64) -> BatchRecord {
    let mut points = Vec::new();
    for sample in &batch.samples {
        sample_points(sample, &mut points);
    }
    let snapshot = batch.samples.iter().max_by_key(|s| s.ts_ms).and_then(|s| {
        serde_json::to_string(s).ok().map(|json| Snapshot {
            ts_ms: s.ts_ms,
            json,
        })
    });
    BatchRecord {
        host: batch.host_id.clone(),
        seq: batch.seq,
        agent_version: batch.agent_version.clone(),
        received_ms,
        dropped: batch.dropped,
        points,
        snapshot,
        probe_runs: probe_runs(batch),
    }
}

/// The agent's own probe results as probe runs named `host/probe`.
pub fn probe_runs(batch: &Batch) -> Vec<ProbeRun> {
    batch
        .samples
        .iter()
        .flat_map(|s| {
            s.probes.iter().map(|p| ProbeRun {
                name: agent_probe_name(&batch.host_id, &p.name),
                kind: "agent".to_owned(),
                source: ProbeSource::Agent,
                host: Some(batch.host_id.clone()),
                service: None,
                target: Some(p.target.clone()),
                ts_ms: s.ts_ms,
                ok: p.ok,
                latency_ms: p.latency_ms,
                error: p.error.clone(),
            })
        })
        .collect()
}

/// How the hub names an agent's probe: `host/probe`, apart from the hub's own probe names.
pub fn agent_probe_name(host: &str, probe: &str) -> String {
    format!("{host}/{probe}")
}

struct Out<'a> {
    ts_ms: i64,
    points: &'a mut Vec<Point>,
}

impl Out<'_> {
    fn push(&mut self, metric: &str, labels: &str, value: f64) {
        self.points.push(Point {
            metric: metric.to_owned(),
            labels: labels.to_owned(),
            ts_ms: self.ts_ms,
            value,
        });
    }
}

const NO_LABELS: &str = "{}";

fn cpu(out: &mut Out<'_>, labels: &str, t: &CpuTimes) {
    out.push("cpu.user_seconds", labels, t.user);
    out.push("cpu.nice_seconds", labels, t.nice);
    out.push("cpu.system_seconds", labels, t.system);
    out.push("cpu.idle_seconds", labels, t.idle);
    out.push("cpu.iowait_seconds", labels, t.iowait);
    out.push("cpu.irq_seconds", labels, t.irq);
    out.push("cpu.softirq_seconds", labels, t.softirq);
    out.push("cpu.steal_seconds", labels, t.steal);
}

/// The points of one sample, appended to `points`.
pub fn sample_points(sample: &Sample, points: &mut Vec<Point>) {
    let mut out = Out {
        ts_ms: sample.ts_ms,
        points,
    };
    if let Some(host) = &sample.host {
        cpu(&mut out, &labels([("cpu", "total")]), &host.cpu.total);
        for (i, core) in host.cpu.per_core.iter().enumerate() {
            cpu(&mut out, &labels([("cpu", i.to_string().as_str())]), core);
        }
        out.push("load.1", NO_LABELS, host.load.one);
        out.push("load.5", NO_LABELS, host.load.five);
        out.push("load.15", NO_LABELS, host.load.fifteen);
        let m = &host.memory;
        out.push("memory.total_bytes", NO_LABELS, m.total_bytes as f64);
        out.push(
            "memory.available_bytes",
            NO_LABELS,
            m.available_bytes as f64,
        );
        out.push("memory.used_bytes", NO_LABELS, m.used_bytes as f64);
        out.push("memory.free_bytes", NO_LABELS, m.free_bytes as f64);
        out.push("memory.cached_bytes", NO_LABELS, m.cached_bytes as f64);
        out.push("memory.buffers_bytes", NO_LABELS, m.buffers_bytes as f64);
        out.push(
            "memory.swap_total_bytes",
            NO_LABELS,
            m.swap_total_bytes as f64,
        );
        out.push(
            "memory.swap_free_bytes",
            NO_LABELS,
            m.swap_free_bytes as f64,
        );
        for fs in &host.filesystems {
            let l = labels([("mount", fs.mount_point.as_str())]);
            out.push("fs.size_bytes", &l, fs.size_bytes as f64);
            out.push("fs.free_bytes", &l, fs.free_bytes as f64);
            out.push("fs.avail_bytes", &l, fs.avail_bytes as f64);
            out.push("fs.inodes_total", &l, fs.inodes_total as f64);
            out.push("fs.inodes_free", &l, fs.inodes_free as f64);
        }
        for d in &host.disks {
            let l = labels([("device", d.device.as_str())]);
            out.push("disk.reads", &l, d.reads as f64);
            out.push("disk.writes", &l, d.writes as f64);
            out.push("disk.read_bytes", &l, d.read_bytes as f64);
            out.push("disk.written_bytes", &l, d.written_bytes as f64);
            out.push("disk.io_time_ms", &l, d.io_time_ms as f64);
        }
        for n in &host.networks {
            let l = labels([("interface", n.name.as_str())]);
            out.push("net.rx_bytes", &l, n.rx_bytes as f64);
            out.push("net.tx_bytes", &l, n.tx_bytes as f64);
            out.push("net.rx_packets", &l, n.rx_packets as f64);
            out.push("net.tx_packets", &l, n.tx_packets as f64);
            out.push("net.rx_errors", &l, n.rx_errors as f64);
            out.push("net.tx_errors", &l, n.tx_errors as f64);
            out.push("net.rx_drops", &l, n.rx_drops as f64);
            out.push("net.tx_drops", &l, n.tx_drops as f64);
        }
        if let Some(e) = &host.egress {
            let l = labels([("month", e.month.as_str())]);
            out.push("egress.tx_bytes", &l, e.tx_bytes as f64);
            out.push("egress.rx_bytes", &l, e.rx_bytes as f64);
        }
        out.push("uptime_seconds", NO_LABELS, host.uptime_seconds);
        out.push("boot_time", NO_LABELS, host.boot_time as f64);
        out.push("process_count", NO_LABELS, f64::from(host.process_count));
    }
    if let Some(containers) = &sample.containers {
        out.push(
            "containers.available",
            NO_LABELS,
            f64::from(u8::from(containers.available)),
        );
        for c in &containers.list {
            let l = labels([("container", c.name.as_str())]);
            out.push(
                "container.running",
                &l,
                f64::from(u8::from(c.state == "running")),
            );
            out.push("container.restart_count", &l, c.restart_count as f64);
            if let Some(v) = c.cpu_percent {
                out.push("container.cpu_percent", &l, v);
            }
            if let Some(v) = c.memory_bytes {
                out.push("container.memory_bytes", &l, v as f64);
            }
            if let Some(v) = c.memory_limit_bytes {
                out.push("container.memory_limit_bytes", &l, v as f64);
            }
            if let Some(v) = c.net_rx_bytes {
                out.push("container.net_rx_bytes", &l, v as f64);
            }
            if let Some(v) = c.net_tx_bytes {
                out.push("container.net_tx_bytes", &l, v as f64);
            }
        }
    }
    if let Some(sockets) = &sample.sockets {
        out.push("sockets.listening", NO_LABELS, sockets.len() as f64);
    }
    if let Some(agent) = &sample.agent {
        out.push("agent.rss_bytes", NO_LABELS, agent.rss_bytes as f64);
        out.push("agent.cpu_seconds", NO_LABELS, agent.cpu_seconds);
        out.push("agent.spool_bytes", NO_LABELS, agent.spool_bytes as f64);
        out.push("agent.spool_batches", NO_LABELS, agent.spool_batches as f64);
    }
    for p in &sample.probes {
        let l = labels([("probe", p.name.as_str()), ("target", p.target.as_str())]);
        out.push("probe.ok", &l, f64::from(u8::from(p.ok)));
        if let Some(ms) = p.latency_ms {
            out.push("probe.latency_ms", &l, ms);
        }
    }
}
