//! What each host's components are allocated fits its capacity: over capacity is an error, inside
//! the planning headroom a warning. A free-tier host's bandwidth is left to the free-tier rule.

use super::Context;
use crate::diag::Diagnostic;
use crate::load::path::child;
use crate::model::{Host, Tier};
use crate::units::human_bytes;

/// One resource of one host: name, allocated, capacity, how to print amounts.
pub struct Usage {
    /// `ram`, `cpu`, `storage`, `bandwidth`, `vram`.
    pub resource: &'static str,
    /// Allocated amount.
    pub allocated: f64,
    /// Capacity.
    pub capacity: f64,
}

impl Usage {
    /// The amount printed for people.
    pub fn show(&self, amount: f64) -> String {
        match self.resource {
            "cpu" => format!("{} vCPU", (amount * 1000.0).round() / 1000.0),
            "bandwidth" => format!("{}/mo", human_bytes(amount)),
            _ => human_bytes(amount),
        }
    }
}

/// Every resource of `host` with what its services are allocated.
pub fn usages(cx: &Context<'_>, id: &str, host: &Host) -> Vec<Usage> {
    let allocation = cx.spec.allocation(id);
    let mut usages = vec![
        Usage {
            resource: "ram",
            allocated: allocation.ram,
            capacity: host.capacity.ram.as_f64(),
        },
        Usage {
            resource: "cpu",
            allocated: allocation.cpu,
            capacity: host.capacity.vcpu,
        },
        Usage {
            resource: "storage",
            allocated: allocation.storage,
            capacity: host.capacity.storage.as_f64(),
        },
        Usage {
            resource: "bandwidth",
            allocated: allocation.bandwidth_per_month,
            capacity: host.capacity.bandwidth.per_month(),
        },
    ];
    if allocation.vram > 0.0 || host.capacity.vram.is_some() {
        let capacity = host.capacity.vram.map_or(0.0, |v| v.as_f64());
        usages.push(Usage {
            resource: "vram",
            allocated: allocation.vram,
            capacity,
        });
    }
    usages
}

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let headroom = cx.spec.planning.headroom_percent;
    if !(0.0..100.0).contains(&headroom) {
        out.push(
            Diagnostic::error(
                "capacity.headroom",
                "planning.headroom_percent",
                format!("{headroom} is not a percentage below 100"),
            )
            .hint("use a number from 0 to 99, e.g. 10"),
        );
        return;
    }
    for (id, host) in &cx.spec.hosts {
        for usage in usages(cx, id, host) {
            if usage.resource == "bandwidth" && host.tier == Tier::Free {
                continue;
            }
            let path = child(
                &child(&child("hosts", id), "capacity"),
                capacity_key(usage.resource),
            );
            if let Some(diagnostic) = judge(&usage, headroom, "capacity", id, &path) {
                out.push(diagnostic);
            }
        }
    }
}

fn capacity_key(resource: &str) -> &str {
    if resource == "cpu" { "vcpu" } else { resource }
}

/// An error when over capacity, a warning when inside the headroom, nothing otherwise.
pub fn judge(
    usage: &Usage,
    headroom: f64,
    code: &str,
    host: &str,
    path: &str,
) -> Option<Diagnostic> {
    let percent = if usage.capacity > 0.0 {
        usage.allocated / usage.capacity * 100.0
    } else {
        f64::INFINITY
    };
    let summary = format!(
        "{} allocated on `{host}` is {} of {} ({:.0}%)",
        usage.resource,
        usage.show(usage.allocated),
        usage.show(usage.capacity),
        percent
    );
    if usage.allocated > usage.capacity + 1e-9 {
        return Some(
            Diagnostic::error(
                &format!("{code}.{}", usage.resource),
                path,
                format!("{summary}: over capacity"),
            )
            .hint(format!(
                "free {} on `{host}` (move a service, lower its allocation) or raise the capacity",
                usage.show(usage.allocated - usage.capacity)
            )),
        );
    }
    let limit = usage.capacity * (1.0 - headroom / 100.0);
    if usage.allocated > limit + 1e-9 && usage.allocated > 0.0 {
        return Some(
            Diagnostic::warning(
                &format!("{code}.{}", usage.resource),
                path,
                format!("{summary}: inside the {headroom}% headroom"),
            )
            .hint(format!(
                "keep {} free for bursts, or lower planning.headroom_percent",
                usage.show(usage.capacity - limit)
            )),
        );
    }
    None
}
