//! Free-tier limits hold: a free host's egress fits its allowance (e.g. the GCP e2-micro's
//! 1 GB/day), and each provider's free hosts together stay inside its always-free allowance.

use super::Context;
use super::capacity::{Usage, judge, usages};
use crate::diag::Diagnostic;
use crate::load::path::child;
use crate::model::Tier;
use crate::units::human_bytes;

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let headroom = cx.spec.planning.headroom_percent;
    for (id, host) in &cx.spec.hosts {
        if host.tier != Tier::Free {
            continue;
        }
        if let Some(egress) = usages(cx, id, host)
            .into_iter()
            .find(|u| u.resource == "bandwidth")
        {
            let path = child(&child(&child("hosts", id), "capacity"), "bandwidth");
            if let Some(mut diagnostic) = judge(&egress, headroom, "free-tier", id, &path) {
                if diagnostic.is_error() {
                    diagnostic.message = format!(
                        "{}: breaks the free-tier egress of {} ({} a day planned)",
                        diagnostic.message,
                        host.capacity.bandwidth,
                        human_bytes(egress.allocated / crate::units::DAYS_PER_MONTH)
                    );
                    diagnostic.hint = Some("egress beyond the free tier is billed: lower the services' bandwidth (cache at the CDN) or move them to a host with a larger allowance".into());
                }
                out.push(diagnostic);
            }
        }
    }
    for (provider_id, provider) in &cx.spec.providers {
        let Some(allowance) = &provider.free_tier else {
            continue;
        };
        let free_hosts: Vec<_> = cx
            .spec
            .hosts
            .iter()
            .filter(|(_, h)| h.provider == *provider_id && h.tier == Tier::Free)
            .collect();
        let path = child(&child("providers", provider_id), "free_tier");
        let names = free_hosts
            .iter()
            .map(|(id, _)| id.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let source = allowance
            .source
            .clone()
            .unwrap_or_else(|| "the provider's free tier".into());
        if let Some(max) = allowance.max_hosts
            && free_hosts.len() > max as usize
        {
            out.push(
                Diagnostic::error(
                    "free-tier.hosts",
                    child(&path, "max_hosts"),
                    format!(
                        "{} free-tier hosts ({names}) but {source} allows {max}",
                        free_hosts.len()
                    ),
                )
                .hint("mark the extra hosts `tier: paid` with their price, or remove them"),
            );
        }
        let totals = [
            (
                "vcpu",
                allowance.vcpu,
                free_hosts.iter().map(|(_, h)| h.capacity.vcpu).sum::<f64>(),
            ),
            (
                "ram",
                allowance.ram.map(|s| s.as_f64()),
                free_hosts
                    .iter()
                    .map(|(_, h)| h.capacity.ram.as_f64())
                    .sum(),
            ),
            (
                "storage",
                allowance.storage.map(|s| s.as_f64()),
                free_hosts
                    .iter()
                    .map(|(_, h)| h.capacity.storage.as_f64())
                    .sum(),
            ),
        ];
        for (resource, limit, used) in totals {
            let Some(limit) = limit else { continue };
            if used > limit + 1e-9 {
                let usage = Usage {
                    resource: if resource == "vcpu" { "cpu" } else { resource },
                    allocated: used,
                    capacity: limit,
                };
                out.push(
                    Diagnostic::error(
                        &format!("free-tier.{resource}"),
                        child(&path, resource),
                        format!("free-tier hosts of `{provider_id}` ({names}) have {} {resource} in all, but {source} allows {}", usage.show(used), usage.show(limit)),
                    )
                    .hint("shrink a free host, or mark one `tier: paid` with its price"),
                );
            }
        }
    }
}
