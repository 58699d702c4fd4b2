//! The rules and the alert lifecycle, driven by a controllable clock (the `now` passed to each
//! evaluation): thresholds held for a duration, silent hosts, reboots, containers, probes,
//! certificates, quotas, drift, exposure, silences, repeats and overrides. Nothing sleeps.

use std::time::Duration;

use cloudctl_alerts::*;

const T0: i64 = 1_760_000_000;

fn host(name: &str, now: i64) -> HostFacts {
    HostFacts {
        host: name.into(),
        last_seen: now,
        interval_secs: 10,
        boot_time: Some(T0 - 86_400),
        ..Default::default()
    }
}

fn container(name: &str, state: &str, exit_code: Option<i64>) -> ContainerFact {
    ContainerFact {
        name: name.into(),
        image: format!("localhost/{name}:1"),
        state: state.into(),
        health: None,
        restart_count: 0,
        exit_code,
    }
}

fn observed(hosts: Vec<HostFacts>) -> Observed {
    Observed {
        hosts,
        probe_results: vec![],
    }
}

fn names(ns: &[Notification]) -> Vec<(String, Status)> {
    ns.iter().map(|n| (n.alertname.clone(), n.status)).collect()
}

fn hot(now: i64, cpu: f64) -> Observed {
    let mut h = host("oci-p-flex", now);
    h.cpu_pct = Some(cpu);
    h.top_cpu = vec![ProcessFact {
        name: "ollama".into(),
        pid: 4242,
        cpu_pct: 180.0,
        memory_bytes: 1 << 30,
        container: Some("ai-api".into()),
    }];
    observed(vec![h])
}

#[test]
fn cpu_above_threshold_fires_only_after_its_duration_and_names_the_top_process() {
    let mut e = Engine::new(RulesConfig::default()); // 90% for 5m
    let d = Desired::default();
    assert!(e.evaluate(T0, &d, &hot(T0, 97.0)).is_empty());
    assert_eq!(e.active().next().unwrap().state, AlertState::Pending);
    assert!(e.evaluate(T0 + 299, &d, &hot(T0 + 299, 97.0)).is_empty());
    let fired = e.evaluate(T0 + 300, &d, &hot(T0 + 300, 96.0));
    assert_eq!(names(&fired), vec![("cpu_high".into(), Status::Firing)]);
    assert_eq!(
        fired[0].summary,
        "CPU on oci-p-flex at 96%, above 90% for 5m"
    );
    assert_eq!(
        fired[0].cause,
        "top process by CPU: ollama (pid 4242, container ai-api) at 180% of a core"
    );
    assert_eq!(fired[0].starts_at, T0);
    // Still firing: no repeat before the repeat interval (4 h), one at it.
    assert!(e.evaluate(T0 + 600, &d, &hot(T0 + 600, 99.0)).is_empty());
    let again = e.evaluate(T0 + 300 + 4 * 3600, &d, &hot(T0 + 300 + 4 * 3600, 99.0));
    assert!(again.len() == 1 && again[0].repeat);
    let resolved = e.evaluate(T0 + 20_000, &d, &hot(T0 + 20_000, 20.0));
    assert_eq!(
        names(&resolved),
        vec![("cpu_high".into(), Status::Resolved)]
    );
    assert_eq!(resolved[0].ends_at, Some(T0 + 20_000));
    let transitions: Vec<_> = e.history().map(|h| h.transition.as_str()).collect();
    assert_eq!(transitions, ["firing", "resolved"]);
}

#[test]
fn a_spike_shorter_than_the_duration_never_notifies() {
    let mut e = Engine::new(RulesConfig::default());
    let d = Desired::default();
    assert!(e.evaluate(T0, &d, &hot(T0, 97.0)).is_empty());
    assert!(e.evaluate(T0 + 200, &d, &hot(T0 + 200, 97.0)).is_empty());
    assert!(e.evaluate(T0 + 210, &d, &hot(T0 + 210, 40.0)).is_empty());
    // A new spike starts a new count.
    assert!(e.evaluate(T0 + 400, &d, &hot(T0 + 400, 97.0)).is_empty());
    assert!(e.evaluate(T0 + 650, &d, &hot(T0 + 650, 97.0)).is_empty());
    assert_eq!(e.evaluate(T0 + 700, &d, &hot(T0 + 700, 97.0)).len(), 1);
    assert_eq!(e.history().count(), 1);
}

