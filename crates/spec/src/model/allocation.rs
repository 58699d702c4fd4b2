use super::Spec;

/// What the components placed on one host are allocated, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Allocation {
    /// Bytes of RAM.
    pub ram: f64,
    /// vCPU.
    pub cpu: f64,
    /// Bytes of storage.
    pub storage: f64,
    /// Bytes of egress per month.
    pub bandwidth_per_month: f64,
    /// Bytes of GPU memory.
    pub vram: f64,
}

impl Spec {
    /// The sum of the resources of every component of every service placed on `host`.
    pub fn allocation(&self, host: &str) -> Allocation {
        let mut total = Allocation::default();
        for (_, service) in self.services_on(host) {
            for component in service.components.values() {
                let resources = &component.resources;
                total.ram += resources.ram.map_or(0.0, |s| s.as_f64());
                total.cpu += resources.cpu.unwrap_or(0.0);
                total.storage += resources.storage.map_or(0.0, |s| s.as_f64());
                total.bandwidth_per_month += resources.bandwidth.map_or(0.0, |b| b.per_month());
                total.vram += resources.vram.map_or(0.0, |s| s.as_f64());
            }
        }
        total
    }
}
