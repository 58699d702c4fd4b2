//! `cloudctl alerts` as a user runs it, against a hub serving probes and alerts
//! (`cloudctl_hub::monitor::serve`) whose store holds an agent's batch: list, silence add/list/
//! expire, history, test-notify, and the errors a user meets (bad matcher, no hub).

use std::process::Command;
use std::time::Duration;

use cloudctl_alerts::monitor::MonitorConfig;
use cloudctl_hub::store::{Store, StoreConfig};
use cloudctl_hub::{HubOptions, convert};
use cloudctl_wire::{Batch, Container, Containers, Sample, WIRE_VERSION};

fn cloudctl(hub: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cloudctl"))
        .arg("alerts")
        .args(args)
        .env("CLOUDCTL_HUB", hub)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn batch(now_ms: i64) -> Batch {
    let sample = Sample {
        ts_ms: now_ms,
        containers: Some(Containers {
            available: true,
            reason: None,
            list: vec![Container {
                id: "1".into(),
                name: "mystery".into(),
                image: "localhost/busybox:test".into(),
                state: "running".into(),
                ..Container::default()
            }],
        }),
        ..Sample::default()
    };
    Batch {
        wire_version: WIRE_VERSION,
        host_id: "oci-p-flex".into(),
        agent_version: "test".into(),
        seq: 1,
        dropped: 0,
        samples: vec![sample],
    }
}

#[test]
fn list_silence_history_and_test_notify_through_a_hub() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let now_ms = cloudctl_hub::clock::now_ms();
    let target = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target_addr = target.local_addr().unwrap().to_string();
    let (hub, stop) = rt.block_on(async {
        let store = Store::open(StoreConfig::new(&path)).unwrap();
        store.ingest(convert::batch_record(&batch(now_ms), now_ms)).await.unwrap();
        store.close().await;
        let config: MonitorConfig = serde_json::from_value(serde_json::json!({
            "desired": {"hosts": [{"host": "oci-p-flex", "services": [], "allowed_ports": [], "egress_quota": null}]},
            "probes": [{"name": "local-tcp", "kind": "tcp", "address": target_addr, "interval": "200ms", "timeout": "1s"}]
        }))
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hub = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let options = HubOptions { store: StoreConfig::new(&path), expected_hosts: vec![] };
        tokio::spawn(cloudctl_hub::monitor::serve(listener, options, config, Duration::from_millis(200), async move {
            let _ = stopped.await;
        }));
        (hub, stop)
    });

    let mut listed = String::new();
    for _ in 0..50 {
        let (ok, out, err) = cloudctl(&hub, &["list"]);
        assert!(ok, "{err}");
        listed = out;
        if listed.contains("mystery") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(listed.contains("firing   warning   container mystery runs on oci-p-flex but no service in the spec has it"), "{listed}");
    assert!(
        listed.contains("cause: container mystery runs image localhost/busybox:test"),
        "{listed}"
    );

    let (ok, _, err) = cloudctl(&hub, &["silence", "add", "host", "--for", "1h"]);
    assert!(!ok);
    assert!(
        err.contains("needs the form label=value") && err.contains("hint:"),
        "{err}"
    );
    let (ok, out, err) = cloudctl(
        &hub,
        &[
            "silence",
            "add",
            "container=myst*",
            "--for",
            "1h",
            "--comment",
            "known",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(out, "Silence s1 added.\n");
    let (_, out, _) = cloudctl(&hub, &["silence", "list"]);
    assert!(
        out.starts_with("s1     active")
            && out.contains("container=myst*")
            && out.contains("known"),
        "{out}"
    );
    // The silence applies from the next evaluation (every 200 ms here).
    let mut out = String::new();
    for _ in 0..50 {
        out = cloudctl(&hub, &["list"]).1;
        if out.contains("(silenced)") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(out.contains("(silenced)"), "{out}");
    let (ok, out, _) = cloudctl(&hub, &["silence", "expire", "s1"]);
    assert!(ok && out == "Silence s1 expired.\n", "{out}");
    let (ok, _, err) = cloudctl(&hub, &["silence", "expire", "s9"]);
    assert!(!ok && err.contains("no silence `s9`"), "{err}");

    let (ok, out, _) = cloudctl(&hub, &["history"]);
    assert!(
        ok && out.contains("firing") && out.contains("drift_unknown_container"),
        "{out}"
    );
    // Probes: a real TCP probe of a listener of this test, with its uptime.
    let (ok, out, err) = cloudctl(&hub, &["probes"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("PROBE")
            && out.contains("local-tcp")
            && out.contains("up")
            && out.contains("100.00%"),
        "{out}"
    );
    let (ok, out, _) = cloudctl(&hub, &["--json", "list"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(ok && json["alerts"].as_array().is_some_and(|a| !a.is_empty()));
    let (ok, out, err) = cloudctl(&hub, &["test-notify", "--severity", "warning"]);
    assert!(ok, "{err}");
    assert!(out.contains("queued"), "{out}");

    let _ = stop.send(());
    drop(rt);
    let (ok, _, err) = cloudctl(&hub, &["list"]);
    assert!(!ok && err.contains("is `cloudctl hub` running?"), "{err}");
}