#[test]
fn memory_swap_and_disk_thresholds_name_what_fills_them() {
    let mut cfg = RulesConfig::default();
    cfg.defaults.memory_for = Some(Duration::ZERO);
    cfg.defaults.disk_for = Some(Duration::ZERO);
    cfg.defaults.swap_for = Some(Duration::ZERO);
    let mut e = Engine::new(cfg);
    let mut h = host("oci-f-micro_1", T0);
    h.memory_used_pct = Some(95.0);
    h.swap_used_pct = Some(85.0);
    h.disks = vec![
        DiskFact {
            mount: "/".into(),
            used_pct: 93.0,
        },
        DiskFact {
            mount: "/boot".into(),
            used_pct: 20.0,
        },
    ];
    h.top_memory = vec![ProcessFact {
        name: "stalwart".into(),
        pid: 7,
        cpu_pct: 1.0,
        memory_bytes: 600 << 20,
        container: None,
    }];
    let out = e.evaluate(T0, &Desired::default(), &observed(vec![h]));
    let mut got = names(&out);
    got.sort();
    assert_eq!(got.len(), 3, "{got:?}");
    let mem = out.iter().find(|n| n.alertname == "memory_high").unwrap();
    assert_eq!(
        mem.cause,
        "top process by memory: stalwart (pid 7) using 600.0 MiB"
    );
    let disk = out.iter().find(|n| n.alertname == "disk_full").unwrap();
    assert_eq!(disk.labels["mount"], "/");
}

#[test]
fn per_host_overrides_beat_the_defaults() {
    let cfg: RulesConfig =
        serde_json::from_str(r#"{"hosts": {"oci-p-flex": {"cpu_pct": 99, "cpu_for": "0s"}}}"#)
            .unwrap();
    let mut e = Engine::new(cfg);
    assert!(
        e.evaluate(T0, &Desired::default(), &hot(T0, 97.0))
            .is_empty()
    );
    assert_eq!(
        e.evaluate(T0 + 1, &Desired::default(), &hot(T0 + 1, 99.5))
            .len(),
        1
    );
}

#[test]
fn a_silent_host_fires_at_once_and_its_stale_metrics_do_not() {
    let mut e = Engine::new(RulesConfig::default());
    let mut h = host("gcp-f-micro_1", T0 - 31); // 3 intervals of 10 s, plus one second
    h.cpu_pct = Some(100.0);
    let out = e.evaluate(T0, &Desired::default(), &observed(vec![h.clone()]));
    assert_eq!(names(&out), vec![("host_silent".into(), Status::Firing)]);
    assert!(
        out[0].cause.contains("the agent, the VM or the network"),
        "{}",
        out[0].cause
    );
    h.last_seen = T0 + 5;
    h.cpu_pct = Some(3.0);
    assert_eq!(
        names(&e.evaluate(T0 + 5, &Desired::default(), &observed(vec![h]))),
        vec![("host_silent".into(), Status::Resolved)]
    );
}

#[test]
fn a_reboot_is_told_once() {
    let mut e = Engine::new(RulesConfig::default());
    let d = Desired::default();
    let mut h = host("oci-f-micro_2", T0);
    assert!(e.evaluate(T0, &d, &observed(vec![h.clone()])).is_empty());
    h.boot_time = Some(T0 + 50);
    h.last_seen = T0 + 60;
    let out = e.evaluate(T0 + 60, &d, &observed(vec![h.clone()]));
    assert_eq!(names(&out), vec![("host_rebooted".into(), Status::Firing)]);
    assert_eq!(out[0].severity, Severity::Info);
    // Boot time wobbling by a second is not a reboot; the same boot is not told twice.
    h.boot_time = Some(T0 + 51);
    assert!(e.evaluate(T0 + 70, &d, &observed(vec![h])).is_empty());
    assert_eq!(e.active().count(), 0);
}

#[test]
fn containers_exited_unhealthy_and_restarting() {
    let mut e = Engine::new(RulesConfig::default()); // 3 restarts in 15 min
    let d = Desired::default(); // no spec for the host: container rules speak
    let mut h = host("oci-p-flex", T0);
    let mut flaky = container("n8n", "running", None);
    let mut sick = container("gitea", "running", None);
    sick.health = Some("unhealthy".into());
    h.containers = Some(vec![
        container("job", "exited", Some(0)),
        container("photos", "exited", Some(137)),
        flaky.clone(),
        sick,
    ]);
    let out = e.evaluate(T0, &d, &observed(vec![h.clone()]));
    let mut got = names(&out);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("container_exited".into(), Status::Firing),
            ("container_unhealthy".into(), Status::Firing)
        ]
    );
    let exited = out
        .iter()
        .find(|n| n.alertname == "container_exited")
        .unwrap();
    assert_eq!(
        exited.cause,
        "container photos (localhost/photos:1) is exited with exit code 137"
    );

    for (i, count) in [1u64, 2, 3].into_iter().enumerate() {
        flaky.restart_count = count;
        let t = T0 + 60 * (i as i64 + 1);
        h.last_seen = t;
        h.containers.as_mut().unwrap()[2] = flaky.clone();
        let out = e.evaluate(t, &d, &observed(vec![h.clone()]));
        let restarting = out.iter().any(|n| n.alertname == "container_restarting");
        assert_eq!(restarting, count == 3, "after {count} restarts");
    }
    // Fifteen quiet minutes later the window holds no restarts: resolved.
    h.last_seen = T0 + 180 + 901;
    let out = e.evaluate(T0 + 180 + 901, &d, &observed(vec![h]));
    assert!(
        out.iter()
            .any(|n| n.alertname == "container_restarting" && n.status == Status::Resolved),
        "{:?}",
        names(&out)
    );
}

