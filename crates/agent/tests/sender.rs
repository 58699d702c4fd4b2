//! The sender against a small real HTTP server on port 0: 503 then 200 (spooled batches are
//! replayed in order, each acknowledged once), a full spool (the oldest are dropped and the count
//! is reported), a refused batch (not resent), and a refused token (data kept in the spool).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use cloudctl_agent::spool::Spool;
use cloudctl_agent::{Agent, Config, HubConfig, Token};
use cloudctl_wire::ingest::{ErrorBody, INGEST_PATH, IngestAck, parse_bearer};
use cloudctl_wire::{Encoding, Limits, decode};
use tokio::sync::oneshot;

const TOKEN: &str = "test-token-d41d8cd9";

/// What the server answers for one request: (seq, request number, seconds since start).
type Policy = Box<dyn Fn(u64, usize, f64) -> StatusCode + Send>;

struct Hub {
    started: Instant,
    policy: Policy,
    /// Every request: (seq, dropped, status answered).
    log: Vec<(u64, u64, u16)>,
}

type Shared = Arc<Mutex<Hub>>;

async fn ingest(
    State(hub): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_bearer);
    assert_eq!(auth, Some(TOKEN), "the agent sends its bearer token");
    let encoding = Encoding::from_header(
        headers
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
    )
    .unwrap();
    assert_eq!(encoding, Encoding::Zstd);
    let batch = decode(&body, encoding, &Limits::default()).expect("the agent sends valid batches");
    assert_eq!(batch.host_id, "sender-test");
    let mut hub = hub.lock().unwrap();
    let n = hub.log.len();
    let status = (hub.policy)(batch.seq, n, hub.started.elapsed().as_secs_f64());
    let duplicate = hub
        .log
        .iter()
        .any(|&(s, _, st)| s == batch.seq && st == 200);
    hub.log.push((batch.seq, batch.dropped, status.as_u16()));
    let body = if status.is_success() {
        serde_json::to_string(&IngestAck {
            acked_seq: batch.seq,
            duplicate,
        })
        .unwrap()
    } else {
        serde_json::to_string(&ErrorBody {
            error: format!("test says {status}"),
            hint: Some("none".to_owned()),
        })
        .unwrap()
    };
    (status, body)
}

async fn start_hub(policy: Policy) -> (String, Shared) {
    let hub = Arc::new(Mutex::new(Hub {
        started: Instant::now(),
        policy,
        log: Vec::new(),
    }));
    let app = axum::Router::new()
        .route(INGEST_PATH, post(ingest))
        .with_state(hub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hub)
}

fn agent(url: &str, spool_dir: &std::path::Path, spool_max: u64) -> Agent {
    let mut config = Config::new("sender-test", spool_dir);
    config.interval = Duration::from_millis(100);
    config.spool_max_bytes = spool_max;
    config.docker_socket = spool_dir.join("no-docker.sock");
    let mut hub = HubConfig::new(url, Token::new(TOKEN));
    hub.timeout = Duration::from_secs(3);
    config.hub = Some(hub);
    Agent::new(config).unwrap()
}

/// Run the agent until `done` holds for the hub's log (or 30 s pass), then stop it.
async fn run_until(agent: Agent, hub: &Shared, done: impl Fn(&[(u64, u64, u16)]) -> bool) {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(agent.run(async move {
        let _ = stopped.await;
    }));
    let start = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if done(&hub.lock().unwrap().log) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out: {:?}",
            hub.lock().unwrap().log
        );
    }
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}

fn acked(log: &[(u64, u64, u16)]) -> Vec<u64> {
    log.iter().filter(|e| e.2 == 200).map(|e| e.0).collect()
}

