//! Probes and alerts in the hub (issue 5), added beside the hub's own modules by the alerts
//! work: the spec mapped into the monitor's configuration, agents' latest snapshots mapped into
//! observed facts, and [`serve`]: the hub's [`crate::serve`] plus the monitor (probe scheduler,
//! rule evaluation, notification queue) and its routes under `/api/v1/alerts` and
//! `/api/v1/probes`. The rules, probes and notifiers themselves live in `cloudctl-alerts` and
//! `cloudctl-probes`.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use cloudctl_alerts::monitor::{Monitor, MonitorConfig, system_clock};
use cloudctl_alerts::notify::{NotifierDef, NotifierKind, Route, ntfy, smtp, webhook};
use cloudctl_alerts::{
    ContainerFact, Desired, DesiredHost, DesiredService, DiskFact, EgressFact, HostFacts, Limits,
    PortRule, ProcessFact, Proto, RulesConfig, Severity, SocketFact,
};
use cloudctl_probes::{ProbeDef, ProbeKind, Secret, TlsOptions, kinds};
use cloudctl_spec::Spec;
use cloudctl_wire::{CpuTimes, Sample, SocketProto};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::api::{AppState, auth, router};
use crate::store::{HostRow, Store};
use crate::{Error, HubOptions, Result};

/// The monitor's configuration from the spec, and what could not be mapped (a secret that is
/// not set, say), for the caller to log.
pub fn config_from_spec(spec: &Spec) -> (MonitorConfig, Vec<String>) {
    let mut warnings = Vec::new();
    let m = &spec.monitoring;
    let t = &m.thresholds;
    let defaults = Limits {
        cpu_pct: Some(t.cpu.above),
        cpu_for: Some(t.cpu.for_.0),
        memory_pct: Some(t.memory.above),
        memory_for: Some(t.memory.for_.0),
        disk_pct: Some(t.disk.above),
        disk_for: Some(t.disk.for_.0),
        swap_pct: Some(t.swap.above),
        swap_for: Some(t.swap.for_.0),
        silent_intervals: Some(t.host_silent_intervals),
        probe_fail_after: Some(m.probes.failures),
        probe_resolve_after: Some(m.probes.recoveries),
        cert_days: Some(i64::from(t.cert_expiry_days)),
        quota_pct: Some(t.bandwidth_quota),
        ..Limits::default()
    };
    let rules = RulesConfig {
        defaults,
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
            egress_quota: None,
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
        // Behind forward auth the answer is a redirect to the portal: any redirect counts as up.
        http.max_redirects = 0;
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

    let mut notifiers = Vec::new();
    let secret = |id: &str, warnings: &mut Vec<String>| -> Option<Secret> {
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
                "secret `{id}` is not set ({reference:?}); its notifier is off"
            ));
        }
        value.map(Secret::new)
    };
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
    let routes = if notifiers.is_empty() {
        Vec::new()
    } else {
        vec![Route {
            min_severity: Severity::Warning,
            notifiers: notifiers.iter().map(|n| n.name.clone()).collect(),
        }]
    };
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

/// A host's latest snapshot as observed facts. CPU use is a rate, so it needs the CPU counters
/// of the previous snapshot (`prev`); the counters of this one are returned for the next call.
pub fn host_facts(
    row: &HostRow,
    interval_secs: u64,
    prev: Option<&CpuTimes>,
) -> Option<(HostFacts, Option<CpuTimes>)> {
    let sample: Sample = serde_json::from_value(row.snapshot.clone()?).ok()?;
    let mut facts = HostFacts {
        host: row.name.clone(),
        last_seen: row.last_seen_ms.div_euclid(1000),
        interval_secs,
        ..HostFacts::default()
    };
    let mut counters = None;
    if let Some(h) = &sample.host {
        let cpu = &h.cpu.total;
        counters = Some(cpu.clone());
        if let Some(p) = prev {
            let busy = |t: &CpuTimes| t.user + t.nice + t.system + t.irq + t.softirq + t.steal;
            let total = |t: &CpuTimes| busy(t) + t.idle + t.iowait;
            let dt = total(cpu) - total(p);
            if dt > 0.0 {
                facts.cpu_pct = Some(((busy(cpu) - busy(p)) / dt * 100.0).clamp(0.0, 100.0));
            }
        }
        let mem = &h.memory;
        if mem.total_bytes > 0 {
            facts.memory_used_pct = Some(
                (mem.total_bytes.saturating_sub(mem.available_bytes)) as f64 * 100.0
                    / mem.total_bytes as f64,
            );
        }
        if mem.swap_total_bytes > 0 {
            facts.swap_used_pct = Some(
                (mem.swap_total_bytes.saturating_sub(mem.swap_free_bytes)) as f64 * 100.0
                    / mem.swap_total_bytes as f64,
            );
        }
        facts.disks = h
            .filesystems
            .iter()
            .filter(|f| f.size_bytes > 0)
            .map(|f| {
                let used = f.size_bytes.saturating_sub(f.free_bytes);
                // As df counts it: used over what non-root users can have.
                let pct = used as f64 * 100.0 / (used + f.avail_bytes).max(1) as f64;
                DiskFact {
                    mount: f.mount_point.clone(),
                    used_pct: pct,
                }
            })
            .collect();
        let process = |p: &cloudctl_wire::ProcessInfo| ProcessFact {
            name: p.name.clone(),
            pid: p.pid,
            cpu_pct: p.cpu_percent,
            memory_bytes: p.rss_bytes,
            container: None,
        };
        facts.top_cpu = h.top_cpu.iter().map(process).collect();
        facts.top_memory = h.top_memory.iter().map(process).collect();
        facts.boot_time = Some(h.boot_time);
        facts.egress = h.egress.as_ref().and_then(|e| {
            let start = time::Date::parse(
                &format!("{}-01", e.month),
                &time::format_description::well_known::Iso8601::DATE,
            )
            .ok()?;
            Some(EgressFact {
                since: start.midnight().assume_utc().unix_timestamp(),
                bytes: e.tx_bytes,
            })
        });
    }
    facts.containers = sample.containers.as_ref().filter(|c| c.available).map(|c| {
        c.list
            .iter()
            .map(|c| ContainerFact {
                name: c.name.clone(),
                image: c.image.clone(),
                state: c.state.clone(),
                health: c.health.clone(),
                restart_count: c.restart_count,
                exit_code: None,
            })
            .collect()
    });
    facts.sockets = sample.sockets.as_ref().map(|list| {
        list.iter()
            .filter_map(|s| {
                Some(SocketFact {
                    proto: match s.proto {
                        SocketProto::Tcp | SocketProto::Tcp6 => Proto::Tcp,
                        SocketProto::Udp | SocketProto::Udp6 => Proto::Udp,
                    },
                    address: s.addr.parse::<IpAddr>().ok()?,
                    port: s.port,
                    process: s.owner.as_ref().map(|o| o.process.clone()),
                    container: s.owner.as_ref().and_then(|o| o.container.clone()),
                })
            })
            .collect()
    });
    Some((facts, counters))
}

