//! The monitor's configuration, mapped from the spec: alert thresholds, what should run and be
//! exposed on each host (with its egress quota), the probes of every public URL (a redirect to
//! the auth portal counts as up) and the notifiers with their secrets resolved.

use std::collections::BTreeMap;
use std::time::Duration;

use cloudctl_alerts::monitor::MonitorConfig;
use cloudctl_alerts::notify::{NotifierDef, NotifierKind, Route, ntfy, smtp, webhook};
use cloudctl_alerts::{
    Desired, DesiredHost, DesiredService, Limits, PortRule, Proto, Quota, RulesConfig, Severity,
};
use cloudctl_probes::{ProbeDef, ProbeKind, Secret, TlsOptions, kinds};
use cloudctl_spec::units::BandwidthPeriod;
use cloudctl_spec::{MinSeverity, RuleOverride, Spec, Threshold};

/// An average month, for quotas counted per month.
const MONTH: Duration = Duration::from_secs(2_629_746);

/// A host's egress quota from its capacity: `1GB/day` is counted per day, `10TB/mo` per month.
pub fn egress_quota(spec: &Spec, host_id: &str) -> Option<Quota> {
    let bandwidth = spec.hosts.get(host_id)?.capacity.bandwidth;
    let bytes = bandwidth.amount.as_f64();
    if bytes <= 0.0 {
        return None;
    }
    Some(Quota {
        bytes: bytes as u64,
        period: match bandwidth.period {
            BandwidthPeriod::Day => Duration::from_secs(86_400),
            BandwidthPeriod::Month => MONTH,
        },
    })
}

/// Which service each agent probe the hub expects belongs to, by its stored name
/// (`host/service-component`: the probes `cloudctl agent` derives from the spec).
pub fn agent_probe_services(spec: &Spec) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for host_id in spec.hosts.keys() {
        for (service_id, service) in spec.services_on(host_id) {
            for component_id in service.components.keys() {
                let probe = cloudctl_spec::component_probe_name(service_id, component_id);
                out.insert(
                    crate::convert::agent_probe_name(host_id, &probe),
                    service_id.clone(),
                );
            }
        }
    }
    out
}

/// The monitor's configuration from the spec, and what could not be mapped (a secret that is
/// not set, say), for the caller to log.
pub fn config_from_spec(spec: &Spec) -> (MonitorConfig, Vec<String>) {
    let mut warnings = Vec::new();
    let m = &spec.monitoring;
    let t = &m.thresholds;
    // The defaults are the override that sets everything, so both map through `limits`.
    let defaults = limits(&RuleOverride {
        cpu: Some(t.cpu.clone()),
        memory: Some(t.memory.clone()),
        disk: Some(t.disk.clone()),
        swap: Some(t.swap.clone()),
        bandwidth_quota: Some(t.bandwidth_quota),
        host_silent_intervals: Some(t.host_silent_intervals),
        cert_expiry_days: Some(t.cert_expiry_days),
        probe_failures: Some(m.probes.failures),
        probe_recoveries: Some(m.probes.recoveries),
    });
    let overrides = &m.overrides;
    let rules = RulesConfig {
        defaults,
        hosts: overrides
            .hosts
            .iter()
            .map(|(id, o)| (id.clone(), limits(o)))
            .collect(),
        services: overrides
            .services
            .iter()
            .map(|(id, o)| (id.clone(), limits(o)))
            .collect(),
        ..RulesConfig::default()
    };

    let mut desired = Desired::default();
    for (host_id, host) in &spec.hosts {
        let mut allowed: Vec<PortRule> = spec
            .security
            .inbound_for(&host.roles)
            .map(|r| PortRule {
                proto: proto(r.protocol.label()),
                port: r.port,
            })
            .collect();
        let mut services = Vec::new();
        for (service_id, service) in spec.services_on(host_id) {
            let mut containers = Vec::new();
            for (component_id, component) in &service.components {
                if component.is_container() {
                    containers.push(component.container_name(component_id).to_owned());
                }
                allowed.extend(component.publish.iter().map(|p| PortRule {
                    proto: proto(p.protocol.label()),
                    port: p.port,
                }));
            }
            services.push(DesiredService {
                name: service_id.clone(),
                on: service.status.is_deployed(),
                containers,
            });
        }
        desired.hosts.push(DesiredHost {
            host: host_id.clone(),
            services,
            allowed_ports: allowed,
            egress_quota: egress_quota(spec, host_id),
        });
    }

    let mut probes = Vec::new();
    for (service_id, service) in &spec.services {
        let (Some(url), true) = (&service.url, service.status.is_deployed()) else {
            continue;
        };
        let mut http: kinds::http::HttpConfig =
            match serde_json::from_value(serde_json::json!({ "url": url })) {
                Ok(c) => c,
                Err(e) => {
                    warnings.push(format!("service {service_id}: url {url}: {e}"));
                    continue;
                }
            };
        // Behind forward auth the answer is a redirect to the portal: that counts as up. Without
        // a portal in the spec, any redirect does.
        match &spec.access.portal {
            Some(portal) => http.auth_portal = Some(portal.clone()),
            None => http.max_redirects = 0,
        }
        let mut def = ProbeDef::new(format!("{service_id}-http"), ProbeKind::Http(http));
        def.interval = m.probes.interval.0;
        def.timeout = m.probes.timeout.0;
        def.host.clone_from(&service.host);
        def.service = Some(service_id.clone());
        probes.push(def);
        if url.starts_with("https://")
            && let Some(host) = service.url_host()
        {
            let tls = kinds::tls::TlsConfig {
                address: format!("{host}:443"),
                min_days_left: 0,
                tls: TlsOptions::default(),
            };
            let mut def = ProbeDef::new(format!("{service_id}-tls"), ProbeKind::Tls(tls));
            def.interval = m.probes.interval.0.max(Duration::from_secs(3600));
            def.timeout = m.probes.timeout.0;
            def.host.clone_from(&service.host);
            def.service = Some(service_id.clone());
            probes.push(def);
        }
    }

    for (name, check) in &m.checks {
        match super::checks::probe(spec, name, check, &mut warnings) {
            Ok(def) => probes.push(def),
            Err(e) => warnings.push(format!("monitoring.checks.{name}: {e}")),
        }
    }

    let mut notifiers = Vec::new();
    let secret = |id: &str, warnings: &mut Vec<String>| resolve_secret(spec, id, warnings);
    if let (Some(relay), false) = (&spec.access.smtp, m.notify.email.is_empty())
        && let Some(password) = secret(&relay.password, &mut warnings)
    {
        notifiers.push(NotifierDef {
            name: "email".into(),
            kind: NotifierKind::Smtp(smtp::SmtpConfig {
                host: relay.host.clone(),
                port: Some(relay.port),
                security: if relay.port == 465 {
                    smtp::SmtpSecurity::Implicit
                } else {
                    smtp::SmtpSecurity::Starttls
                },
                username: Some(relay.username.clone()),
                password: Some(password),
                from: relay.sender.clone(),
                to: m.notify.email.clone(),
                tls: TlsOptions::default(),
            }),
        });
    }
    if let Some(id) = &m.notify.webhook
        && let Some(url) = secret(id, &mut warnings)
    {
        notifiers.push(NotifierDef {
            name: "webhook".into(),
            kind: NotifierKind::Webhook(webhook::WebhookConfig {
                url: url.expose().to_owned(),
                bearer_token: None,
                tls: TlsOptions::default(),
            }),
        });
    }
    if let Some(topic_url) = &m.notify.ntfy {
        match topic_url.rsplit_once('/') {
            Some((server, topic)) if !topic.is_empty() => notifiers.push(NotifierDef {
                name: "ntfy".into(),
                kind: NotifierKind::Ntfy(ntfy::NtfyConfig {
                    server: server.to_owned(),
                    topic: topic.to_owned(),
                    token: None,
                    tls: TlsOptions::default(),
                }),
            }),
            _ => warnings.push(format!(
                "monitoring.notify.ntfy `{topic_url}` needs the form https://server/topic"
            )),
        }
    }
    let wanted = &m.notify.routes;
    let routes = notifiers
        .iter()
        .map(|n| Route {
            min_severity: severity(match n.name.as_str() {
                "email" => wanted.email,
                "webhook" => wanted.webhook,
                _ => wanted.ntfy,
            }),
            notifiers: vec![n.name.clone()],
        })
        .collect();
    (
        MonitorConfig {
            probes,
            rules,
            desired,
            notifiers,
            routes,
            ..MonitorConfig::default()
        },
        warnings,
    )
}

