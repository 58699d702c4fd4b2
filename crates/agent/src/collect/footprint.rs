//! The agent's own footprint: RSS and CPU time (/proc/self), and its spool's size.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cloudctl_wire::{AgentFootprint, Sample};

use super::{Collector, Context};
use crate::procfs::{page_size, read_into, seconds_per_tick};
use crate::{Error, Result};

/// The spool's size, updated by the sender and read by this collector.
#[derive(Debug, Clone, Default)]
pub struct SpoolGauge {
    bytes: Arc<AtomicU64>,
    batches: Arc<AtomicU64>,
}

impl SpoolGauge {
    /// Record the spool's current size.
    pub fn set(&self, bytes: u64, batches: u64) {
        self.bytes.store(bytes, Ordering::Relaxed);
        self.batches.store(batches, Ordering::Relaxed);
    }

    /// The spool's size as last recorded: (bytes, batches).
    pub fn get(&self) -> (u64, u64) {
        (
            self.bytes.load(Ordering::Relaxed),
            self.batches.load(Ordering::Relaxed),
        )
    }
}

/// The agent's own footprint.
pub struct Footprint {
    spool: SpoolGauge,
}

impl Footprint {
    /// A footprint collector reporting `spool`.
    pub fn new(spool: SpoolGauge) -> Self {
        Footprint { spool }
    }
}

impl Collector for Footprint {
    fn name(&self) -> &'static str {
        "agent"
    }

    fn collect(&mut self, ctx: &mut Context, sample: &mut Sample) -> Result<()> {
        read_into("/proc/self/statm", &mut ctx.buf)?;
        let rss_pages: u64 =
            crate::procfs::num(ctx.buf.split_ascii_whitespace().nth(1), "statm rss")?;
        read_into("/proc/self/stat", &mut ctx.buf)?;
        let stat = super::processes::parse_stat(&ctx.buf)
            .ok_or_else(|| Error::Collect("cannot parse /proc/self/stat".to_owned()))?;
        let (spool_bytes, spool_batches) = self.spool.get();
        sample.agent = Some(AgentFootprint {
            rss_bytes: rss_pages * page_size(),
            cpu_seconds: (stat.utime + stat.stime) as f64 * seconds_per_tick(),
            spool_bytes,
            spool_batches,
        });
        Ok(())
    }
}
