//! A service's availability matches its host's: an on-demand service on an always-on host wastes
//! the always-on host, an always-on service on an on-demand host is down while it sleeps.

use super::Context;
use crate::diag::Diagnostic;
use crate::load::path::child;
use crate::model::Availability;

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let spec = cx.spec;
    for (id, service) in &spec.services {
        let Some(host_id) = &service.host else {
            continue;
        };
        let Some(host) = spec.hosts.get(host_id) else {
            continue;
        };
        let path = child(&child("services", id), "availability");
        match (service.availability, host.availability) {
            (Availability::OnDemand, Availability::AlwaysOn) => out.push(
                Diagnostic::warning(
                    "availability.mismatch",
                    &path,
                    format!("on-demand service `{id}` runs on always-on host `{host_id}`"),
                )
                .hint(
                    "mark it always-on, or move it to an on-demand host so it stops with that host",
                ),
            ),
            (Availability::AlwaysOn, Availability::OnDemand | Availability::PayPerUse) => out.push(
                Diagnostic::warning(
                    "availability.mismatch",
                    &path,
                    format!("always-on service `{id}` runs on `{host_id}`, which sleeps when idle"),
                )
                .hint("move it to an always-on host, or mark it on-demand if downtime is fine"),
            ),
            _ => {}
        }
    }
    for (id, host) in &spec.hosts {
        let path = child("hosts", id);
        match (host.availability, &host.wake) {
            (Availability::OnDemand, None) => out.push(
                Diagnostic::warning(
                    "availability.wake",
                    &path,
                    format!("on-demand host `{id}` has no `wake:` settings"),
                )
                .hint("add `wake: {expected_hours_per_day: N}` so plan can price the savings"),
            ),
            (Availability::AlwaysOn, Some(_)) => out.push(
                Diagnostic::warning(
                    "availability.wake",
                    child(&path, "wake"),
                    format!("always-on host `{id}` has `wake:` settings, which are ignored"),
                )
                .hint("remove `wake:`, or make the host on-demand"),
            ),
            _ => {}
        }
    }
}
