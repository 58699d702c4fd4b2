//! Collectors: one trait, one file per collector, and the one registry ([`registry`]) that says
//! which run and in what order.
//!
//! Adding a collector: write `collect/<name>.rs` with a type that implements [`Collector`], and
//! add it to [`registry`]. A collector fills its part of the [`Sample`]; a failure is recorded in
//! the sample's `errors` and the other collectors still run.

mod containers;
mod cpu;
mod disks;
mod filesystems;
mod footprint;
mod load;
mod memory;
mod network;
mod probes;
mod processes;
mod sock_diag;
mod sockets;
mod system;

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use cloudctl_wire::{HostMetrics, Sample};

use crate::Result;
use crate::probe::LocalProbe;

pub use footprint::SpoolGauge;

/// What every collector may use at one tick.
#[derive(Debug)]
pub struct Context {
    /// Wall-clock time of this tick.
    pub now: SystemTime,
    /// Monotonic time of this tick, for rates.
    pub instant: Instant,
    /// A buffer reused for reading /proc files.
    pub buf: String,
}

impl Context {
    /// A context for a tick taken now.
    pub fn now() -> Self {
        Context {
            now: SystemTime::now(),
            instant: Instant::now(),
            buf: String::with_capacity(16 * 1024),
        }
    }

    /// Start a new tick, keeping the buffer.
    pub fn tick(&mut self) {
        self.now = SystemTime::now();
        self.instant = Instant::now();
    }
}

/// One source of facts about the VM.
pub trait Collector: Send {
    /// A short stable name, used in the sample's `errors` and in logs.
    fn name(&self) -> &'static str;

    /// Fill this collector's part of the sample.
    fn collect(&mut self, ctx: &mut Context, sample: &mut Sample) -> Result<()>;

    /// Persist any state that must survive a restart (called now and then and at shutdown).
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Settings the collectors need.
#[derive(Debug, Clone)]
pub struct CollectorConfig {
    /// The Docker Engine API socket (dockerd or Podman).
    pub docker_socket: PathBuf,
    /// Where state that survives restarts is kept (the monthly egress counter).
    pub state_dir: PathBuf,
    /// The spool's size, reported in the agent's footprint.
    pub spool: SpoolGauge,
    /// Checks of this VM's internal ports.
    pub probes: Vec<LocalProbe>,
}

/// The collectors, in the order they run: containers before sockets (sockets name the container
/// that owns them), probes after the engine's list, the agent's own footprint last (so it
/// includes this collection's cost).
pub fn registry(config: &CollectorConfig) -> Vec<Box<dyn Collector>> {
    vec![
        Box::new(system::System),
        Box::new(cpu::Cpu),
        Box::new(load::Load),
        Box::new(memory::Memory),
        Box::new(filesystems::Filesystems),
        Box::new(disks::Disks::default()),
        Box::new(network::Network::new(config.state_dir.join("egress.json"))),
        Box::new(processes::Processes::default()),
        Box::new(containers::Containers::new(config.docker_socket.clone())),
        Box::new(sockets::Sockets::default()),
        Box::new(probes::Probes::new(
            config.probes.clone(),
            config.docker_socket.clone(),
        )),
        Box::new(footprint::Footprint::new(config.spool.clone())),
    ]
}

/// The host section of a sample, created on first use.
pub(crate) fn host(sample: &mut Sample) -> &mut HostMetrics {
    sample.host.get_or_insert_with(HostMetrics::default)
}

/// Unix time in whole seconds.
pub(crate) fn unix_seconds(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
