//! The monitor as the hub embeds it, served on a real socket and driven through the API client
//! that `cloudctl alerts` uses: active alerts, silences (bad and good requests), test
//! notifications reaching a real local webhook receiver, and probe uptime. Time is a fake clock.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use cloudctl_alerts::client::ApiClient;
use cloudctl_alerts::monitor::{Monitor, MonitorConfig};
use cloudctl_alerts::*;
use cloudctl_probes::{ProbeResult, TlsOptions};
use hyper::Method;
use serde_json::json;

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn probe_result(ok: bool) -> ProbeResult {
    ProbeResult {
        name: "vault-https".into(),
        kind: "http".into(),
        host: Some("oci-p-flex".into()),
        service: Some("vault".into()),
        started_at_ms: 1_760_000_000_000,
        ok,
        latency_ms: 12.0,
        attempts: 1,
        detail: None,
        failure: None,
    }
}

#[tokio::test]
async fn alerts_silences_test_notifications_and_probes_through_the_api() {
    let received: Arc<Mutex<Vec<Bytes>>> = Arc::default();
    let sink = received.clone();
    let receiver = serve(Router::new().fallback(move |body: Bytes| {
        let sink = sink.clone();
        async move {
            sink.lock().unwrap().push(body);
            "ok"
        }
    }))
    .await;

    let config: MonitorConfig = serde_json::from_value(json!({
        "desired": {"hosts": [{"host": "oci-p-flex", "services": [], "allowed_ports": [], "egress_quota": null}]},
        "notifiers": [{"name": "hook", "kind": "webhook", "url": format!("{receiver}/hook")}],
        "routes": [{"min_severity": "warning", "notifiers": ["hook"]}],
        "retry": {"attempts": 2, "first_delay": "50ms", "max_delay": "100ms", "timeout": "5s"}
    }))
    .unwrap();
    let now = Arc::new(AtomicI64::new(1_760_000_000));
    let clock_now = now.clone();
    let monitor =
        Monitor::new(&config, Arc::new(move || clock_now.load(Ordering::SeqCst))).unwrap();
    let hub = serve(monitor.routes().merge(monitor.probe_routes())).await;
    let api = ApiClient::new(&hub, None, TlsOptions::default()).unwrap();

    monitor.observe_host(HostFacts {
        host: "oci-p-flex".into(),
        last_seen: 1_760_000_000,
        interval_secs: 10,
        containers: Some(vec![ContainerFact {
            name: "mystery".into(),
            image: "localhost/busybox:test".into(),
            state: "running".into(),
            health: None,
            restart_count: 0,
            exit_code: None,
        }]),
        ..Default::default()
    });
    let fired = monitor.evaluate();
    assert_eq!(fired.len(), 1);
    let (status, body) = api.call(Method::GET, "/api/v1/alerts", None).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(body["alerts"][0]["alertname"], "drift_unknown_container");
    assert_eq!(body["alerts"][0]["labels"]["container"], "mystery");

    let (status, body) = api
        .call(
            Method::POST,
            "/api/v1/alerts/silences",
            Some(&json!({"matchers": ["host"], "duration": "2h"})),
        )
        .await
        .unwrap();
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("label=value"),
        "{body}"
    );
    assert!(body["hint"].is_string());
    let (status, body) = api
        .call(
            Method::POST,
            "/api/v1/alerts/silences",
            Some(&json!({"matchers": ["host=oci-p-flex"], "duration": "soon"})),
        )
        .await
        .unwrap();
    assert_eq!(status, 400, "{body}");
    let (status, body) = api
        .call(
            Method::POST,
            "/api/v1/alerts/silences",
            Some(&json!({"matchers": ["container=myst*"], "duration": "2h", "comment": "testing", "created_by": "diego"})),
        )
        .await
        .unwrap();
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(body["ends_at"], 1_760_000_000 + 7200);
    let (_, body) = api
        .call(Method::GET, "/api/v1/alerts/silences", None)
        .await
        .unwrap();
    assert_eq!(body["silences"][0]["active"], true);
    let (status, _) = api
        .call(Method::DELETE, "/api/v1/alerts/silences/nope", None)
        .await
        .unwrap();
    assert_eq!(status, 404);
    now.store(1_760_000_100, Ordering::SeqCst);
    let (status, _) = api
        .call(
            Method::DELETE,
            &format!("/api/v1/alerts/silences/{id}"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, 204);
    let (_, body) = api
        .call(Method::GET, "/api/v1/alerts/silences", None)
        .await
        .unwrap();
    assert_eq!(body["silences"][0]["active"], false);

    let (status, _) = api
        .call(Method::POST, "/api/v1/alerts/test-notify", None)
        .await
        .unwrap();
    assert_eq!(status, 202);
    for _ in 0..100 {
        if received.lock().unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let names: Vec<String> = received
        .lock()
        .unwrap()
        .iter()
        .map(|b| serde_json::from_slice::<Notification>(b).unwrap().alertname)
        .collect();
    assert!(
        names.contains(&"drift_unknown_container".to_owned())
            && names.contains(&"test_notification".to_owned()),
        "{names:?}"
    );
    let (_, body) = api
        .call(Method::GET, "/api/v1/alerts/history", None)
        .await
        .unwrap();
    assert_eq!(body["history"][0]["transition"], "firing");
    assert!(
        body["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["ok"] == true)
    );

    monitor.record_probe(probe_result(true));
    monitor.record_probe(probe_result(false));
    let (_, body) = api.call(Method::GET, "/api/v1/probes", None).await.unwrap();
    assert_eq!(body["probes"][0]["uptime_pct"], 50.0);
    assert_eq!(body["probes"][0]["latest"]["ok"], false);
}
