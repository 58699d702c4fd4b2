//! The hub's benchmark (not a test): prints figures and ratios, asserts nothing.
//!
//! - `ingest`: batches POSTed over HTTP to a hub in this process, the whole process pinned to one
//!   CPU core; samples (numeric points) committed per second, against a peer measured in the same
//!   run: bare SQLite inserts of the same points (one row per point, same durability settings).
//! - `rss`: the real `cloudctl hub` binary (`CLOUDCTL_BIN`) receiving 20 simulated hosts that send
//!   a batch every 10 s, then a replay storm; its resident memory (VmRSS, VmHWM).
//! - `query`: a 24 h series of one metric from a store holding 24 h of a host at 10 s, through
//!   the API, at the chosen resolution (1 min), against the same range at raw resolution.
//!
//! Run: `scripts/bench-hub.sh` (builds the release binary and runs all three), or
//! `cargo bench -p cloudctl-hub --bench hub -- [ingest|rss|query]`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cloudctl_hub::tokens::TokenKind;
use cloudctl_wire::ingest::INGEST_PATH;
use cloudctl_wire::{Batch, Container, ListeningSocket, Sample, SocketProto, WIRE_VERSION};
use common::{TestHub, encoded, post_batch, sample};

fn main() {
    let which: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let all = which.is_empty();
    let wants = |name: &str| all || which.iter().any(|w| w == name);
    if wants("ingest") {
        ingest();
    }
    if wants("query") {
        query();
    }
    if wants("rss") {
        rss();
    }
}

/// A sample the size of a busy free-tier VM: 2 cores, 3 filesystems, 4 interfaces, 10
/// containers, 30 sockets (about 170 numeric points).
fn busy_sample(ts_ms: i64, n: f64) -> Sample {
    let mut s = sample(ts_ms, n);
    let host = s.host.as_mut().unwrap();
    let fs = host.filesystems[0].clone();
    for mount in ["/var/lib/docker", "/srv"] {
        let mut f = fs.clone();
        f.mount_point = mount.into();
        host.filesystems.push(f);
    }
    let net = host.networks[0].clone();
    for name in ["lo", "docker0", "wg0"] {
        let mut i = net.clone();
        i.name = name.into();
        i.rx_bytes += n as u64;
        host.networks.push(i);
    }
    for dev in ["sda", "sdb", "dm-0"] {
        host.disks.push(cloudctl_wire::DiskIo {
            device: dev.into(),
            reads: n as u64,
            ..Default::default()
        });
    }
    let containers = s.containers.as_mut().unwrap();
    let c = containers.list[0].clone();
    containers.list = (0..10)
        .map(|i| Container {
            name: format!("service-{i}-app"),
            cpu_percent: Some(n % 7.0),
            net_rx_bytes: Some(n as u64 * 1000),
            net_tx_bytes: Some(n as u64 * 500),
            memory_limit_bytes: Some(256 << 20),
            ..c.clone()
        })
        .collect();
    let sock = s.sockets.as_ref().unwrap()[0].clone();
    s.sockets = Some(
        (0..30)
            .map(|i| ListeningSocket {
                port: 8000 + i,
                proto: SocketProto::Tcp,
                ..sock.clone()
            })
            .collect(),
    );
    s
}

fn points_per_sample() -> usize {
    let mut points = Vec::new();
    cloudctl_hub::convert::sample_points(&busy_sample(0, 1.0), &mut points);
    points.len()
}

fn batch_of(host: &str, seq: u64, samples: Vec<Sample>) -> Batch {
    Batch {
        wire_version: WIRE_VERSION,
        host_id: host.into(),
        agent_version: "bench".into(),
        seq,
        dropped: 0,
        samples,
    }
}

