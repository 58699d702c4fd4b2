//! Bandwidth quota: egress already over the quota, or projected over it by the period's end at
//! the rate so far.

use std::time::Duration;

use super::{Condition, Ctx, bytes, human};
use crate::model::Severity;

pub(super) fn check(ctx: &Ctx<'_>, out: &mut Vec<Condition>) {
    for h in &ctx.observed.hosts {
        let (Some(egress), Some(quota)) = (
            &h.egress,
            ctx.desired
                .host(&h.host)
                .and_then(|d| d.egress_quota.as_ref()),
        ) else {
            continue;
        };
        let e = ctx.config.effective(Some(&h.host), None);
        let elapsed = (ctx.now - egress.since).max(1) as u64;
        let rate_per_hour = egress.bytes as f64 * 3600.0 / elapsed as f64;
        let cause = format!(
            "{} sent in the last {} ({}/h)",
            bytes(egress.bytes),
            human(Duration::from_secs(elapsed)),
            bytes(rate_per_hour as u64)
        );
        if egress.bytes > quota.bytes {
            out.push(ctx.condition(
                "egress_quota",
                Severity::Critical,
                &[("host", &h.host)],
                format!(
                    "egress of {} exceeded its quota of {} per {}",
                    h.host,
                    bytes(quota.bytes),
                    human(quota.period)
                ),
                cause,
            ));
        } else if elapsed >= e.quota_min_elapsed.as_secs() {
            let projected =
                (egress.bytes as f64 * quota.period.as_secs() as f64 / elapsed as f64) as u64;
            let limit = (quota.bytes as f64 * e.quota_pct / 100.0) as u64;
            if projected > limit {
                out.push(ctx.condition(
                    "egress_quota",
                    Severity::Warning,
                    &[("host", &h.host)],
                    format!(
                        "egress of {} projected at {} per {}, past {}% of its quota of {}",
                        h.host,
                        bytes(projected),
                        human(quota.period),
                        e.quota_pct,
                        bytes(quota.bytes)
                    ),
                    cause,
                ));
            }
        }
    }
}
