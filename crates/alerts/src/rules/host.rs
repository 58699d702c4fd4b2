//! Host-level rules: a host gone silent, a host that rebooted.

use super::{Condition, Ctx, Memory};
use crate::model::{Severity, format_time};

/// Boot times computed from uptime wobble by a second or two; a reboot moves them by more.
const BOOT_JITTER_SECS: i64 = 30;

pub(super) fn check(ctx: &Ctx<'_>, memory: &mut Memory, out: &mut Vec<Condition>) {
    for h in &ctx.observed.hosts {
        let e = ctx.config.effective(Some(&h.host), None);
        if ctx.is_silent(h) {
            let silent_for = ctx.now - h.last_seen;
            out.push(ctx.condition(
                "host_silent",
                Severity::Critical,
                &[("host", &h.host)],
                format!(
                    "{} has not reported for {}s (more than {} intervals of {}s)",
                    h.host, silent_for, e.silent_intervals, h.interval_secs
                ),
                format!(
                    "last report at {}: the agent, the VM or the network to the hub is down",
                    format_time(h.last_seen)
                ),
            ));
        }
        let Some(boot) = h.boot_time else { continue };
        let previous = memory.boot_times.insert(h.host.clone(), boot);
        if let Some(prev) = previous
            && e.reboot
            && (boot - prev).abs() > BOOT_JITTER_SECS
        {
            let mut c = ctx.condition(
                "host_rebooted",
                Severity::Info,
                &[("host", &h.host), ("boot_time", &boot.to_string())],
                format!("{} rebooted at {}", h.host, format_time(boot)),
                format!(
                    "boot time changed from {} to {}",
                    format_time(prev),
                    format_time(boot)
                ),
            );
            c.event = true;
            out.push(c);
        }
    }
}
