//! IO counters per whole block device (/proc/diskstats); partitions, loop and RAM devices are left
//! out, as node_exporter does.

use std::collections::HashMap;

use cloudctl_wire::{DiskIo, Sample};

use super::{Collector, Context, host};
use crate::Result;
use crate::procfs::read_into;

/// The kernel counts disk IO in 512-byte sectors whatever the device's block size.
const SECTOR: u64 = 512;

/// Disk IO per device.
#[derive(Default)]
pub struct Disks {
    /// Whether a device name is a whole disk, remembered so /sys is asked once per name.
    whole: HashMap<String, bool>,
}

impl Collector for Disks {
    fn name(&self) -> &'static str {
        "disks"
    }

    fn collect(&mut self, ctx: &mut Context, sample: &mut Sample) -> Result<()> {
        read_into("/proc/diskstats", &mut ctx.buf)?;
        let list = &mut host(sample).disks;
        list.clear();
        for line in ctx.buf.lines() {
            let mut f = [""; 13];
            let mut count = 0;
            for (slot, word) in f.iter_mut().zip(line.split_ascii_whitespace()) {
                *slot = word;
                count += 1;
            }
            if count < f.len() {
                continue;
            }
            let name = f[2];
            if !self.is_whole_disk(name) {
                continue;
            }
            let n = |i: usize| f[i].parse::<u64>().unwrap_or(0);
            list.push(DiskIo {
                device: name.to_owned(),
                reads: n(3),
                read_bytes: n(5) * SECTOR,
                writes: n(7),
                written_bytes: n(9) * SECTOR,
                io_time_ms: n(12),
            });
        }
        Ok(())
    }
}

impl Disks {
    fn is_whole_disk(&mut self, name: &str) -> bool {
        if let Some(&whole) = self.whole.get(name) {
            return whole;
        }
        let skip = ["loop", "ram", "zram", "fd"]
            .iter()
            .any(|p| name.starts_with(p));
        // /sys/block lists whole disks only; partitions live below them.
        let whole = !skip && std::path::Path::new("/sys/block").join(name).exists();
        if self.whole.len() < 4096 {
            self.whole.insert(name.to_owned(), whole);
        }
        whole
    }
}
