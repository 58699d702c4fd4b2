//! The dashboard's routes on a real socket: the published spec, charts, the change marker,
//! streamed exports, the embedded web build, and the OpenAPI description checked against what
//! the hub really serves.

mod common;

use std::time::Duration;

use cloudctl_hub::api::dashboard::published;
use cloudctl_hub::tokens::TokenKind;
use common::{TestHub, batch, encoded, get, post_batch};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;

/// Status, headers and body text of a GET.
async fn text(url: &str, headers: &[(&str, &str)]) -> (u16, hyper::HeaderMap, String) {
    let mut builder = hyper::Request::builder().method("GET").uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let response = common::client()
        .request(builder.body(Full::new(Bytes::new())).unwrap())
        .await
        .expect("the hub answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn publish(hub: &TestHub, manifest: &str, plan: &str) {
    let mut conn =
        cloudctl_hub::store::open_connection(&hub.dir.path().join("hub.db"), 512).unwrap();
    published::publish(&mut conn, manifest, plan, 1).unwrap();
}

/// `n` batches of host `vm1`, one second apart, ending now.
async fn feed(hub: &TestHub, n: u64) -> i64 {
    let token = hub.token(TokenKind::Host, "vm1");
    let now = cloudctl_hub::clock::now_ms();
    for seq in 1..=n {
        let ts = now - (n - seq) as i64 * 1000;
        let (s, e) = post_batch(
            &hub.url("/api/v1/ingest"),
            &token,
            encoded(&batch("vm1", seq, ts)),
        )
        .await;
        assert_eq!(s, 200, "{e}");
    }
    now
}

#[tokio::test]
async fn the_spec_is_served_once_published_and_a_clear_404_before() {
    let hub = TestHub::start(true, &["vm1"]).await;
    let (s, e) = get(&hub.url("/api/v1/manifest"), None).await;
    assert_eq!(s, 404);
    assert!(e["hint"].as_str().unwrap().contains("cloudctl up"), "{e}");
    publish(
        &hub,
        r#"{"resolved":{"services":[]}}"#,
        r#"{"capacity":[]}"#,
    );
    let (s, m) = get(&hub.url("/api/v1/manifest"), None).await;
    assert_eq!(s, 200);
    assert_eq!(m, serde_json::json!({"resolved": {"services": []}}));
    let (s, p) = get(&hub.url("/api/v1/plan"), None).await;
    assert_eq!(s, 200);
    assert_eq!(p, serde_json::json!({"capacity": []}));
    hub.stop().await;
}

#[tokio::test]
async fn charts_are_rates_and_percentages_of_the_stored_samples() {
    let hub = TestHub::start(true, &["vm1"]).await;
    feed(&hub, 5).await;
    let (s, c) = get(&hub.url("/api/v1/dashboard/charts?host=vm1&last=1h"), None).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["resolution"], "raw");
    // common::sample: user CPU grows 1 s per batch, idle stays: every second was busy.
    let cpu = c["cpu_pct"].as_array().unwrap();
    assert_eq!(cpu.len(), 4, "{c}");
    assert!(cpu.iter().all(|p| p[1] == 100.0), "{c}");
    // 1 GiB total, 600 MiB available.
    let mem = c["memory_pct"][0][1].as_f64().unwrap();
    assert!((mem - 41.40625).abs() < 1e-9, "{mem}");
    // 30 GiB, 20 free, 19 available to users: 10 / 29 as df shows it.
    let disk = c["disk_pct"][0][1].as_f64().unwrap();
    assert!((disk - 1000.0 / 29.0).abs() < 1e-9, "{disk}");
    // Network counters do not move in the sample.
    assert!(
        c["net_rx_bps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p[1] == 0.0)
    );

    let (s, e) = get(&hub.url("/api/v1/dashboard/charts?host=nope&last=1h"), None).await;
    assert_eq!(s, 404, "{e}");
    let (s, e) = get(&hub.url("/api/v1/dashboard/charts?last=1h"), None).await;
    assert_eq!(s, 400, "{e}");
    assert!(e["hint"].as_str().unwrap().contains("host="), "{e}");
    let (s, e) = get(&hub.url("/api/v1/dashboard/charts?host=vm1&last=5w"), None).await;
    assert_eq!(s, 400, "{e}");
    hub.stop().await;
}

#[tokio::test]
async fn the_change_marker_moves_with_every_batch() {
    let hub = TestHub::start(true, &["vm1"]).await;
    let (_, before) = get(&hub.url("/api/v1/dashboard/changes"), None).await;
    assert_eq!(before["batches"], 0);
    assert!(before["last_seen_ms"].is_null());
    feed(&hub, 2).await;
    let (_, after) = get(&hub.url("/api/v1/dashboard/changes"), None).await;
    assert_eq!(after["batches"], 2);
    assert_eq!(after["hosts"], 1);
    hub.stop().await;
}

#[tokio::test]
async fn exports_in_csv_json_and_markdown() {
    let hub = TestHub::start(true, &["vm1"]).await;
    feed(&hub, 3).await;

    let (s, h, csv) = text(
        &hub.url("/api/v1/export?format=csv&last=1h&metric=load.1"),
        &[],
    )
    .await;
    assert_eq!(s, 200, "{csv}");
    assert_eq!(h["content-type"], "text/csv; charset=utf-8");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "host,metric,labels,ts_ms,time,value,min,max");
    assert_eq!(lines.len(), 4, "{csv}");
    let values: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(5).unwrap())
        .collect();
    assert_eq!(values, ["1", "2", "3"]);

    let (s, _, json) = text(&hub.url("/api/v1/export?format=json&last=1h"), &[]).await;
    assert_eq!(s, 200);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("the export is JSON");
    let load = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["metric"] == "load.1")
        .expect("load.1 exported");
    assert_eq!(load["points"].as_array().unwrap().len(), 3);
    assert!(doc["series"].as_array().unwrap().len() > 20, "every series");

    let (s, _, md) = text(&hub.url("/api/v1/export?format=md&last=1h&host=vm1"), &[]).await;
    assert_eq!(s, 200);
    assert!(md.starts_with("# cloudctl report"), "{md}");
    assert!(md.contains("\n## vm1\n"), "{md}");
    assert!(md.contains("| load.1 |  | 3 | 1 | 1 | 2 | 3 | 3 |"), "{md}");

    let (s, _, e) = text(&hub.url("/api/v1/export?format=xls"), &[]).await;
    assert_eq!(s, 400, "{e}");
    assert!(e.contains("format=csv|json|md"), "{e}");
    let (s, _, e) = text(&hub.url("/api/v1/export?from=10&to=5"), &[]).await;
    assert_eq!(s, 400, "{e}");
    hub.stop().await;
}

