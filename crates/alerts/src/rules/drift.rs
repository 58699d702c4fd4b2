//! Drift between the spec and what runs: a service marked `on` without its running container, a
//! container the spec does not know, a container of a service marked off that runs anyway.

use super::{Condition, Ctx};
use crate::model::Severity;

pub(super) fn check(ctx: &Ctx<'_>, out: &mut Vec<Condition>) {
    for h in &ctx.observed.hosts {
        // Without a container list there is nothing to compare; a silent host has its own alert.
        let (Some(containers), Some(desired)) = (&h.containers, ctx.desired.host(&h.host)) else {
            continue;
        };
        if ctx.is_silent(h) {
            continue;
        }
        for service in &desired.services {
            for name in &service.containers {
                let seen = containers.iter().find(|c| &c.name == name);
                let labels = [
                    ("host", h.host.as_str()),
                    ("service", service.name.as_str()),
                    ("container", name.as_str()),
                ];
                match seen {
                    Some(c) if c.is_running() && !service.on => out.push(ctx.condition(
                        "drift_running_off",
                        Severity::Warning,
                        &labels,
                        format!("service {} is off in the spec but container {name} runs on {}", service.name, h.host),
                        format!("container {name} ({}) was started by hand or by a restart policy", c.image),
                    )),
                    Some(c) if !c.is_running() && service.on => {
                        let exit = c.exit_code.map(|x| format!(" with exit code {x}")).unwrap_or_default();
                        out.push(ctx.condition(
                            "drift_not_running",
                            Severity::Critical,
                            &labels,
                            format!("service {} is on in the spec but container {name} is not running on {}", service.name, h.host),
                            format!("container {name} ({}) is {}{exit}", c.image, c.state),
                        ));
                    }
                    None if service.on => out.push(ctx.condition(
                        "drift_not_running",
                        Severity::Critical,
                        &labels,
                        format!("service {} is on in the spec but container {name} is not running on {}", service.name, h.host),
                        format!("container {name} does not exist on {}: never deployed, or removed", h.host),
                    )),
                    _ => {}
                }
            }
        }
        for c in containers.iter().filter(|c| c.is_running()) {
            let known = desired
                .services
                .iter()
                .any(|s| s.containers.contains(&c.name));
            if !known {
                out.push(ctx.condition(
                    "drift_unknown_container",
                    Severity::Warning,
                    &[("host", &h.host), ("container", &c.name)],
                    format!(
                        "container {} runs on {} but no service in the spec has it",
                        c.name, h.host
                    ),
                    format!("container {} runs image {}", c.name, c.image),
                ));
            }
        }
    }
}