fn probe(name: &str, at: i64, ok: bool) -> ProbeFact {
    ProbeFact {
        probe: name.into(),
        host: Some("oci-f-micro_1".into()),
        service: Some("mail".into()),
        at,
        ok,
        error: (!ok)
            .then(|| "cannot connect to 127.0.0.1:25: Connection refused (os error 111)".into()),
        cert_days_left: None,
        cert_subject: None,
    }
}

#[test]
fn a_probe_fires_after_n_failures_and_resolves_after_m_passes() {
    let mut e = Engine::new(RulesConfig::default()); // 3 failures, 2 passes
    let d = Desired::default();
    let run = |e: &mut Engine, t: i64, ok: bool| {
        e.evaluate(
            t,
            &d,
            &Observed {
                hosts: vec![],
                probe_results: vec![probe("mail-smtp", t, ok)],
            },
        )
    };
    assert!(run(&mut e, T0, false).is_empty());
    assert!(run(&mut e, T0 + 60, false).is_empty());
    let fired = run(&mut e, T0 + 120, false);
    assert_eq!(
        names(&fired),
        vec![("probe_failing".into(), Status::Firing)]
    );
    assert_eq!(
        fired[0].cause,
        "cannot connect to 127.0.0.1:25: Connection refused (os error 111)"
    );
    assert_eq!(fired[0].labels["service"], "mail");
    assert!(
        run(&mut e, T0 + 180, true).is_empty(),
        "one pass is not enough"
    );
    assert_eq!(
        names(&run(&mut e, T0 + 240, true)),
        vec![("probe_failing".into(), Status::Resolved)]
    );
}