fn proto(label: &str) -> Proto {
    if label == "udp" {
        Proto::Udp
    } else {
        Proto::Tcp
    }
}

/// A secret's value from the reference the spec holds (an environment variable or a file); `None`
/// with a warning when it is not declared or not set.
pub fn resolve_secret(spec: &Spec, id: &str, warnings: &mut Vec<String>) -> Option<Secret> {
    let Some(reference) = spec.secrets.get(id) else {
        warnings.push(format!("secret `{id}` is not declared under secrets"));
        return None;
    };
    let value = match (&reference.env, &reference.file) {
        (Some(env), _) => std::env::var(env).ok(),
        (None, Some(file)) => std::fs::read_to_string(file)
            .ok()
            .map(|v| v.trim().to_owned()),
        (None, None) => None,
    };
    if value.is_none() {
        warnings.push(format!(
            "secret `{id}` is not set ({reference:?}); what needs it is off"
        ));
    }
    value.map(Secret::new)
}

/// Rule limits from a spec override (only what it sets).
fn limits(o: &RuleOverride) -> Limits {
    let pair = |t: &Option<Threshold>| (t.as_ref().map(|t| t.above), t.as_ref().map(|t| t.for_.0));
    let (cpu_pct, cpu_for) = pair(&o.cpu);
    let (memory_pct, memory_for) = pair(&o.memory);
    let (disk_pct, disk_for) = pair(&o.disk);
    let (swap_pct, swap_for) = pair(&o.swap);
    Limits {
        cpu_pct,
        cpu_for,
        memory_pct,
        memory_for,
        disk_pct,
        disk_for,
        swap_pct,
        swap_for,
        silent_intervals: o.host_silent_intervals,
        probe_fail_after: o.probe_failures,
        probe_resolve_after: o.probe_recoveries,
        cert_days: o.cert_expiry_days.map(i64::from),
        quota_pct: o.bandwidth_quota,
        ..Limits::default()
    }
}

fn severity(min: MinSeverity) -> Severity {
    match min {
        MinSeverity::Info => Severity::Info,
        MinSeverity::Warning => Severity::Warning,
        MinSeverity::Critical => Severity::Critical,
    }
}