#[tokio::test(flavor = "current_thread")]
async fn replays_in_order_after_503_then_acks_each_once() {
    let dir = tempfile::tempdir().unwrap();
    let (url, hub) = start_hub(Box::new(|_, _, secs| {
        if secs < 1.5 {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        }
    }))
    .await;
    run_until(agent(&url, dir.path(), 64 << 20), &hub, |log| {
        acked(log).len() >= 25
    })
    .await;

    let log = hub.lock().unwrap().log.clone();
    assert!(
        log.iter().any(|e| e.2 == 503),
        "the hub answered 503 first: {log:?}"
    );
    let acked = acked(&log);
    // In order, from 1, no gaps, each acknowledged exactly once.
    let expected: Vec<u64> = (1..=acked.len() as u64).collect();
    assert_eq!(acked, expected, "{log:?}");
    // Every batch the hub refused with 503 was delivered later.
    for (seq, _, status) in &log {
        if *status == 503 {
            assert!(acked.contains(seq), "seq {seq} was never delivered");
        }
    }
    // What was not acknowledged when the agent stopped is in the spool, after the acked ones.
    let spool = Spool::open(dir.path(), 64 << 20).unwrap();
    if let Some((first, _)) = spool.front().unwrap() {
        assert_eq!(first, *acked.last().unwrap() + 1);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_full_spool_drops_the_oldest_and_reports_how_many() {
    let dir = tempfile::tempdir().unwrap();
    let (url, hub) = start_hub(Box::new(|_, _, secs| {
        if secs < 2.0 {
            StatusCode::BAD_GATEWAY
        } else {
            StatusCode::OK
        }
    }))
    .await;
    // Room for only a few batches (each is a few KiB compressed).
    let spool_max = 12 << 10;
    run_until(agent(&url, dir.path(), spool_max), &hub, |log| {
        acked(log).len() >= 8
    })
    .await;

    let log = hub.lock().unwrap().log.clone();
    let acked = acked(&log);
    let reported: u64 = log.iter().filter(|e| e.2 == 200).map(|e| e.1).sum();
    assert!(reported > 0, "drops were reported: {log:?}");
    // The dropped batches are exactly the missing sequence numbers, and they are the oldest.
    let last = *acked.last().unwrap();
    let missing: Vec<u64> = (1..=last).filter(|s| !acked.contains(s)).collect();
    assert_eq!(missing.len() as u64, reported, "{log:?}");
    let first_kept = acked[0];
    assert!(
        missing.iter().all(|&m| m < first_kept),
        "only the oldest are dropped: {missing:?} {acked:?}"
    );
    let mut sorted = acked.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, acked, "delivered in order");
}

#[tokio::test(flavor = "current_thread")]
async fn a_refused_batch_is_not_resent() {
    let dir = tempfile::tempdir().unwrap();
    let (url, hub) = start_hub(Box::new(|seq, _, _| {
        if seq == 2 {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        }
    }))
    .await;
    run_until(agent(&url, dir.path(), 64 << 20), &hub, |log| {
        acked(log).len() >= 6
    })
    .await;
    let log = hub.lock().unwrap().log.clone();
    assert_eq!(
        log.iter().filter(|e| e.0 == 2).count(),
        1,
        "seq 2 was sent once: {log:?}"
    );
    assert!(acked(&log).starts_with(&[1, 3, 4]), "{log:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_refused_token_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let (url, hub) = start_hub(Box::new(|_, _, _| StatusCode::UNAUTHORIZED)).await;
    let started = Instant::now();
    run_until(agent(&url, dir.path(), 64 << 20), &hub, |_| {
        started.elapsed() > Duration::from_millis(1200)
    })
    .await;
    let log = hub.lock().unwrap().log.clone();
    assert_eq!(
        log.len(),
        1,
        "after a 401 the agent waits the longest backoff: {log:?}"
    );
    let spool = Spool::open(dir.path(), 64 << 20).unwrap();
    // Every batch collected is kept: the refused one and all since.
    assert_eq!(spool.front().unwrap().unwrap().0, 1);
    assert!(spool.len() >= 8, "{} batches spooled", spool.len());
    assert_eq!(spool.dropped(), 0);
}