fn pin_to_one_core() -> bool {
    // Threads started from now on inherit the affinity of this (the main) thread.
    Command::new("taskset")
        .args(["-cp", "0", &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn ingest() {
    let pinned = pin_to_one_core();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let per_sample = points_per_sample();
    println!("== ingest (process pinned to one core: {pinned}; {per_sample} points per sample)");
    for (label, samples_per_batch, batches_per_host) in [
        ("live: 1 sample per batch", 1usize, 150u64),
        ("replay: 20 samples per batch", 20, 15),
    ] {
        let (rate, wall, points) = rt.block_on(async move {
            let hub = TestHub::start(true, &[]).await;
            let hosts: Vec<String> = (0..20).map(|i| format!("bench-{i:02}")).collect();
            let mut work = Vec::new();
            let t0 = cloudctl_hub::clock::now_ms() - 86_400_000;
            for (h, host) in hosts.iter().enumerate() {
                let token = hub.token(TokenKind::Host, host);
                let bodies: Vec<Vec<u8>> = (1..=batches_per_host)
                    .map(|seq| {
                        let samples = (0..samples_per_batch)
                            .map(|k| {
                                let tick = (seq - 1) * samples_per_batch as u64 + k as u64;
                                busy_sample(t0 + tick as i64 * 10_000 + h as i64, tick as f64)
                            })
                            .collect();
                        encoded(&batch_of(host, seq, samples))
                    })
                    .collect();
                work.push((token, bodies));
            }
            let url = hub.url(INGEST_PATH);
            let start = Instant::now();
            let mut tasks = Vec::new();
            for (token, bodies) in work {
                let url = url.clone();
                tasks.push(tokio::spawn(async move {
                    let client = common::client();
                    let headers = common::batch_headers(&token);
                    for body in bodies {
                        let (status, answer) =
                            common::send(&client, "POST", &url, &headers, body).await;
                        assert_eq!(status, 200, "{answer}");
                    }
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
            let wall = start.elapsed();
            let points = 20 * batches_per_host as usize * samples_per_batch * per_sample;
            hub.stop().await;
            (points as f64 / wall.as_secs_f64(), wall, points)
        });
        println!(
            "  hub, {label}: {points} samples in {:.2} s = {:.0} samples/s ({:.2}x the 50,000/s target)",
            wall.as_secs_f64(),
            rate,
            rate / 50_000.0
        );
        let peer = bare_sqlite(points, samples_per_batch * per_sample);
        println!(
            "  peer, bare SQLite inserts (one transaction per batch, synchronous=FULL): {:.0} rows/s; hub/peer = {:.2}",
            peer,
            rate / peer
        );
    }
}

/// The peer: the same number of rows, one INSERT each into a two-index-free table, committed in
/// the same batch sizes with the same durability.
fn bare_sqlite(rows: usize, per_batch: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let conn = cloudctl_hub::store::open_connection(&dir.path().join("peer.db"), 2048).unwrap();
    conn.execute_batch("CREATE TABLE t (series INTEGER, ts INTEGER, value REAL)")
        .unwrap();
    let start = Instant::now();
    let mut done = 0;
    while done < rows {
        conn.execute_batch("BEGIN").unwrap();
        {
            let mut stmt = conn
                .prepare_cached("INSERT INTO t VALUES (?1, ?2, ?3)")
                .unwrap();
            for i in 0..per_batch {
                stmt.execute((i as i64, done as i64, 1.5f64)).unwrap();
            }
        }
        conn.execute_batch("COMMIT").unwrap();
        done += per_batch;
    }
    rows as f64 / start.elapsed().as_secs_f64()
}

fn query() {
    println!("== query: 24 h of one metric");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let hub = TestHub::start(true, &[]).await;
        let host = "oci-f-micro_1";
        let now = cloudctl_hub::clock::now_ms();
        let ticks = 8640u64; // 24 h at 10 s
        let start = Instant::now();
        // Filled through the store directly (the ingest path is measured above).
        let per_batch = 60u64;
        for b in 0..ticks / per_batch {
            let samples = (0..per_batch)
                .map(|k| {
                    let tick = b * per_batch + k;
                    busy_sample(now - 86_400_000 + tick as i64 * 10_000, tick as f64)
                })
                .collect();
            let record = cloudctl_hub::convert::batch_record(&batch_of(host, b + 1, samples), now);
            hub.store.ingest(record).await.unwrap();
        }
        println!(
            "  filled 24 h x {} points in {:.1} s",
            points_per_sample(),
            start.elapsed().as_secs_f64()
        );
        let base = format!("/api/v1/hosts/{host}/series/cpu.user_seconds?labels=cpu=total");
        for (label, suffix) in [
            ("auto (1 min rollup)", "&last=24h"),
            ("peer: raw", "&last=24h&resolution=raw"),
        ] {
            let url = hub.url(&format!("{base}{suffix}"));
            let mut times = Vec::new();
            let mut n_points = 0;
            for _ in 0..50 {
                let t = Instant::now();
                let (status, body) = common::get(&url, None).await;
                times.push(t.elapsed());
                assert_eq!(status, 200, "{body}");
                n_points = body["series"][0]["points"].as_array().unwrap().len();
            }
            times.sort();
            let p50 = times[times.len() / 2];
            let p95 = times[times.len() * 95 / 100];
            println!(
                "  {label}: {n_points} points, p50 {:.2} ms, p95 {:.2} ms (target < 20 ms: {:.2}x)",
                ms(p50),
                ms(p95),
                ms(p95) / 20.0
            );
        }
        hub.stop().await;
    });
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn status_kib(pid: u32, key: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn rss() {
    println!("== rss: the real hub with 20 simulated hosts sending every 10 s");
    let Ok(bin) = std::env::var("CLOUDCTL_BIN") else {
        println!(
            "  skipped: set CLOUDCTL_BIN to a release cloudctl binary (scripts/bench-hub.sh does)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let hosts: Vec<String> = (0..20).map(|i| format!("vm-{i:02}")).collect();
    let tokens: Vec<String> = hosts
        .iter()
        .map(|h| {
            let out = Command::new(&bin)
                .args(["hub", "token", "create", h, "--db"])
                .arg(&db)
                .output()
                .unwrap();
            assert!(out.status.success());
            String::from_utf8(out.stdout).unwrap().trim().to_owned()
        })
        .collect();
    let mut child = Command::new(&bin)
        .args([
            "hub",
            "--no-monitor",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--db",
        ])
        .arg(&db)
        .env("CLOUDCTL_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let url = format!("http://127.0.0.1:{port}{INGEST_PATH}");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let wait = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            wait.elapsed() < Duration::from_secs(10),
            "hub did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let idle = status_kib(pid, "VmRSS:");
    let rounds: u64 = std::env::var("HUB_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    rt.block_on(async {
        let t0 = cloudctl_hub::clock::now_ms();
        let mut seq = 0;
        for round in 0..rounds {
            let tick = Instant::now();
            seq += 1;
            let mut tasks = Vec::new();
            for (i, (host, token)) in hosts.iter().zip(&tokens).enumerate() {
                let body = encoded(&batch_of(
                    host,
                    seq,
                    vec![busy_sample(t0 + round as i64 * 10_000 + i as i64, round as f64)],
                ));
                let (url, token) = (url.clone(), token.clone());
                // Spread over the 10 s like real agents.
                let delay = Duration::from_millis(i as u64 * 500);
                tasks.push(tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let (status, answer) = post_batch(&url, &token, body).await;
                    assert_eq!(status, 200, "{answer}");
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
            tokio::time::sleep(Duration::from_secs(10).saturating_sub(tick.elapsed())).await;
        }
        println!(
            "  after {rounds} rounds of 10 s: VmRSS {} KiB (idle {idle} KiB), VmHWM {} KiB; {:.2}x the 40 MiB target",
            status_kib(pid, "VmRSS:"),
            status_kib(pid, "VmHWM:"),
            status_kib(pid, "VmHWM:") as f64 / (40.0 * 1024.0)
        );
        // A replay storm: every host sends 100 spooled 20-sample batches at once.
        let mut tasks = Vec::new();
        for (i, (host, token)) in hosts.iter().zip(&tokens).enumerate() {
            let (url, token, host) = (url.clone(), token.clone(), host.clone());
            let first = seq + 1;
            tasks.push(tokio::spawn(async move {
                let client = common::client();
                let headers = common::batch_headers(&token);
                for s in first..first + 100 {
                    let samples = (0..20)
                        .map(|k| busy_sample(t0 + (s * 20 + k) as i64 * 10_000 + i as i64, k as f64))
                        .collect();
                    let body = encoded(&batch_of(&host, s, samples));
                    loop {
                        let (status, answer) =
                            common::send(&client, "POST", &url, &headers, body.clone()).await;
                        if status == 200 {
                            break;
                        }
                        // 503 = the hub shedding load; an agent backs off and retries.
                        assert_eq!(status, 503, "{answer}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        println!(
            "  after a replay storm (20 hosts x 100 batches x 20 samples, concurrently): VmRSS {} KiB, VmHWM {} KiB; {:.2}x the 40 MiB target",
            status_kib(pid, "VmRSS:"),
            status_kib(pid, "VmHWM:"),
            status_kib(pid, "VmHWM:") as f64 / (40.0 * 1024.0)
        );
    });
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();
}
