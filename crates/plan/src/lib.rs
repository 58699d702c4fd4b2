//! Capacity, cost and availability views of a cloudctl spec (the master plan's B2–B4): pure
//! functions of the spec that return plain, serializable data. No IO and no formatting: the CLI
//! prints tables and JSON, the render crate turns the same data into Markdown.

mod capacity;
mod cost;
mod matrix;

pub use capacity::{HostCapacity, Resource, ResourceUse, Status, capacity};
pub use cost::{CostPlan, HostCost, ItemCost, ProviderCost, ServiceCost, cost};
pub use matrix::{MatrixRow, matrix};

use cloudctl_spec::Spec;
use serde::Serialize;

/// Every view of `plan`, together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Allocated against capacity, per host and resource.
    pub capacity: Vec<HostCapacity>,
    /// What it all costs per month.
    pub cost: CostPlan,
    /// The always-on vs on-demand matrix (B20).
    pub matrix: Vec<MatrixRow>,
}

/// Computes every view of the plan.
pub fn plan(spec: &Spec) -> Plan {
    Plan {
        capacity: capacity(spec),
        cost: cost(spec),
        matrix: matrix(spec),
    }
}

/// Rounds to cents, so sums print the way people add them.
pub(crate) fn cents(dollars: f64) -> f64 {
    (dollars * 100.0).round() / 100.0
}
