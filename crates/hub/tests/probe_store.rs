//! Probe runs in the real SQLite store: uptime windows over hourly buckets at a time the test
//! chooses, raw and hourly history, replays that never count twice, agent probes stored with
//! their batch, and retention.

#[path = "common/mod.rs"]
mod common;

use cloudctl_hub::convert;
use cloudctl_hub::store::probes::{self, summaries};
use cloudctl_hub::store::{ProbeRun, ProbeSource, Retention, Store, StoreConfig, open_connection};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// A fixed "now": 2026-11-26 12:30 UTC.
const NOW: i64 = 1_795_696_200_000;

fn run(name: &str, ts_ms: i64, ok: bool, latency: f64) -> ProbeRun {
    ProbeRun {
        name: name.into(),
        kind: "http".into(),
        source: ProbeSource::Hub,
        host: Some("gcp-f-micro_1".into()),
        service: Some("vault".into()),
        target: Some("https://vault.example.org".into()),
        ts_ms,
        ok,
        latency_ms: Some(latency),
        error: (!ok).then(|| "connection refused".to_owned()),
    }
}

#[test]
fn uptime_windows_come_from_hourly_buckets_at_the_given_time() {
    let dir = tempfile::tempdir().unwrap();
    let conn = open_connection(&dir.path().join("hub.db"), 1024).unwrap();
    let mut runs = Vec::new();
    // The last 24 h: 3 of 4 runs passed.
    for (i, ok) in [true, true, false, true].into_iter().enumerate() {
        runs.push(run(
            "vault-http",
            NOW - i as i64 * 5 * HOUR,
            ok,
            10.0 + i as f64,
        ));
    }
    // 3 days ago: 4 failures (in the 7 d window, not the 24 h one).
    for i in 0..4 {
        runs.push(run("vault-http", NOW - 3 * DAY - i * 60_000, false, 50.0));
    }
    // 20 days ago: 8 passes (30 d window); 200 days ago: 4 failures (365 d window).
    for i in 0..8 {
        runs.push(run("vault-http", NOW - 20 * DAY - i * 60_000, true, 5.0));
    }
    for i in 0..4 {
        runs.push(run("vault-http", NOW - 200 * DAY - i * 60_000, false, 5.0));
    }
    assert_eq!(probes::write_runs(&conn, &runs).unwrap(), runs.len());
    // A replay of the same runs stores nothing and counts nothing twice.
    assert_eq!(probes::write_runs(&conn, &runs).unwrap(), 0);

    let list = summaries(&conn, NOW).unwrap();
    assert_eq!(list.len(), 1);
    let s = &list[0];
    assert_eq!(s.runs_24h, 4);
    assert_eq!(s.uptime.day, Some(75.0));
    assert_eq!(s.uptime.week, Some(3.0 * 100.0 / 8.0));
    assert_eq!(s.uptime.month, Some(11.0 * 100.0 / 16.0));
    assert_eq!(s.uptime.year, Some(11.0 * 100.0 / 20.0));
    // The cheap read for every request has the same 24 h figure and leaves the long windows out.
    let recent = probes::recent(&conn, NOW).unwrap();
    assert_eq!((recent[0].uptime.day, recent[0].runs_24h), (Some(75.0), 4));
    assert_eq!(recent[0].uptime.week, None);
    // The latest state is the newest run, whatever the order of writing.
    assert!(s.last_ok);
    assert_eq!(s.last_ts_ms, NOW);
    assert_eq!(s.target.as_deref(), Some("https://vault.example.org"));

    // History: raw runs in the last day; hourly buckets with latency statistics over 4 days.
    let raw = probes::history(&conn, "vault-http", NOW - DAY, NOW + 1, true)
        .unwrap()
        .unwrap();
    assert_eq!(raw.len(), 4);
    assert_eq!(raw[1].error.as_deref(), Some("connection refused"));
    let hourly = probes::history(&conn, "vault-http", NOW - 4 * DAY, NOW + 1, false)
        .unwrap()
        .unwrap();
    let failures = hourly
        .iter()
        .find(|p| p.runs == 4)
        .expect("the 3-day-old hour");
    assert_eq!((failures.passed, failures.latency_avg), (0, Some(50.0)));
    assert!(
        probes::history(&conn, "nope", 0, NOW, true)
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_probe_with_no_run_in_a_window_has_no_uptime_there() {
    let dir = tempfile::tempdir().unwrap();
    let conn = open_connection(&dir.path().join("hub.db"), 1024).unwrap();
    probes::write_runs(&conn, &[run("old-http", NOW - 10 * DAY, true, 1.0)]).unwrap();
    let s = &summaries(&conn, NOW).unwrap()[0];
    assert_eq!((s.uptime.day, s.uptime.week), (None, None));
    assert_eq!((s.uptime.month, s.uptime.year), (Some(100.0), Some(100.0)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_probes_are_stored_with_their_batch_once_and_kept_as_long_as_raw_samples() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    let store = Store::open(StoreConfig::new(&path)).unwrap();
    let now = cloudctl_hub::clock::now_ms();
    let mut batch = common::batch("oci-f-micro_1", 1, now);
    batch.samples[0].probes = vec![
        cloudctl_wire::ProbeResult {
            name: "vault-app".into(),
            target: "container://vault-app:80".into(),
            ok: true,
            latency_ms: Some(0.4),
            error: None,
        },
        cloudctl_wire::ProbeResult {
            name: "vault-db".into(),
            target: "container://vault-db:5432".into(),
            ok: false,
            latency_ms: None,
            error: Some("container vault-db is exited".into()),
        },
    ];
    let record = convert::batch_record(&batch, now);
    store.ingest(record.clone()).await.unwrap();
    // The same batch again (an agent's replay after a lost answer): a duplicate, nothing counted.
    store.ingest(record).await.unwrap();
    let list = store.read(move |conn| summaries(conn, now)).await.unwrap();
    let names: Vec<_> = list.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["oci-f-micro_1/vault-app", "oci-f-micro_1/vault-db"]);
    assert_eq!((list[0].source.as_str(), list[0].runs_24h), ("agent", 1));
    assert_eq!(
        list[1].last_error.as_deref(),
        Some("container vault-db is exited")
    );
    assert_eq!(list[1].uptime.day, Some(0.0));
    store.close().await;

    // Retention: with raw kept 1 ms, the runs go; the hourly buckets (uptime) stay.
    let mut config = StoreConfig::new(&path);
    config.retention = Retention {
        raw: std::time::Duration::from_millis(1),
        ..Retention::default()
    };
    let store = Store::open(config).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let report = store.enforce_retention().await.unwrap();
    assert_eq!(report.probe_runs, 2);
    assert_eq!(report.probe_hours, 0);
    let list = store.read(move |conn| summaries(conn, now)).await.unwrap();
    assert_eq!(list[0].uptime.day, Some(100.0));
    store.close().await;
}
