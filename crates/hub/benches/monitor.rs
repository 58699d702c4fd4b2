//! Benchmark, not a test: the hub's monitor probing 1,000 HTTP URLs on a local nginx every 30 s,
//! with every result journaled into its SQLite store (uptime, history), against its peer in the
//! same process: the same 1,000 probes run by the bare scheduler, storing nothing. Prints each
//! side's CPU (percent of one core), extra resident memory and the ratios.
//!
//! `scripts/bench-hub.sh monitor` runs it (60 s per side; `CLOUDCTL_BENCH_SECS` changes that).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cloudctl_alerts::monitor::MonitorConfig;
use cloudctl_hub::HubOptions;
use cloudctl_hub::monitor::{MonitorSetup, serve_with};
use cloudctl_hub::store::StoreConfig;
use cloudctl_probes::{ProbeDef, Scheduler};

/// Clock ticks per second in /proc (USER_HZ).
const TICKS: f64 = 100.0;

fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let f: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..]
        .split_whitespace()
        .collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / TICKS
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

/// A private nginx answering every request with a page holding the keyword.
struct Nginx {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nginx() -> Nginx {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::create_dir_all(d.join("tmp")).unwrap();
    let conf = format!(
        "worker_processes 1; user root; daemon off; pid {d}/nginx.pid; error_log {d}/error.log;
         events {{ worker_connections 4096; }}
         http {{ access_log off; client_body_temp_path {d}/tmp/body; proxy_temp_path {d}/tmp/proxy;
           fastcgi_temp_path {d}/tmp/fastcgi; uwsgi_temp_path {d}/tmp/uwsgi; scgi_temp_path {d}/tmp/scgi;
           server {{ listen 127.0.0.1:{port};
             location / {{ default_type text/html; return 200 \"<h1>Vaultwarden web vault</h1>\"; }} }} }}",
        d = d.display()
    );
    std::fs::write(d.join("nginx.conf"), conf).unwrap();
    let bin = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("nginx is not installed: run scripts/deps/alerts.sh");
    let child = Command::new(bin)
        .arg("-p")
        .arg(d)
        .arg("-c")
        .arg(d.join("nginx.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nginx did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Nginx {
        child,
        port,
        _dir: dir,
    }
}

fn probes(url: &str, count: usize, interval: &str) -> Vec<ProbeDef> {
    (0..count)
        .map(|i| {
            serde_json::from_value(serde_json::json!({
                "name": format!("svc-{i}-http"), "service": format!("svc-{i}"), "host": "gcp-f-micro_1",
                "kind": "http", "url": url, "keyword": "Vaultwarden", "interval": interval, "timeout": "10s"
            }))
            .unwrap()
        })
        .collect()
}

struct Figures {
    cpu_pct: f64,
    extra_rss_mib: f64,
    peak_extra_rss_mib: f64,
}

/// Runs `work` while sampling RSS every second; CPU over the whole span.
async fn measure(work: impl std::future::Future<Output = ()>) -> Figures {
    let base = rss_kib();
    let cpu0 = cpu_secs();
    let started = Instant::now();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(base));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_kib(), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };
    work.await;
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu0;
    let end = rss_kib();
    sampler.abort();
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed).max(end);
    Figures {
        cpu_pct: cpu / wall * 100.0,
        extra_rss_mib: end.saturating_sub(base) as f64 / 1024.0,
        peak_extra_rss_mib: peak.saturating_sub(base) as f64 / 1024.0,
    }
}

fn main() {
    // Under `cargo test` (no --bench) a smoke run checks that it works, and that runs are stored.
    let bench = std::env::args().any(|a| a == "--bench");
    let (count, secs, interval) = if bench {
        let secs = std::env::var("CLOUDCTL_BENCH_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60);
        (1000, secs, "30s")
    } else {
        (20, 2, "1s")
    };
    let run_for = Duration::from_secs(secs);
    let server = nginx();
    let url = format!("http://127.0.0.1:{}/", server.port);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "== monitor: {count} HTTP probes every {interval} against a local nginx, {secs} s per side"
    );
    rt.block_on(async {
        let peer = measure(async {
            let scheduler = Scheduler::new(probes(&url, count, interval), 16).unwrap();
            let (tx, mut rx) = tokio::sync::mpsc::channel(256);
            let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
            scheduler.run(tx, tokio::time::sleep(run_for)).await;
            let _ = drain.await;
        })
        .await;
        println!(
            "  peer, the bare scheduler (nothing stored): CPU {:.2}% of one core, extra RSS {:.1} MiB (peak {:.1})",
            peer.cpu_pct, peer.extra_rss_mib, peer.peak_extra_rss_mib
        );

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.db");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let config = MonitorConfig {
            probes: probes(&url, count, interval),
            ..MonitorConfig::default()
        };
        let options = HubOptions {
            store: StoreConfig::new(&path),
            expected_hosts: vec![],
        };
        let hub = measure(async {
            serve_with(
                listener,
                options,
                MonitorSetup::new(config, Duration::from_secs(10)),
                tokio::time::sleep(run_for),
            )
            .await
            .unwrap();
        })
        .await;
        let conn = cloudctl_hub::store::open_connection(&path, 1024).unwrap();
        let stored: i64 = conn
            .query_row("SELECT count(*) FROM probe_runs", [], |r| r.get(0))
            .unwrap();
        let passed: i64 = conn
            .query_row("SELECT count(*) FROM probe_runs WHERE ok", [], |r| r.get(0))
            .unwrap();
        println!(
            "  hub, monitor + store ({stored} runs stored, {passed} passed): CPU {:.2}% of one core, extra RSS {:.1} MiB (peak {:.1})",
            hub.cpu_pct, hub.extra_rss_mib, hub.peak_extra_rss_mib
        );
        assert!(
            passed as usize >= count,
            "every probe ran at least once and passed: {passed} of {count}"
        );
        println!(
            "  hub/peer: CPU {:.2}x, peak extra RSS {:.2}x; targets: CPU < 5% ({:.2}x), extra RSS < 30 MB ({:.2}x)",
            hub.cpu_pct / peer.cpu_pct.max(1e-9),
            hub.peak_extra_rss_mib / peer.peak_extra_rss_mib.max(1e-9),
            hub.cpu_pct / 5.0,
            hub.peak_extra_rss_mib * 1.048_576 / 30.0,
        );
    });
}
