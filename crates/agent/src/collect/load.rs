//! Load averages (/proc/loadavg).

use cloudctl_wire::Sample;

use super::{Collector, Context, host};
use crate::Result;
use crate::procfs::{num, read_into};

/// Load averages.
pub struct Load;

impl Collector for Load {
    fn name(&self) -> &'static str {
        "load"
    }

    fn collect(&mut self, ctx: &mut Context, sample: &mut Sample) -> Result<()> {
        read_into("/proc/loadavg", &mut ctx.buf)?;
        let mut f = ctx.buf.split_ascii_whitespace();
        let load = &mut host(sample).load;
        load.one = num(f.next(), "1-minute load")?;
        load.five = num(f.next(), "5-minute load")?;
        load.fifteen = num(f.next(), "15-minute load")?;
        Ok(())
    }
}