/// Feeds every host's latest snapshot to the monitor every `every`, until `shutdown`.
pub async fn feed(
    store: Store,
    monitor: Monitor,
    interval_secs: u64,
    every: Duration,
    shutdown: impl Future<Output = ()>,
) {
    // Per host: the latest snapshot's time, its CPU counters, and the CPU use computed for it.
    let mut counters: HashMap<String, (i64, CpuTimes, Option<f64>)> = HashMap::new();
    let mut tick = tokio::time::interval(every);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tick.tick() => {}
        }
        let rows = match store.read(crate::store::read::hosts).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "Cannot read hosts for the monitor");
                continue;
            }
        };
        for row in rows {
            let prev = counters.get(&row.name);
            let same = prev.is_some_and(|(ts, _, _)| Some(*ts) == row.snapshot_ms);
            let base = if same { None } else { prev.map(|(_, c, _)| c) };
            let Some((mut facts, cpu)) = host_facts(&row, interval_secs, base) else {
                continue;
            };
            if same {
                // No new snapshot since the last tick: the CPU use computed for it still holds
                // (dropping it would resolve a CPU alert between two reports).
                facts.cpu_pct = prev.and_then(|(_, _, pct)| *pct);
            } else if let (Some(cpu), Some(ts)) = (cpu, row.snapshot_ms) {
                counters.insert(row.name.clone(), (ts, cpu, facts.cpu_pct));
            }
            monitor.observe_host(facts);
        }
    }
}

/// Serves the hub like [`crate::serve`], with the monitor running beside it and its routes
/// merged in (behind the same read authorization).
pub async fn serve(
    listener: TcpListener,
    options: HubOptions,
    config: MonitorConfig,
    agent_interval: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let addr = listener.local_addr().map_err(|source| Error::Io {
        context: "cannot read the listening address".into(),
        source,
    })?;
    let store = crate::store::Store::open(options.store)?;
    let open_reads = addr.ip().is_loopback();
    let state = AppState::new(store.clone(), open_reads, options.expected_hosts);
    let monitor = Monitor::new(&config, system_clock()).map_err(|e| Error::Invalid {
        reason: e.to_string(),
        hint: "fix monitoring.notify or access.smtp in the spec".into(),
    })?;
    let (stop, stopped) = watch::channel(false);
    let waiter = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let retention = {
        let store = store.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move { store.run_retention(waiter(stopped)).await })
    };
    let feeding = tokio::spawn(feed(
        store.clone(),
        monitor.clone(),
        agent_interval.as_secs().max(1),
        agent_interval,
        waiter(stopped.clone()),
    ));
    let monitoring = tokio::spawn(monitor.clone().run(
        config.probes.clone(),
        16,
        agent_interval,
        waiter(stopped.clone()),
    ));
    let monitor_routes = monitor
        .routes::<()>()
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_reader,
        ));
    tracing::info!(%addr, probes = config.probes.len(), notifiers = config.notifiers.len(), "Hub listening with probes and alerts");
    let served = axum::serve(listener, router(state).merge(monitor_routes))
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop.send(true);
    let _ = retention.await;
    let _ = feeding.await;
    let _ = monitoring.await;
    store.close().await;
    served.map_err(|source| Error::Io {
        context: format!("serving on {addr}"),
        source,
    })
}
