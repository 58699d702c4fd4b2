//! The hub with probes and alerts (src/monitor.rs): the default spec mapped into the monitor's
//! configuration, an agent snapshot mapped into observed facts, and a hub serving the alerts
//! that an agent's batch in its real SQLite store gives rise to.

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use cloudctl_alerts::monitor::MonitorConfig;
use cloudctl_hub::monitor::{MonitorSetup, config_from_spec, host_facts, serve};
use cloudctl_hub::store::{HostRow, Store, StoreConfig};
use cloudctl_hub::{HubOptions, convert};
use cloudctl_probes::ProbeKind;
use cloudctl_wire::CpuTimes;

#[test]
fn the_default_spec_maps_into_rules_probes_and_desired_state() {
    let spec = cloudctl_spec::check_path(None)
        .unwrap()
        .into_spec()
        .unwrap();
    let (config, warnings) = config_from_spec(&spec);
    assert_eq!(config.rules.defaults.disk_pct, Some(85.0));
    assert_eq!(
        config.rules.defaults.cpu_for,
        Some(Duration::from_secs(300))
    );
    assert_eq!(config.rules.defaults.probe_fail_after, Some(3));
    assert_eq!(config.rules.defaults.quota_pct, Some(90.0));
    let gateway = config
        .desired
        .host("gcp-f-micro_1")
        .expect("the gateway host is desired");
    assert!(
        !gateway.allowed_ports.is_empty(),
        "the gateway allows 80/443"
    );
    assert!(gateway.services.iter().any(|s| !s.containers.is_empty()));
    assert!(
        config.probes.iter().any(|p| p.name.ends_with("-http")),
        "public services get HTTP probes"
    );
    // B21: the GCP e2-micro's 1 GB/day is a daily quota; OCI's 10 TB/mo a monthly one.
    let quota = gateway
        .egress_quota
        .as_ref()
        .expect("the gateway has a quota");
    assert_eq!(
        (quota.bytes, quota.period),
        (1_000_000_000, Duration::from_secs(86_400))
    );
    let (setup, _) = MonitorSetup::from_spec(&spec, Duration::from_secs(10));
    assert!(setup.daily_quota.contains("gcp-f-micro_1"));
    assert!(!setup.daily_quota.contains("oci-f-micro_1"));
    // Behind forward auth a redirect to the spec's portal counts as up.
    let http = config
        .probes
        .iter()
        .find_map(|p| match &p.check {
            ProbeKind::Http(h) => Some(h),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        http.auth_portal.as_deref(),
        Some("https://auth.diegonmarcos.com")
    );
    // The probes `cloudctl agent` derives from the spec are known by service, by the names the
    // agent gives them (`vault-app` stays `vault-app`).
    assert_eq!(
        setup
            .agent_probe_services
            .get("oci-p-flex_1/terminal-app")
            .map(String::as_str),
        Some("terminal"),
        "{:?}",
        setup.agent_probe_services
    );
    // The Gmail app password is a secret reference; unset here, so the email notifier is off
    // and the warning says which secret.
    if config.notifiers.iter().all(|n| n.name != "email") {
        assert!(
            warnings.iter().any(|w| w.contains("secret")),
            "{warnings:?}"
        );
    }
}

#[test]
fn a_snapshot_becomes_host_facts_with_rates_from_the_previous_counters() {
    let sample = common::sample(1_760_000_000_000, 1.0);
    let row = HostRow {
        name: "oci-p-flex".into(),
        first_seen_ms: 1_760_000_000_000,
        last_seen_ms: 1_760_000_001_000,
        last_seq: 1,
        agent_version: "test".into(),
        batches_total: 1,
        dropped_total: 0,
        snapshot_ms: Some(1_760_000_000_000),
        snapshot: Some(serde_json::to_value(&sample).unwrap()),
    };
    let (first, counters, _) = host_facts(&row, 10, None).unwrap();
    assert_eq!(first.cpu_pct, None, "no rate from a single snapshot");
    let prev = CpuTimes {
        user: 90.0,
        system: 45.0,
        idle: 900.0,
        steal: 3.5,
        ..CpuTimes::default()
    };
    let (facts, _, _) = host_facts(&row, 10, Some(&prev)).unwrap();
    assert!(counters.is_some());
    // Busy grew by 16 s of 116 s.
    assert!((facts.cpu_pct.unwrap() - 16.0 / 116.0 * 100.0).abs() < 1e-9);
    assert!((facts.memory_used_pct.unwrap() - 424.0 / 1024.0 * 100.0).abs() < 1e-9);
    assert!((facts.disks[0].used_pct - 10.0 / 29.0 * 100.0).abs() < 1e-9);
    assert_eq!(facts.last_seen, 1_760_000_001);
    let containers = facts.containers.unwrap();
    assert_eq!(
        (containers[0].name.as_str(), containers[0].restart_count),
        ("authelia-app", 2)
    );
    let socket = &facts.sockets.unwrap()[0];
    assert_eq!(
        (
            socket.port,
            socket.process.as_deref(),
            socket.container.as_deref()
        ),
        (9091, Some("authelia"), Some("authelia-app"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_serves_the_alerts_of_what_its_agents_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    let now_ms = cloudctl_hub::clock::now_ms();
    {
        let store = Store::open(StoreConfig::new(&path)).unwrap();
        store
            .ingest(convert::batch_record(
                &common::batch("oci-p-flex", 1, now_ms),
                now_ms,
            ))
            .await
            .unwrap();
        store.close().await;
    }
    let config: MonitorConfig = serde_json::from_value(serde_json::json!({
        "desired": {"hosts": [{
            "host": "oci-p-flex",
            "services": [{"name": "auth", "on": true, "containers": ["authelia-app", "authelia-redis"]}],
            "allowed_ports": [{"proto": "tcp", "port": 443}],
            "egress_quota": null
        }]}
    }))
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = HubOptions {
        store: StoreConfig::new(&path),
        expected_hosts: vec!["oci-p-flex".into()],
    };
    let hub = tokio::spawn(serve(
        listener,
        options,
        config,
        Duration::from_millis(300),
        async move {
            let _ = stopped.await;
        },
    ));
    let mut names = Vec::new();
    for _ in 0..100 {
        let (status, body) = common::get(&format!("http://{addr}/api/v1/alerts"), None).await;
        assert_eq!(status, 200, "{body}");
        names = body["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                format!(
                    "{} {}",
                    a["alertname"].as_str().unwrap(),
                    a["cause"].as_str().unwrap()
                )
            })
            .collect();
        if names.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("drift_not_running container authelia-redis does not exist")),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("port_exposed process authelia in container authelia-app")),
        "{names:?}"
    );
    let (status, body) = common::get(&format!("http://{addr}/api/v1/probes"), None).await;
    assert_eq!(
        (status, body["probes"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    let _ = stop.send(());
    hub.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_specs_checks_and_overrides_become_probes_and_rules() {
    let mut spec = cloudctl_spec::default_spec().unwrap();
    let (config, _) = config_from_spec(&spec);
    // The default spec checks the mail suite's SMTP and IMAP, on the mail service's host.
    let smtp = config
        .probes
        .iter()
        .find(|p| p.name == "mail-smtp-submission")
        .expect("the mail suite's SMTP check is a probe");
    assert!(matches!(smtp.check, ProbeKind::Smtp(_)));
    assert_eq!(
        (smtp.host.as_deref(), smtp.service.as_deref()),
        (Some("oci-f-micro_1"), Some("mail"))
    );
    assert!(matches!(
        config
            .probes
            .iter()
            .find(|p| p.name == "mail-imaps")
            .map(|p| &p.check),
        Some(ProbeKind::Imap(_))
    ));
    // Overrides: oci-p-flex_1's disk alerts at 95%, other limits stay the defaults.
    let flex = &config.rules.hosts["oci-p-flex_1"];
    assert_eq!(flex.disk_pct, Some(95.0));
    assert_eq!(flex.cpu_pct, None);

    // Checks against real servers of this test: a listener (up) and a closed port (down); and a
    // database check whose password secret is not set is left out, with a warning naming it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let check =
        |v: serde_json::Value| -> cloudctl_spec::Check { serde_json::from_value(v).unwrap() };
    spec.monitoring.checks.clear();
    spec.monitoring.checks.insert(
        "db-up".into(),
        check(serde_json::json!({"kind": "tcp", "target": listener.local_addr().unwrap().to_string(), "service": "mail", "timeout": "2s"})),
    );
    spec.monitoring.checks.insert(
        "db-down".into(),
        check(serde_json::json!({"kind": "tcp", "target": closed.to_string(), "host": "oci-p-flex_1", "retries": 1})),
    );
    spec.monitoring.checks.insert(
        "db-login".into(),
        check(serde_json::json!({"kind": "postgres", "target": "127.0.0.1:5432", "user": "cloudctl", "password": "hub_alert_webhook"})),
    );
    let secret_env = spec.secrets["hub_alert_webhook"].env.clone();
    let (config, warnings) = config_from_spec(&spec);
    let find = |name: &str| config.probes.iter().find(|p| p.name == name);
    if secret_env.is_some_and(|v| std::env::var(v).is_err()) {
        assert!(find("db-login").is_none());
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("monitoring.checks.db-login:")
                    && w.contains("hub_alert_webhook")),
            "{warnings:?}"
        );
    }
    let up = find("db-up").unwrap();
    assert_eq!(up.timeout, Duration::from_secs(2));
    assert_eq!(
        up.interval,
        Duration::from_secs(30),
        "the spec's probe interval"
    );
    let run = |def: &cloudctl_probes::ProbeDef| {
        let def = def.clone();
        async move {
            let probe = cloudctl_probes::build(&def).unwrap();
            cloudctl_probes::run_once(&def, probe.as_ref()).await
        }
    };
    let result = run(up).await;
    assert!(result.ok, "{result:?}");
    assert_eq!(result.service.as_deref(), Some("mail"));
    let down = find("db-down").unwrap();
    assert_eq!(down.retries, 1);
    let result = run(down).await;
    assert!(!result.ok);
    assert_eq!(result.attempts, 2, "one retry");
    assert!(
        result
            .failure
            .as_ref()
            .is_some_and(|f| f.message.contains("refused")),
        "{result:?}"
    );
}
