//! The scheduler against a real (test-owned) TCP server that answers PING slowly: probes spread
//! over their interval, a bound on runs in flight, and no overlapping runs of one probe.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cloudctl_probes::{ProbeDef, Scheduler};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// A server that answers any request with +PONG after `delay`, counting connections open at once.
async fn slow_pong(delay: Duration) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (open, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let peak_out = peak.clone();
    tokio::spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            let (open, peak) = (open.clone(), peak.clone());
            tokio::spawn(async move {
                let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                let mut buf = [0u8; 64];
                let _ = s.read(&mut buf).await;
                tokio::time::sleep(delay).await;
                let _ = s.write_all(b"+PONG\r\n").await;
                open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    (address, peak_out)
}

fn redis(name: &str, address: &str, interval_ms: u64) -> ProbeDef {
    serde_json::from_value(serde_json::json!({
        "name": name, "kind": "redis", "address": address,
        "interval": format!("{interval_ms}ms"), "timeout": "3s"
    }))
    .unwrap()
}

#[test]
fn probes_sharing_an_interval_are_spread_evenly_across_it() {
    let mut defs: Vec<ProbeDef> = (0..4)
        .map(|i| redis(&format!("a{i}"), "127.0.0.1:1", 40_000))
        .collect();
    defs.extend((0..2).map(|i| redis(&format!("b{i}"), "127.0.0.1:1", 10_000)));
    let s = Scheduler::new(defs, 4).unwrap();
    let secs: Vec<u64> = s.offsets().iter().map(|d| d.as_millis() as u64).collect();
    assert_eq!(secs, [0, 10_000, 20_000, 30_000, 0, 5_000]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_is_bounded_and_every_probe_runs() {
    let (address, peak) = slow_pong(Duration::from_millis(150)).await;
    // Six probes every 300 ms, each taking 150 ms: about three would overlap without the bound.
    let defs = (0..6)
        .map(|i| redis(&format!("p{i}"), &address, 300))
        .collect();
    let scheduler = Scheduler::new(defs, 2).unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let stats = scheduler
        .run(tx, tokio::time::sleep(Duration::from_millis(1300)))
        .await;
    let mut results = Vec::new();
    while let Ok(r) = rx.try_recv() {
        results.push(r);
    }
    assert!(
        peak.load(Ordering::SeqCst) <= 2,
        "peak {} runs at once",
        peak.load(Ordering::SeqCst)
    );
    assert!(results.len() >= 6, "only {} results", results.len());
    let names: HashSet<_> = results.iter().map(|r| r.name.clone()).collect();
    assert_eq!(names.len(), 6, "every probe ran");
    assert!(
        results.iter().all(|r| r.ok),
        "{:?}",
        results.iter().find(|r| !r.ok)
    );
    assert!(stats.runs >= results.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_slower_than_its_interval_is_not_run_twice_at_once() {
    let (address, peak) = slow_pong(Duration::from_millis(450)).await;
    let scheduler = Scheduler::new(vec![redis("slow", &address, 100)], 8).unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let stats = scheduler
        .run(tx, tokio::time::sleep(Duration::from_millis(1000)))
        .await;
    assert_eq!(peak.load(Ordering::SeqCst), 1);
    assert!(stats.skipped_overlapping >= 3, "{stats:?}");
    assert!(rx.recv().await.unwrap().ok);
}
