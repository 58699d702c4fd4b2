//! Host metrics: CPU, load, memory, filesystems, disks, network, uptime, processes.
//!
//! Counters are cumulative since boot (as the kernel reports them); the hub computes rates.

use serde::{Deserialize, Serialize};

/// Everything the host collector reads at one tick.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HostMetrics {
    /// CPU time, total and per core.
    pub cpu: CpuStats,
    /// Load averages.
    pub load: Load,
    /// Memory and swap.
    pub memory: Memory,
    /// Every mounted real filesystem.
    #[serde(default)]
    pub filesystems: Vec<Filesystem>,
    /// IO counters per block device.
    #[serde(default)]
    pub disks: Vec<DiskIo>,
    /// Counters per network interface.
    #[serde(default)]
    pub networks: Vec<NetInterface>,
    /// The running egress counter of the current calendar month (UTC), for bandwidth quotas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Egress>,
    /// Seconds since boot.
    pub uptime_seconds: f64,
    /// Boot time, Unix seconds; a change means the host rebooted.
    pub boot_time: i64,
    /// Number of processes.
    pub process_count: u32,
    /// The top processes by CPU use since the previous tick, highest first.
    #[serde(default)]
    pub top_cpu: Vec<ProcessInfo>,
    /// The top processes by resident memory, highest first.
    #[serde(default)]
    pub top_memory: Vec<ProcessInfo>,
}

/// CPU time in seconds since boot, for all cores together and per core.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CpuStats {
    /// Summed over all cores.
    pub total: CpuTimes,
    /// One entry per core, in core order.
    #[serde(default)]
    pub per_core: Vec<CpuTimes>,
}

/// Seconds a CPU (or all of them) spent in each mode since boot.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CpuTimes {
    /// User mode (excluding nice).
    pub user: f64,
    /// User mode at low priority.
    pub nice: f64,
    /// Kernel mode.
    pub system: f64,
    /// Idle.
    pub idle: f64,
    /// Idle while waiting for IO.
    pub iowait: f64,
    /// Servicing interrupts.
    pub irq: f64,
    /// Servicing softirqs.
    pub softirq: f64,
    /// Stolen by the hypervisor: high on shared free-tier VMs.
    pub steal: f64,
}

/// Load averages over 1, 5 and 15 minutes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Load {
    /// 1-minute load average.
    pub one: f64,
    /// 5-minute load average.
    pub five: f64,
    /// 15-minute load average.
    pub fifteen: f64,
}

/// Memory and swap, in bytes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Memory {
    /// Total usable RAM.
    pub total_bytes: u64,
    /// Available for new work without swapping (MemAvailable).
    pub available_bytes: u64,
    /// Used: total minus available.
    pub used_bytes: u64,
    /// Completely free.
    pub free_bytes: u64,
    /// Page cache (Cached).
    pub cached_bytes: u64,
    /// Block device buffers.
    pub buffers_bytes: u64,
    /// Total swap.
    pub swap_total_bytes: u64,
    /// Free swap.
    pub swap_free_bytes: u64,
}

/// One mounted filesystem.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Filesystem {
    /// Mount point.
    pub mount_point: String,
    /// Device (or source) mounted there.
    pub device: String,
    /// Filesystem type (`ext4`, `xfs`, …).
    pub fs_type: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Free bytes, including those reserved for root.
    pub free_bytes: u64,
    /// Free bytes available to unprivileged users.
    pub avail_bytes: u64,
    /// Total inodes.
    pub inodes_total: u64,
    /// Free inodes.
    pub inodes_free: u64,
}

/// IO counters of one block device since boot.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DiskIo {
    /// Device name (`sda`, `nvme0n1`, …).
    pub device: String,
    /// Reads completed.
    pub reads: u64,
    /// Writes completed.
    pub writes: u64,
    /// Bytes read.
    pub read_bytes: u64,
    /// Bytes written.
    pub written_bytes: u64,
    /// Milliseconds spent doing IO.
    pub io_time_ms: u64,
}

/// Counters of one network interface since boot (or since it appeared).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NetInterface {
    /// Interface name.
    pub name: String,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Packets received.
    pub rx_packets: u64,
    /// Packets sent.
    pub tx_packets: u64,
    /// Receive errors.
    pub rx_errors: u64,
    /// Send errors.
    pub tx_errors: u64,
    /// Received packets dropped.
    pub rx_drops: u64,
    /// Sent packets dropped.
    pub tx_drops: u64,
}

/// Bytes sent by the host in one calendar month (UTC), kept across agent restarts and reboots.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Egress {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Bytes sent on every interface but loopback since the month began (as far as the agent saw).
    pub tx_bytes: u64,
    /// Bytes received on every interface but loopback since the month began.
    pub rx_bytes: u64,
}

/// One process, as named in a top-5 list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProcessInfo {
    /// Process id.
    pub pid: u32,
    /// Command name (`comm`).
    pub name: String,
    /// CPU use since the previous tick, in percent of one core.
    pub cpu_percent: f64,
    /// Resident memory in bytes.
    pub rss_bytes: u64,
}
