//! Counters per network interface (/proc/net/dev) and the monthly egress counter built on them.

use std::path::PathBuf;

use cloudctl_wire::{NetInterface, Sample};

use super::{Collector, Context, host};
use crate::Result;
use crate::egress::EgressState;
use crate::procfs::read_into;

/// Persist the egress counter every this many ticks (and at shutdown): a crash loses nothing,
/// since the kernel's counters still hold what was sent; only a reboot in between would.
const PERSIST_EVERY: u32 = 6;

/// Network interfaces and monthly egress.
pub struct Network {
    egress: EgressState,
    ticks_since_persist: u32,
}

impl Network {
    /// A network collector keeping its egress counter in `state_file`.
    pub fn new(state_file: PathBuf) -> Self {
        Network {
            egress: EgressState::load(state_file),
            ticks_since_persist: 0,
        }
    }
}

impl Collector for Network {
    fn name(&self) -> &'static str {
        "network"
    }

    fn collect(&mut self, ctx: &mut Context, sample: &mut Sample) -> Result<()> {
        read_into("/proc/net/dev", &mut ctx.buf)?;
        let h = host(sample);
        parse(&ctx.buf, &mut h.networks);
        let egress = self.egress.update(ctx.now, h.boot_time, &h.networks);
        h.egress = Some(egress);
        self.ticks_since_persist += 1;
        if self.ticks_since_persist >= PERSIST_EVERY || self.egress.month_changed() {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.ticks_since_persist = 0;
        self.egress.save()
    }
}

pub(crate) fn parse(text: &str, list: &mut Vec<NetInterface>) {
    list.clear();
    // Two header lines, then `name: rx_bytes rx_packets rx_errs rx_drop fifo frame compressed
    // multicast tx_bytes tx_packets tx_errs tx_drop …`.
    for line in text.lines().skip(2) {
        let Some((name, rest)) = line.split_once(':') else {
            continue;
        };
        let mut v = [0u64; 12];
        for (slot, word) in v.iter_mut().zip(rest.split_ascii_whitespace()) {
            *slot = word.parse().unwrap_or(0);
        }
        list.push(NetInterface {
            name: name.trim().to_owned(),
            rx_bytes: v[0],
            rx_packets: v[1],
            rx_errors: v[2],
            rx_drops: v[3],
            tx_bytes: v[8],
            tx_packets: v[9],
            tx_errors: v[10],
            tx_drops: v[11],
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_net_dev() {
        let text = "Inter-|   Receive |  Transmit\n face |bytes packets|bytes\n\
            \x20   lo: 100 2 0 0 0 0 0 0 100 2 0 0 0 0 0 0\n\
            \x20 ens3: 5000 40 1 2 0 0 0 0 7000 50 3 4 0 0 0 0\n";
        let mut list = Vec::new();
        super::parse(text, &mut list);
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].name, "ens3");
        assert_eq!(list[1].rx_bytes, 5000);
        assert_eq!(list[1].rx_drops, 2);
        assert_eq!(list[1].tx_bytes, 7000);
        assert_eq!(list[1].tx_errors, 3);
        assert_eq!(list[1].tx_drops, 4);
    }
}
