use cloudctl_spec::{Spec, Tier};
use serde::Serialize;

/// A resource a host offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Resource {
    /// Memory, bytes.
    Ram,
    /// vCPU.
    Cpu,
    /// Disk, bytes.
    Storage,
    /// Egress, bytes per month.
    Bandwidth,
}

impl Resource {
    /// Every resource, in table order.
    pub const ALL: [Resource; 4] = [
        Resource::Ram,
        Resource::Cpu,
        Resource::Storage,
        Resource::Bandwidth,
    ];

    /// The column heading.
    pub fn label(self) -> &'static str {
        match self {
            Resource::Ram => "RAM",
            Resource::Cpu => "CPU",
            Resource::Storage => "Storage",
            Resource::Bandwidth => "Bandwidth",
        }
    }
}

/// How close to its capacity a resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Below capacity minus headroom.
    Ok,
    /// Inside the headroom.
    Tight,
    /// Over capacity.
    Over,
}

/// One resource of one host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceUse {
    /// Which resource.
    pub resource: Resource,
    /// Sum of the components' allocations (bytes, vCPU or bytes/month).
    pub allocated: f64,
    /// What the host offers, in the same unit.
    pub capacity: f64,
    /// `allocated / capacity` in percent.
    pub percent: f64,
    /// What is left before the headroom is reached (negative when inside it).
    pub headroom: f64,
    /// Ok, tight or over.
    pub status: Status,
}

/// A host's capacity view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostCapacity {
    /// Host id.
    pub host: String,
    /// Provider id.
    pub provider: String,
    /// Free or paid.
    pub tier: Tier,
    /// `24/7`, `on-demand` or `pay-per-use`.
    pub availability: &'static str,
    /// Services placed on it.
    pub services: Vec<String>,
    /// Number of containers.
    pub containers: usize,
    /// RAM, CPU, storage, bandwidth.
    pub resources: Vec<ResourceUse>,
}

/// Allocated against capacity for every host.
pub fn capacity(spec: &Spec) -> Vec<HostCapacity> {
    let headroom = spec.planning.headroom_percent / 100.0;
    spec.hosts
        .iter()
        .map(|(id, host)| {
            let allocation = spec.allocation(id);
            let pairs = [
                (Resource::Ram, allocation.ram, host.capacity.ram.as_f64()),
                (Resource::Cpu, allocation.cpu, host.capacity.vcpu),
                (
                    Resource::Storage,
                    allocation.storage,
                    host.capacity.storage.as_f64(),
                ),
                (
                    Resource::Bandwidth,
                    allocation.bandwidth_per_month,
                    host.capacity.bandwidth.per_month(),
                ),
            ];
            let resources = pairs
                .into_iter()
                .map(|(resource, allocated, capacity)| {
                    let usable = capacity * (1.0 - headroom);
                    let status = if allocated > capacity + 1e-9 {
                        Status::Over
                    } else if allocated > usable + 1e-9 {
                        Status::Tight
                    } else {
                        Status::Ok
                    };
                    let percent = if capacity > 0.0 {
                        allocated / capacity * 100.0
                    } else {
                        0.0
                    };
                    ResourceUse {
                        resource,
                        allocated,
                        capacity,
                        percent,
                        headroom: usable - allocated,
                        status,
                    }
                })
                .collect();
            let services: Vec<String> = spec.services_on(id).map(|(s, _)| s.clone()).collect();
            let containers = spec
                .containers()
                .filter(|(_, s, _, _)| s.host.as_deref() == Some(id))
                .count();
            HostCapacity {
                host: id.clone(),
                provider: host.provider.clone(),
                tier: host.tier,
                availability: host.availability.label(),
                services,
                containers,
                resources,
            }
        })
        .collect()
}