#[tokio::test]
async fn a_large_export_streams_in_chunks() {
    let hub = TestHub::start(true, &["vm1"]).await;
    feed(&hub, 200).await;
    let response = common::client()
        .request(
            hyper::Request::get(hub.url("/api/v1/export?format=csv&last=1h"))
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // Streamed: no Content-Length, several body frames.
    assert!(response.headers().get("content-length").is_none());
    let mut body = response.into_body();
    let (mut frames, mut bytes) = (0, 0);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            frames += 1;
            bytes += data.len();
        }
    }
    assert!(
        bytes > 2 * cloudctl_hub::api::dashboard::export::CHUNK,
        "{bytes} bytes"
    );
    assert!(frames >= 2, "{frames} frames for {bytes} bytes");
    hub.stop().await;
}

#[tokio::test]
async fn the_web_build_is_served_beside_the_api() {
    let hub = TestHub::start(true, &[]).await;
    let (s, h, html) = text(&hub.url("/"), &[]).await;
    assert_eq!(s, 200);
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert_eq!(h["cache-control"], "no-cache");
    assert!(html.contains("./_app/immutable/"));
    // A hashed asset named in the page: cached for a year, gzip when asked.
    let asset = html
        .split("\"./")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .find(|p| p.starts_with("_app/") && p.ends_with(".js"))
        .expect("a hashed script in index.html");
    let (s, h, _) = text(
        &hub.url(&format!("/{asset}")),
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(h["content-encoding"], "gzip");
    // The API keeps its JSON 404, whatever the method.
    let (s, e) = get(&hub.url("/api/v1/nope"), None).await;
    assert_eq!(s, 404);
    assert_eq!(e["error"], "no such path");
    let (s, e) = common::request("POST", &hub.url("/somewhere"), &[], vec![]).await;
    assert_eq!(s, 404, "{e}");
    let (s, _, _) = text(&hub.url("/missing.js"), &[]).await;
    assert_eq!(s, 404);
    hub.stop().await;
}

#[tokio::test]
async fn dashboard_data_needs_a_read_token_off_loopback_but_the_page_does_not() {
    let hub = TestHub::start(false, &[]).await;
    publish(&hub, "{}", "{}");
    let (s, _) = get(&hub.url("/api/v1/manifest"), None).await;
    assert_eq!(s, 401);
    let (s, _) = get(&hub.url("/api/v1/export"), None).await;
    assert_eq!(s, 401);
    let reader = hub.token(TokenKind::Read, "dashboard");
    let (s, _) = get(&hub.url("/api/v1/manifest"), Some(&reader)).await;
    assert_eq!(s, 200);
    let (s, _, _) = text(&hub.url("/"), &[]).await;
    assert_eq!(s, 200);
    let (s, doc) = get(&hub.url("/api/v1/openapi.json"), None).await;
    assert_eq!(s, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    hub.stop().await;
}

/// Every GET the OpenAPI description documents is served by a hub with its monitor (not the
/// router's "no such path"), with the documented example parameters.
#[tokio::test]
async fn every_documented_get_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    {
        let mut conn = cloudctl_hub::store::open_connection(&db, 512).unwrap();
        published::publish(&mut conn, "{}", "{}", 1).unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = cloudctl_hub::HubOptions {
        store: cloudctl_hub::store::StoreConfig::new(&db),
        expected_hosts: vec!["oci-p-flex_1".into()],
    };
    let server = tokio::spawn(cloudctl_hub::monitor::serve(
        listener,
        options,
        Default::default(),
        Duration::from_secs(1),
        async move {
            let _ = stopped.await;
        },
    ));
    // Data for the example host and metric.
    let conn = cloudctl_hub::store::open_connection(&db, 512).unwrap();
    let token = cloudctl_hub::tokens::create(&conn, TokenKind::Host, "oci-p-flex_1", 1)
        .unwrap()
        .secret
        .expose()
        .to_owned();
    let (s, e) = post_batch(
        &format!("http://{addr}/api/v1/ingest"),
        &token,
        encoded(&batch("oci-p-flex_1", 1, cloudctl_hub::clock::now_ms())),
    )
    .await;
    assert_eq!(s, 200, "{e}");

    let doc: serde_json::Value =
        serde_json::from_str(cloudctl_hub::api::openapi::OPENAPI_JSON).unwrap();
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let Some(op) = ops.get("get") else { continue };
        let mut url = path.clone();
        let mut query = Vec::new();
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap();
            let Some(example) = p.get("example") else {
                continue;
            };
            let value = example
                .as_str()
                .map_or_else(|| example.to_string(), str::to_owned);
            if p["in"] == "path" {
                url = url.replace(&format!("{{{name}}}"), &value);
            } else if p["required"] == true || name == "last" {
                query.push(format!("{name}={value}"));
            }
        }
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }
        let (s, _, body) = text(&format!("http://{addr}{url}"), &[]).await;
        assert!(
            (200..300).contains(&s),
            "GET {url} is documented but answered {s}: {body}"
        );
        checked += 1;
    }
    assert!(checked >= 15, "{checked} documented GETs");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
