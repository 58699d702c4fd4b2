//! Benchmark: 1,000 HTTP probes against a local nginx every 30 s, run by this crate's scheduler,
//! then the same load run by Prometheus' blackbox exporter (the peer, measured in the same run).
//! Prints each side's CPU (percent of one core) and extra resident memory, and the ratios.
//!
//! `cargo bench -p cloudctl-probes --bench http_probes` runs it (90 s per side; set
//! `CLOUDCTL_BENCH_SECS` to change). Under `cargo test` it runs a short smoke version instead, so
//! the test command still checks that it works.

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cloudctl_probes::{ProbeDef, Scheduler};
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;

const INTERVAL: Duration = Duration::from_secs(30);

/// Clock ticks per second for /proc times (USER_HZ, 100 on Linux everywhere that matters).
const TICKS: f64 = 100.0;

fn cpu_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / TICKS
}

fn rss_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

struct Measure {
    cpu_pct: f64,
    extra_rss_kib: u64,
    peak_extra_rss_kib: u64,
    ok: u64,
    failed: u64,
}

/// Samples a process's RSS every second while `work` runs; CPU is measured over the whole span.
async fn measure<F: std::future::Future<Output = (u64, u64)>>(
    pid: &str,
    baseline_kib: u64,
    work: F,
) -> Measure {
    static PEAK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    PEAK.store(0, std::sync::atomic::Ordering::Relaxed);
    let started = Instant::now();
    let cpu0 = cpu_secs(pid);
    let pid_owned = pid.to_owned();
    let sampler = tokio::spawn(async move {
        // Aborted when the work ends; the peak is read from the shared cell.
        loop {
            PEAK.fetch_max(rss_kib(&pid_owned), std::sync::atomic::Ordering::Relaxed);
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let (ok, failed) = work.await;
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_secs(pid) - cpu0;
    let end = rss_kib(pid);
    sampler.abort();
    let _ = sampler.await;
    let peak = PEAK.load(std::sync::atomic::Ordering::Relaxed).max(end);
    Measure {
        cpu_pct: cpu / wall * 100.0,
        extra_rss_kib: end.saturating_sub(baseline_kib),
        peak_extra_rss_kib: peak.saturating_sub(baseline_kib),
        ok,
        failed,
    }
}

async fn ours(url: &str, probes: usize, run_for: Duration) -> Measure {
    let me = std::process::id().to_string();
    let baseline = rss_kib(&me);
    measure(&me, baseline, async {
        let defs: Vec<ProbeDef> = (0..probes)
            .map(|i| {
                serde_json::from_value(serde_json::json!({
                    "name": format!("svc-{i}"), "kind": "http", "url": url, "keyword": "Vaultwarden",
                    "interval": humantime::format_duration(INTERVAL).to_string(), "timeout": "10s"
                }))
                .unwrap()
            })
            .collect();
        let scheduler = Scheduler::new(defs, 16).unwrap();
        let (tx, mut rx) = mpsc::channel::<cloudctl_probes::ProbeResult>(256);
        let counter = tokio::spawn(async move {
            let (mut ok, mut failed) = (0u64, 0u64);
            while let Some(r) = rx.recv().await {
                if r.ok { ok += 1 } else { failed += 1 }
            }
            (ok, failed)
        });
        scheduler.run(tx, tokio::time::sleep(run_for)).await;
        counter.await.unwrap()
    })
    .await
}

/// One GET to the blackbox exporter's /probe; true when it reports probe_success 1.
async fn blackbox_probe(exporter: &str, target: &str) -> bool {
    let Ok(stream) = tokio::net::TcpStream::connect(exporter).await else {
        return false;
    };
    let Ok((mut sender, conn)) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
    else {
        return false;
    };
    let driver = tokio::spawn(conn);
    let request = Request::get(format!("/probe?module=http_keyword&target={target}"))
        .header("host", exporter)
        .body(Empty::<Bytes>::new())
        .unwrap();
    let ok = match sender.send_request(request).await {
        Ok(resp) => {
            let body = resp
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            String::from_utf8_lossy(&body)
                .lines()
                .any(|l| l == "probe_success 1")
        }
        Err(_) => false,
    };
    driver.abort();
    ok
}

async fn peer(url: &str, probes: usize, run_for: Duration) -> Option<Measure> {
    let exe = std::path::Path::new("/usr/bin/prometheus-blackbox-exporter");
    if !exe.exists() {
        eprintln!(
            "peer skipped: prometheus-blackbox-exporter is not installed (scripts/deps/alerts.sh)"
        );
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("blackbox.yml");
    std::fs::write(
        &config,
        "modules:\n  http_keyword:\n    prober: http\n    timeout: 10s\n    http:\n      fail_if_body_not_matches_regexp: [\"Vaultwarden\"]\n",
    )
    .unwrap();
    let port = common::free_port();
    let exporter = format!("127.0.0.1:{port}");
    let mut child = Command::new(exe)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--web.listen-address={exporter}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    common::wait_port(port, "blackbox exporter", &config);
    let pid = child.id().to_string();
    // Let it settle, then take its idle size as the baseline.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let baseline = rss_kib(&pid);
    let spacing = INTERVAL / probes as u32;
    let m = measure(&pid, baseline, async {
        let mut tick = tokio::time::interval(spacing);
        let end = Instant::now() + run_for;
        let (tx, mut rx) = mpsc::channel::<bool>(1024);
        while Instant::now() < end {
            tick.tick().await;
            let (tx, exporter, target) = (tx.clone(), exporter.clone(), url.to_owned());
            tokio::spawn(async move {
                let _ = tx.send(blackbox_probe(&exporter, &target).await).await;
            });
        }
        drop(tx);
        let (mut ok, mut failed) = (0, 0);
        while let Some(r) = rx.recv().await {
            if r { ok += 1 } else { failed += 1 }
        }
        (ok, failed)
    })
    .await;
    let _ = child.kill();
    let _ = child.wait();
    Some(m)
}

fn show(name: &str, m: &Measure) {
    println!(
        "{name:<28} CPU {:>6.2}% of one core   extra RSS {:>7.1} MiB (peak {:>7.1} MiB)   probes ok {} failed {}",
        m.cpu_pct,
        m.extra_rss_kib as f64 / 1024.0,
        m.peak_extra_rss_kib as f64 / 1024.0,
        m.ok,
        m.failed
    );
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (probes, secs) = if bench {
        (
            1000,
            std::env::var("CLOUDCTL_BENCH_SECS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(90),
        )
    } else {
        (20, 2) // smoke run under `cargo test`
    };
    let run_for = Duration::from_secs(secs);
    let nginx = common::nginx();
    let url = format!("http://127.0.0.1:{}/", nginx.http);
    // One worker thread: the hub runs on 0.25 vCPU VMs; this is what it would get.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{probes} HTTP probes (GET + keyword) every {}s against nginx, {secs}s per side",
        INTERVAL.as_secs()
    );
    let mine = rt.block_on(ours(&url, probes, run_for));
    show("cloudctl-probes scheduler", &mine);
    assert!(
        mine.ok > 0 && mine.failed == 0,
        "probes failed against a healthy nginx"
    );
    if !bench {
        return;
    }
    if let Some(theirs) = rt.block_on(peer(&url, probes, run_for)) {
        show("blackbox_exporter (peer)", &theirs);
        println!(
            "ratios (ours / peer): CPU {:.2}x, extra RSS {:.2}x",
            mine.cpu_pct / theirs.cpu_pct.max(f64::EPSILON),
            mine.extra_rss_kib as f64 / (theirs.extra_rss_kib.max(1)) as f64
        );
    }
    println!("first bar: under 5% of one core and under 30 MiB extra RSS");
}
