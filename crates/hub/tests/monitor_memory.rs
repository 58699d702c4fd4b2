//! The monitor's memory survives a restart of the hub: a real TCP probe against a listener of
//! this test (up, then down), its runs and uptime in `GET /api/v1/probes`, a silence made through
//! the API, and the alert history, all read back from the SQLite file by a second hub.

#[path = "common/mod.rs"]
mod common;

use std::time::Duration;

use cloudctl_alerts::monitor::MonitorConfig;
use cloudctl_hub::HubOptions;
use cloudctl_hub::monitor::{MonitorSetup, serve_with};
use cloudctl_hub::store::StoreConfig;
use serde_json::{Value, json};

struct RunningHub {
    addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<cloudctl_hub::Result<()>>,
}

async fn start(path: &std::path::Path, config: MonitorConfig) -> RunningHub {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = HubOptions {
        store: StoreConfig::new(path),
        expected_hosts: vec![],
    };
    let setup = MonitorSetup::new(config, Duration::from_millis(200));
    let task = tokio::spawn(serve_with(listener, options, setup, async move {
        let _ = stopped.await;
    }));
    RunningHub { addr, stop, task }
}

impl RunningHub {
    async fn get(&self, path: &str) -> Value {
        let (status, body) = common::get(&format!("http://{}{path}", self.addr), None).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}

fn probe<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    body["probes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_runs_silences_and_alert_history_outlive_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    let target = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = target.local_addr().unwrap().to_string();
    let config: MonitorConfig = serde_json::from_value(json!({
        "probes": [{
            "name": "db-tcp", "service": "db", "host": "local",
            "kind": "tcp", "address": address,
            "interval": "200ms", "timeout": "1s"
        }],
        "rules": {"defaults": {"probe_fail_after": 1, "probe_resolve_after": 1}}
    }))
    .unwrap();

    let hub = start(&path, config.clone()).await;
    // Up: the listener accepts (the kernel completes the handshake from its backlog).
    let mut up = Value::Null;
    for _ in 0..50 {
        up = hub.get("/api/v1/probes").await;
        if probe(&up, "db-tcp").is_some_and(|p| p["uptime"]["24h"] == 100.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let p = probe(&up, "db-tcp").expect("the probe is listed");
    assert_eq!(p["uptime"]["24h"], 100.0, "{up}");
    assert_eq!(p["source"], "hub");
    assert_eq!(p["target"], address);
    assert_eq!(p["latest"]["ok"], true);

    // Down: the port closes; the probe fails and its alert fires.
    drop(target);
    let mut alerts = Value::Null;
    for _ in 0..50 {
        alerts = hub.get("/api/v1/alerts").await;
        if alerts["alerts"].as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        alerts["alerts"][0]["alertname"], "probe_failing",
        "{alerts}"
    );
    let (status, made) = common::request(
        "POST",
        &format!("http://{}/api/v1/alerts/silences", hub.addr),
        &[("content-type", "application/json".into())],
        serde_json::to_vec(
            &json!({"matchers": ["probe=db-tcp"], "duration": "2h", "comment": "maintenance"}),
        )
        .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let before = hub.get("/api/v1/probes").await;
    let runs_before = probe(&before, "db-tcp").unwrap()["uptime"]["24h"]
        .as_f64()
        .unwrap();
    assert!(runs_before < 100.0, "{before}");
    hub.stop().await;

    // A second hub on the same file, whose probe cannot run yet (a long interval): what it shows
    // comes from the store.
    let mut later = config.clone();
    later.probes[0].interval = Duration::from_secs(3600);
    later.probes[0].timeout = Duration::from_millis(300);
    let hub = start(&path, later).await;
    let after = hub.get("/api/v1/probes").await;
    let p = probe(&after, "db-tcp").expect("the stored probe is listed after a restart");
    assert!(
        p["uptime"]["24h"].as_f64().unwrap() <= runs_before,
        "{after}"
    );
    assert_eq!(p["latest"]["service"], "db");
    let silences = hub.get("/api/v1/alerts/silences").await;
    assert_eq!(
        silences["silences"][0]["silence"]["comment"], "maintenance",
        "{silences}"
    );
    assert_eq!(silences["silences"][0]["active"], true);
    let history = hub.get("/api/v1/alerts/history").await;
    let transitions: Vec<&str> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["alertname"] == "probe_failing")
        .map(|h| h["transition"].as_str().unwrap())
        .collect();
    assert!(transitions.contains(&"firing"), "{history}");
    let runs = hub.get("/api/v1/probes/history?name=db-tcp&last=1h").await;
    let points = runs["points"].as_array().unwrap();
    assert!(points.iter().any(|p| p["passed"] == 1) && points.iter().any(|p| p["passed"] == 0));
    assert_eq!(runs["resolution"], "raw");
    let (status, bad) = common::get(
        &format!(
            "http://{}/api/v1/probes/history?name=db-tcp&last=soon",
            hub.addr
        ),
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert!(bad["hint"].as_str().unwrap().contains("last=24h"), "{bad}");
    let (status, _) = common::get(
        &format!("http://{}/api/v1/probes/history?name=nope", hub.addr),
        None,
    )
    .await;
    assert_eq!(status, 404);
    hub.stop().await;

    // The probe is taken out of the spec: no longer listed, its history still readable.
    let hub = start(&path, MonitorConfig::default()).await;
    let after = hub.get("/api/v1/probes").await;
    assert!(probe(&after, "db-tcp").is_none(), "{after}");
    let runs = hub.get("/api/v1/probes/history?name=db-tcp&last=1h").await;
    assert!(!runs["points"].as_array().unwrap().is_empty());
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_record_it_cannot_read_is_skipped_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    {
        let conn = cloudctl_hub::store::open_connection(&path, 1024).unwrap();
        let far = 4_000_000_000_i64;
        conn.execute(
            "INSERT INTO silences (id, ends_at, body) VALUES ('s1', ?1, '{\"not\": \"a silence\"}'), ('s2', ?1, ?2)",
            rusqlite::params![
                far,
                serde_json::to_string(&json!({
                    "id": "s2", "matchers": [{"label": "host", "op": "equal", "value": "vm"}],
                    "starts_at": 0, "ends_at": far, "created_by": "test", "comment": "kept"
                }))
                .unwrap()
            ],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO alert_history (at, entry) VALUES (1, 'garbage')",
            [],
        )
        .unwrap();
    }
    let hub = start(&path, MonitorConfig::default()).await;
    let silences = hub.get("/api/v1/alerts/silences").await;
    let ids: Vec<&str> = silences["silences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["silence"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["s2"], "{silences}");
    assert_eq!(
        hub.get("/api/v1/alerts/history").await["history"],
        json!([])
    );
    hub.stop().await;
}
