//! CPU time per mode, total and per core, and the boot time (/proc/stat).

use cloudctl_wire::{CpuStats, CpuTimes, Sample};

use super::{Collector, Context, host};
use crate::procfs::{read_into, seconds_per_tick};
use crate::{Error, Result};

/// CPU time per mode.
pub struct Cpu;

impl Collector for Cpu {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn collect(&mut self, ctx: &mut Context, sample: &mut Sample) -> Result<()> {
        read_into("/proc/stat", &mut ctx.buf)?;
        let h = host(sample);
        let (cpu, btime) = parse(&ctx.buf, seconds_per_tick(), std::mem::take(&mut h.cpu))?;
        h.cpu = cpu;
        if let Some(btime) = btime {
            h.boot_time = btime;
        }
        Ok(())
    }
}

/// Parse /proc/stat, reusing `stats`' per-core vector.
pub(crate) fn parse(
    text: &str,
    per_tick: f64,
    mut stats: CpuStats,
) -> Result<(CpuStats, Option<i64>)> {
    stats.per_core.clear();
    let mut btime = None;
    let mut saw_total = false;
    for line in text.lines() {
        let mut fields = line.split_ascii_whitespace();
        let Some(key) = fields.next() else { continue };
        if key == "cpu" {
            stats.total = times(fields, per_tick);
            saw_total = true;
        } else if key.starts_with("cpu") {
            stats.per_core.push(times(fields, per_tick));
        } else if key == "btime" {
            btime = fields.next().and_then(|v| v.parse().ok());
        }
    }
    if !saw_total {
        return Err(Error::Collect("/proc/stat has no `cpu` line".to_owned()));
    }
    Ok((stats, btime))
}

fn times<'a>(mut fields: impl Iterator<Item = &'a str>, per_tick: f64) -> CpuTimes {
    let mut next = || {
        fields
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0) as f64
            * per_tick
    };
    CpuTimes {
        user: next(),
        nice: next(),
        system: next(),
        idle: next(),
        iowait: next(),
        irq: next(),
        softirq: next(),
        steal: next(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_total_cores_and_btime() {
        let text = "cpu  100 2 30 4000 50 6 7 8 0 0\n\
                    cpu0 50 1 15 2000 25 3 3 4 0 0\n\
                    cpu1 50 1 15 2000 25 3 4 4 0 0\n\
                    intr 1 2 3\nbtime 1764000000\nprocesses 99\n";
        let (stats, btime) = parse(text, 0.01, CpuStats::default()).unwrap();
        assert_eq!(btime, Some(1_764_000_000));
        assert_eq!(stats.per_core.len(), 2);
        assert!((stats.total.user - 1.0).abs() < 1e-9);
        assert!((stats.total.idle - 40.0).abs() < 1e-9);
        assert!((stats.total.steal - 0.08).abs() < 1e-9);
        assert!((stats.per_core[1].softirq - 0.04).abs() < 1e-9);
    }

    #[test]
    fn no_cpu_line_is_an_error() {
        assert!(parse("intr 1\n", 0.01, CpuStats::default()).is_err());
    }
}
