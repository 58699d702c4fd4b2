//! Container rules: exited, unhealthy, restarting repeatedly. A container the spec places in a
//! service is left to the drift rules when it stops, so one stop makes one alert, not two.

use super::{Condition, Ctx, Memory, human};
use crate::facts::ContainerFact;
use crate::model::Severity;

fn describe(c: &ContainerFact) -> String {
    match c.exit_code {
        Some(code) => format!(
            "container {} ({}) is {} with exit code {code}",
            c.name, c.image, c.state
        ),
        None => format!("container {} ({}) is {}", c.name, c.image, c.state),
    }
}

pub(super) fn check(ctx: &Ctx<'_>, memory: &mut Memory, out: &mut Vec<Condition>) {
    for h in &ctx.observed.hosts {
        let Some(containers) = &h.containers else {
            continue;
        };
        let desired = ctx.desired.host(&h.host);
        for c in containers {
            let service =
                desired.and_then(|d| d.services.iter().find(|s| s.containers.contains(&c.name)));
            let service_name = service.map(|s| s.name.as_str());
            let e = ctx.config.effective(Some(&h.host), service_name);
            let mut labels = vec![("host", h.host.as_str()), ("container", c.name.as_str())];
            if let Some(s) = service_name {
                labels.push(("service", s));
            }

            let failed_exit = c.state == "dead" || (c.state == "exited" && c.exit_code != Some(0));
            if failed_exit && service.is_none() {
                out.push(ctx.condition(
                    "container_exited",
                    Severity::Critical,
                    &labels,
                    format!("container {} on {} stopped", c.name, h.host),
                    describe(c),
                ));
            }
            if c.health.as_deref() == Some("unhealthy") {
                out.push(ctx.condition(
                    "container_unhealthy",
                    Severity::Critical,
                    &labels,
                    format!("container {} on {} is unhealthy", c.name, h.host),
                    format!("the health check of {} ({}) fails", c.name, c.image),
                ));
            }

            // Restart counts over a sliding window; the oldest sample at or before the window's
            // start is the baseline.
            let window = e.restarts_window.as_secs() as i64;
            let samples = memory
                .restarts
                .entry((h.host.clone(), c.name.clone()))
                .or_default();
            if samples.back().is_none_or(|&(_, n)| n != c.restart_count) {
                samples.push_back((ctx.now, c.restart_count));
            }
            while samples.len() > 1 && samples[1].0 <= ctx.now - window {
                samples.pop_front();
            }
            let baseline = samples.front().map_or(c.restart_count, |&(_, n)| n);
            let restarts = c.restart_count.saturating_sub(baseline);
            if restarts >= e.restarts {
                out.push(ctx.condition(
                    "container_restarting",
                    Severity::Warning,
                    &labels,
                    format!(
                        "container {} on {} restarted {restarts} times within {}",
                        c.name,
                        h.host,
                        human(e.restarts_window)
                    ),
                    format!("{}; it keeps crashing and being restarted", describe(c)),
                ));
            }
        }
    }
}
