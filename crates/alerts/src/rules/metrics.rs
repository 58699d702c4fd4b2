//! Threshold rules with a duration: CPU, memory, disk and swap above a limit for a while. The
//! duration is the condition's hold; the engine keeps it pending until then.

use super::{Condition, Ctx, bytes, human};
use crate::facts::ProcessFact;
use crate::model::Severity;

fn who(p: &ProcessFact) -> String {
    match &p.container {
        Some(c) => format!("{} (pid {}, container {c})", p.name, p.pid),
        None => format!("{} (pid {})", p.name, p.pid),
    }
}

pub(super) fn check(ctx: &Ctx<'_>, out: &mut Vec<Condition>) {
    for h in ctx.observed.hosts.iter().filter(|h| !ctx.is_silent(h)) {
        let e = ctx.config.effective(Some(&h.host), None);
        let host = h.host.as_str();
        if let Some(cpu) = h.cpu_pct.filter(|v| *v > e.cpu_pct) {
            let cause = h
                .top_cpu
                .first()
                .map_or("no process list reported".to_owned(), |p| {
                    format!(
                        "top process by CPU: {} at {:.0}% of a core",
                        who(p),
                        p.cpu_pct
                    )
                });
            let mut c = ctx.condition(
                "cpu_high",
                Severity::Warning,
                &[("host", host)],
                format!(
                    "CPU on {host} at {cpu:.0}%, above {}% for {}",
                    e.cpu_pct,
                    human(e.cpu_for)
                ),
                cause,
            );
            c.hold = e.cpu_for;
            out.push(c);
        }
        let top_memory = || {
            h.top_memory
                .first()
                .map_or("no process list reported".to_owned(), |p| {
                    format!(
                        "top process by memory: {} using {}",
                        who(p),
                        bytes(p.memory_bytes)
                    )
                })
        };
        if let Some(mem) = h.memory_used_pct.filter(|v| *v > e.memory_pct) {
            let mut c = ctx.condition(
                "memory_high",
                Severity::Warning,
                &[("host", host)],
                format!(
                    "memory on {host} {mem:.0}% used, above {}% for {}",
                    e.memory_pct,
                    human(e.memory_for)
                ),
                top_memory(),
            );
            c.hold = e.memory_for;
            out.push(c);
        }
        if let Some(swap) = h.swap_used_pct.filter(|v| *v > e.swap_pct) {
            let mut c = ctx.condition(
                "swap_high",
                Severity::Warning,
                &[("host", host)],
                format!(
                    "swap on {host} {swap:.0}% used, above {}% for {}",
                    e.swap_pct,
                    human(e.swap_for)
                ),
                top_memory(),
            );
            c.hold = e.swap_for;
            out.push(c);
        }
        for d in h.disks.iter().filter(|d| d.used_pct > e.disk_pct) {
            let mut c = ctx.condition(
                "disk_full",
                Severity::Warning,
                &[("host", host), ("mount", &d.mount)],
                format!(
                    "filesystem {} on {host} {:.0}% full, above {}% for {}",
                    d.mount,
                    d.used_pct,
                    e.disk_pct,
                    human(e.disk_for)
                ),
                format!(
                    "{} is filling up: old logs, images or backups on it",
                    d.mount
                ),
            );
            c.hold = e.disk_for;
            out.push(c);
        }
    }
}
