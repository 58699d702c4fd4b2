//! Uptime and boot time (/proc/uptime): a changed boot time tells the hub the VM rebooted.

use cloudctl_wire::Sample;

use super::{Collector, Context, host, unix_seconds};
use crate::Result;
use crate::procfs::{num, read_into};

/// Uptime and boot time.
pub struct System;

impl Collector for System {
    fn name(&self) -> &'static str {
        "system"
    }

    fn collect(&mut self, ctx: &mut Context, sample: &mut Sample) -> Result<()> {
        read_into("/proc/uptime", &mut ctx.buf)?;
        let uptime: f64 = num(ctx.buf.split_whitespace().next(), "uptime")?;
        let h = host(sample);
        h.uptime_seconds = uptime;
        // /proc/stat's btime is the kernel's own figure; the cpu collector overwrites this
        // estimate with it, this keeps a value if that file cannot be read.
        h.boot_time = unix_seconds(ctx.now) - uptime as i64;
        Ok(())
    }
}
