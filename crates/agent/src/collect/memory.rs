//! Memory and swap (/proc/meminfo).

use cloudctl_wire::Sample;

use super::{Collector, Context, host};
use crate::procfs::read_into;
use crate::{Error, Result};

/// Memory and swap.
pub struct Memory;

impl Collector for Memory {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn collect(&mut self, ctx: &mut Context, sample: &mut Sample) -> Result<()> {
        read_into("/proc/meminfo", &mut ctx.buf)?;
        host(sample).memory = parse(&ctx.buf)?;
        Ok(())
    }
}

pub(crate) fn parse(text: &str) -> Result<cloudctl_wire::Memory> {
    let mut m = cloudctl_wire::Memory::default();
    let mut saw_available = false;
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let kib: u64 = rest
            .split_ascii_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let bytes = kib * 1024;
        match key {
            "MemTotal" => m.total_bytes = bytes,
            "MemFree" => m.free_bytes = bytes,
            "MemAvailable" => {
                m.available_bytes = bytes;
                saw_available = true;
            }
            "Buffers" => m.buffers_bytes = bytes,
            "Cached" => m.cached_bytes = bytes,
            "SwapTotal" => m.swap_total_bytes = bytes,
            "SwapFree" => m.swap_free_bytes = bytes,
            _ => {}
        }
    }
    if m.total_bytes == 0 || !saw_available {
        return Err(Error::Collect(
            "/proc/meminfo lacks MemTotal or MemAvailable (kernel older than 3.14?)".to_owned(),
        ));
    }
    m.used_bytes = m.total_bytes.saturating_sub(m.available_bytes);
    Ok(m)
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_meminfo() {
        let m = super::parse(
            "MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 600 kB\nBuffers: 10 kB\n\
             Cached: 300 kB\nSwapCached: 0 kB\nSwapTotal: 2000 kB\nSwapFree: 1500 kB\n",
        )
        .unwrap();
        assert_eq!(m.total_bytes, 1_024_000);
        assert_eq!(m.available_bytes, 614_400);
        assert_eq!(m.used_bytes, 409_600);
        assert_eq!(m.cached_bytes, 307_200);
        assert_eq!(m.swap_free_bytes, 1_536_000);
    }
}