#[test]
fn probe_thresholds_follow_the_service_override() {
    let cfg: RulesConfig =
        serde_json::from_str(r#"{"services": {"mail": {"probe_fail_after": 1}}}"#).unwrap();
    let mut e = Engine::new(cfg);
    let obs = Observed {
        hosts: vec![],
        probe_results: vec![probe("mail-smtp", T0, false)],
    };
    assert_eq!(e.evaluate(T0, &Desired::default(), &obs).len(), 1);
}

#[test]
fn a_certificate_close_to_expiry_fires() {
    let mut e = Engine::new(RulesConfig::default()); // 14 days
    let mut p = probe("vault-tls", T0, true);
    p.cert_days_left = Some(10);
    p.cert_subject = Some("CN=vault.example.org".into());
    let out = e.evaluate(
        T0,
        &Desired::default(),
        &Observed {
            hosts: vec![],
            probe_results: vec![p.clone()],
        },
    );
    assert_eq!(names(&out), vec![("cert_expiring".into(), Status::Firing)]);
    assert_eq!(
        out[0].summary,
        "certificate CN=vault.example.org seen by probe vault-tls expires in 10 days"
    );
    assert_eq!(out[0].severity, Severity::Warning);
    p.cert_days_left = Some(89);
    p.at = T0 + 60;
    let out = e.evaluate(
        T0 + 60,
        &Desired::default(),
        &Observed {
            hosts: vec![],
            probe_results: vec![p],
        },
    );
    assert_eq!(
        names(&out),
        vec![("cert_expiring".into(), Status::Resolved)]
    );
}

fn quota_desired() -> Desired {
    Desired {
        hosts: vec![DesiredHost {
            host: "gcp-f-micro_1".into(),
            egress_quota: Some(Quota {
                bytes: 1_000_000_000,
                period: Duration::from_secs(86_400),
            }),
            ..Default::default()
        }],
    }
}

#[test]
fn egress_projected_over_the_quota_warns_and_over_it_is_critical() {
    let mut e = Engine::new(RulesConfig::default());
    let d = quota_desired();
    let at = |now: i64, bytes: u64| {
        let mut h = host("gcp-f-micro_1", now);
        h.egress = Some(EgressFact { since: T0, bytes });
        observed(vec![h])
    };
    // 30 minutes in: too early to project, even at a high rate.
    assert!(
        e.evaluate(T0 + 1800, &d, &at(T0 + 1800, 100_000_000))
            .is_empty()
    );
    // 6 hours in, 200 MB: 800 MB/day projected, fine. 300 MB: 1.2 GB/day, over.
    assert!(
        e.evaluate(T0 + 6 * 3600, &d, &at(T0 + 6 * 3600, 200_000_000))
            .is_empty()
    );
    let out = e.evaluate(T0 + 6 * 3600 + 1, &d, &at(T0 + 6 * 3600 + 1, 300_000_000));
    assert_eq!(names(&out), vec![("egress_quota".into(), Status::Firing)]);
    assert_eq!(out[0].severity, Severity::Warning);
    assert!(
        out[0].summary.contains("projected at 1.1 GiB per 1day"),
        "{}",
        out[0].summary
    );
    let mut e = Engine::new(RulesConfig::default());
    let out = e.evaluate(T0 + 20 * 3600, &d, &at(T0 + 20 * 3600, 1_100_000_000));
    assert_eq!(out[0].severity, Severity::Critical);
    assert!(out[0].summary.contains("exceeded"), "{}", out[0].summary);
}

fn drift_desired() -> Desired {
    Desired {
        hosts: vec![DesiredHost {
            host: "oci-p-flex".into(),
            services: vec![
                DesiredService {
                    name: "vault".into(),
                    on: true,
                    containers: vec!["vault-app".into()],
                },
                DesiredService {
                    name: "photos".into(),
                    on: false,
                    containers: vec!["photo-app".into()],
                },
                DesiredService {
                    name: "git".into(),
                    on: true,
                    containers: vec!["git-app".into()],
                },
            ],
            allowed_ports: vec![PortRule {
                proto: Proto::Tcp,
                port: 443,
            }],
            egress_quota: None,
        }],
    }
}

#[test]
fn drift_names_the_missing_the_stopped_and_the_unknown_containers() {
    let mut e = Engine::new(RulesConfig::default());
    let mut h = host("oci-p-flex", T0);
    h.containers = Some(vec![
        container("vault-app", "exited", Some(1)),
        container("photo-app", "running", None),
        container("mystery", "running", None),
    ]);
    let out = e.evaluate(T0, &drift_desired(), &observed(vec![h]));
    let causes: Vec<_> = out
        .iter()
        .map(|n| format!("{}: {}", n.alertname, n.cause))
        .collect();
    assert_eq!(
        causes,
        [
            "drift_not_running: container vault-app (localhost/vault-app:1) is exited with exit code 1",
            "drift_running_off: container photo-app (localhost/photo-app:1) was started by hand or by a restart policy",
            "drift_not_running: container git-app does not exist on oci-p-flex: never deployed, or removed",
            "drift_unknown_container: container mystery runs image localhost/mystery:1",
        ]
    );
    // The stopped container of a spec service is one alert (drift), not two.
    assert!(!out.iter().any(|n| n.alertname == "container_exited"));
}

#[test]
fn exposure_names_the_port_and_its_owner_once_per_port() {
    let mut e = Engine::new(RulesConfig::default());
    let mut h = host("oci-p-flex", T0);
    let sock = |addr: &str, port: u16, process: Option<&str>| SocketFact {
        proto: Proto::Tcp,
        address: addr.parse().unwrap(),
        port,
        process: process.map(Into::into),
        container: None,
    };
    h.sockets = Some(vec![
        sock("0.0.0.0", 5432, Some("postgres")),
        sock("::", 5432, Some("postgres")),
        sock("127.0.0.1", 6379, Some("redis-server")),
        sock("0.0.0.0", 443, Some("nginx")),
    ]);
    let out = e.evaluate(T0, &drift_desired(), &observed(vec![h]));
    assert_eq!(out.len(), 1, "{:?}", names(&out));
    assert_eq!(out[0].alertname, "port_exposed");
    assert_eq!(
        out[0].summary,
        "5432/tcp listens on 0.0.0.0, :: on oci-p-flex, which the spec does not allow (allowed: 443/tcp)"
    );
    assert!(
        out[0].cause.starts_with("process postgres;"),
        "{}",
        out[0].cause
    );
}

#[test]
fn silences_hold_back_notifications_until_they_expire() {
    let mut e = Engine::new(RulesConfig::default());
    let id = e
        .add_silence(Silence {
            id: String::new(),
            matchers: vec![Matcher::parse("container=vault-*").unwrap()],
            starts_at: T0,
            ends_at: T0 + 3600,
            created_by: "diego".into(),
            comment: "upgrading vault".into(),
        })
        .unwrap();
    let mut h = host("oci-p-flex", T0);
    h.containers = Some(vec![
        container("vault-app", "exited", Some(0)),
        container("git-app", "running", None),
        container("photo-app", "exited", Some(0)),
    ]);
    assert!(
        e.evaluate(T0, &drift_desired(), &observed(vec![h.clone()]))
            .is_empty()
    );
    assert_eq!(
        e.active().next().unwrap().silenced_by.as_deref(),
        Some(id.as_str())
    );
    assert_eq!(e.history().last().unwrap().transition, "silenced");
    h.last_seen = T0 + 60;
    assert!(
        e.evaluate(T0 + 60, &drift_desired(), &observed(vec![h.clone()]))
            .is_empty()
    );
    assert!(e.expire_silence(&id, T0 + 120).is_some());
    h.last_seen = T0 + 120;
    let out = e.evaluate(T0 + 120, &drift_desired(), &observed(vec![h]));
    assert_eq!(
        names(&out),
        vec![("drift_not_running".into(), Status::Firing)]
    );
    assert_eq!(
        out[0].starts_at, T0,
        "the alert kept its start through the silence"
    );
}

#[test]
fn the_same_condition_is_one_alert_with_a_stable_fingerprint() {
    let mut e = Engine::new(RulesConfig::default());
    let mut h = host("oci-p-flex", T0);
    h.containers = Some(vec![container("mystery", "running", None)]);
    let first = e.evaluate(T0, &drift_desired(), &observed(vec![h.clone()]));
    let first_unknown = first
        .iter()
        .find(|n| n.alertname == "drift_unknown_container")
        .unwrap()
        .fingerprint
        .clone();
    e.evaluate(T0 + 10, &drift_desired(), &observed(vec![h]));
    let unknown: Vec<_> = e
        .active()
        .filter(|a| a.alertname == "drift_unknown_container")
        .collect();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].fingerprint, first_unknown);
    assert_eq!(first_unknown.len(), 16);
}

