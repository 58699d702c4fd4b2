//! Probe rules: a probe failing N runs in a row (resolved after M passes), a certificate close
//! to expiry.

use super::{Condition, Ctx, Memory};
use crate::model::Severity;

/// A probe's recent record.
#[derive(Debug, Clone, Default)]
pub(crate) struct Streak {
    host: Option<String>,
    service: Option<String>,
    failures: u32,
    passes: u32,
    active: bool,
    last_at: i64,
    last_error: Option<String>,
    cert: Option<(i64, String)>,
}

pub(super) fn check(ctx: &Ctx<'_>, memory: &mut Memory, out: &mut Vec<Condition>) {
    for r in &ctx.observed.probe_results {
        let s = memory.probes.entry(r.probe.clone()).or_default();
        if r.at < s.last_at {
            continue; // an old result arriving late changes nothing
        }
        let e = ctx
            .config
            .effective(r.host.as_deref(), r.service.as_deref());
        s.last_at = r.at;
        s.host.clone_from(&r.host);
        s.service.clone_from(&r.service);
        if r.ok {
            s.passes += 1;
            s.failures = 0;
            if s.active && s.passes >= e.probe_resolve_after {
                s.active = false;
            }
        } else {
            s.failures += 1;
            s.passes = 0;
            s.last_error.clone_from(&r.error);
            if s.failures >= e.probe_fail_after {
                s.active = true;
            }
        }
        if let (Some(days), Some(subject)) = (r.cert_days_left, &r.cert_subject) {
            s.cert = Some((days, subject.clone()));
        }
    }

    let mut names: Vec<_> = memory.probes.keys().cloned().collect();
    names.sort();
    for name in names {
        let s = &memory.probes[&name];
        let e = ctx
            .config
            .effective(s.host.as_deref(), s.service.as_deref());
        let mut labels = vec![("probe", name.as_str())];
        if let Some(h) = &s.host {
            labels.push(("host", h));
        }
        if let Some(svc) = &s.service {
            labels.push(("service", svc));
        }
        if s.active {
            out.push(
                ctx.condition(
                    "probe_failing",
                    Severity::Critical,
                    &labels,
                    format!(
                        "probe {name} is failing (at least {} runs in a row)",
                        e.probe_fail_after
                    ),
                    s.last_error
                        .clone()
                        .unwrap_or_else(|| "no error text reported".to_owned()),
                ),
            );
        }
        if let Some((days, subject)) = &s.cert
            && *days < e.cert_days
        {
            let severity = if *days < 3 {
                Severity::Critical
            } else {
                Severity::Warning
            };
            out.push(ctx.condition(
                "cert_expiring",
                severity,
                &labels,
                format!("certificate {subject} seen by probe {name} expires in {days} days"),
                format!("it has not been renewed within {} days of expiry: check the ACME client or proxy that should renew it", e.cert_days),
            ));
        }
    }
}