#[test]
fn disabled_rules_and_severity_overrides() {
    let cfg: RulesConfig = serde_json::from_str(
        r#"{"disabled": ["drift_unknown_container"], "severities": {"drift_not_running": "warning"}}"#,
    )
    .unwrap();
    let mut e = Engine::new(cfg);
    let mut h = host("oci-p-flex", T0);
    h.containers = Some(vec![
        container("mystery", "running", None),
        container("vault-app", "running", None),
    ]);
    let out = e.evaluate(T0, &drift_desired(), &observed(vec![h]));
    assert_eq!(
        names(&out),
        vec![("drift_not_running".into(), Status::Firing)]
    );
    assert_eq!(out[0].severity, Severity::Warning);
}

#[test]
fn the_quota_bar_can_be_a_percent_of_the_quota() {
    let cfg: RulesConfig = serde_json::from_str(r#"{"defaults": {"quota_pct": 90}}"#).unwrap();
    let mut e = Engine::new(cfg);
    let mut h = host("gcp-f-micro_1", T0 + 12 * 3600);
    // 460 MB in half a day: 920 MB a day projected, under the quota but past 90% of it.
    h.egress = Some(EgressFact {
        since: T0,
        bytes: 460_000_000,
    });
    let out = e.evaluate(T0 + 12 * 3600, &quota_desired(), &observed(vec![h]));
    assert_eq!(names(&out), vec![("egress_quota".into(), Status::Firing)]);
    assert!(
        out[0].summary.contains("past 90% of its quota"),
        "{}",
        out[0].summary
    );
}
