//! Footprint benchmark: the agent against node_exporter on this machine, in the same run.
//!
//! Prints, with ratios agent / node_exporter:
//! - CPU time per collection: the agent's `collect_once` + encode, in a loop in this process,
//!   against node_exporter's CPU time per `/metrics` scrape;
//! - steady-state RSS: a real `cloudctl agent` process (given with `--agent-bin`) sending to a
//!   sink on loopback, against node_exporter's RSS after its scrapes;
//! - RSS growth: this process's RSS after 100 collections and after 10,000.
//!
//! Run: `scripts/bench-agent.sh` (builds the release binary, then this bench).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cloudctl_agent::collect::{CollectorConfig, Context, SpoolGauge, registry};
use cloudctl_agent::{Agent, Config};
use cloudctl_wire::{Limits, encode};

struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// (RSS bytes, CPU seconds) of a process, from /proc.
fn usage(pid: u32) -> (u64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    (rss_kib * 1024, ticks as f64 / 100.0)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_listening(port: u16) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn scrape(port: u16) -> usize {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut body = Vec::new();
    s.read_to_end(&mut body).unwrap();
    body.len()
}

/// A hub stand-in on loopback that acknowledges every batch; counts them.
fn sink() -> (u16, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicU64::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counter = counter.clone();
            std::thread::spawn(move || serve(stream, &counter));
        }
    });
    (port, count)
}

fn serve(stream: TcpStream, count: &AtomicU64) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        count.fetch_add(1, Ordering::Relaxed);
        let ack = r#"{"acked_seq":0,"duplicate":false}"#;
        let _ = write!(
            writer,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{ack}",
            ack.len()
        );
    }
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / (1 << 20) as f64)
}

fn main() {
    // `cargo test --all-targets` runs bench targets without `--bench`: this is a benchmark (a
    // minute of measuring), not a test, so it only runs under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!("footprint: a benchmark; run it with scripts/bench-agent.sh or cargo bench");
        return;
    }
    let mut args = std::env::args().skip(1);
    let mut agent_bin = None;
    let mut collections = 10_000u32;
    let mut docker_socket = "/nonexistent/docker.sock".to_owned();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--agent-bin" => agent_bin = args.next(),
            "--collections" => {
                collections = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(collections)
            }
            "--docker-socket" => docker_socket = args.next().unwrap_or(docker_socket),
            _ => {} // cargo bench passes --bench
        }
    }

    // node_exporter: CPU per scrape over 200 scrapes after a warm-up, and its RSS.
    let node_port = free_port();
    let node = Guard(
        Command::new("prometheus-node-exporter")
            .arg(format!("--web.listen-address=127.0.0.1:{node_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus-node-exporter (run scripts/deps/agent.sh)"),
    );
    wait_listening(node_port);
    for _ in 0..10 {
        scrape(node_port);
    }
    let scrapes = 200;
    let (_, cpu0) = usage(node.0.id());
    for _ in 0..scrapes {
        scrape(node_port);
    }
    let (node_rss, cpu1) = usage(node.0.id());
    let node_cpu = (cpu1 - cpu0) / f64::from(scrapes);

    // The agent in this process: collect + encode in a loop.
    let dir = std::env::temp_dir().join(format!("cloudctl-agent-bench-{}", std::process::id()));
    let mut config = Config::new("bench", &dir);
    config.docker_socket = docker_socket.clone().into();
    let mut agent = Agent::new(config).unwrap();
    let limits = Limits::default();
    let me = std::process::id();
    let mut rss_100 = 0;
    let mut cpu_100 = 0.0;
    let mut bytes = 0usize;
    let start = Instant::now();
    for i in 1..=collections {
        let sample = agent.collect_once();
        let batch = cloudctl_wire::Batch {
            wire_version: cloudctl_wire::WIRE_VERSION,
            host_id: "bench".to_owned(),
            agent_version: "bench".to_owned(),
            seq: u64::from(i),
            dropped: 0,
            samples: vec![sample],
        };
        bytes = encode(&batch, &limits).unwrap().len();
        if i == 100 {
            (rss_100, cpu_100) = usage(me);
        }
    }
    let elapsed = start.elapsed();
    let (rss_end, cpu_end) = usage(me);
    let agent_cpu = (cpu_end - cpu_100) / f64::from(collections - 100);

    // Where the CPU goes: each collector alone, 200 times (CPU time of this process).
    let mut collectors = registry(&CollectorConfig {
        docker_socket: docker_socket.clone().into(),
        state_dir: dir.join("per-collector"),
        spool: SpoolGauge::default(),
        probes: Vec::new(),
    });
    let mut ctx = Context::now();
    let mut per_collector = Vec::new();
    for c in &mut collectors {
        let mut sample = cloudctl_wire::Sample::default();
        let (_, before) = usage(me);
        for _ in 0..200 {
            ctx.tick();
            let _ = c.collect(&mut ctx, &mut sample);
        }
        let (_, after) = usage(me);
        per_collector.push((c.name(), (after - before) / 200.0));
    }

    // A real agent process, sending to a sink, at its shortest interval.
    let real = agent_bin.map(|bin| {
        let (sink_port, acked) = sink();
        let token = dir.join("token");
        std::fs::write(&token, "bench-token").unwrap();
        let child = Guard(
            Command::new(&bin)
                .args(["agent", "--hub", &format!("http://127.0.0.1:{sink_port}")])
                .args(["--token-file", token.to_str().unwrap()])
                .args(["--interval", "1s", "--host-id", "bench"])
                .args(["--spool-dir", dir.join("real").to_str().unwrap()])
                .args(["--docker-socket", &docker_socket])
                .env("CLOUDCTL_LOG", "warn")
                .stdout(Stdio::null())
                .spawn()
                .expect("the agent binary"),
        );
        let t0 = Instant::now();
        while acked.load(Ordering::Relaxed) < 3 {
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "the agent sent nothing"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let (_, c0) = usage(child.0.id());
        let n0 = acked.load(Ordering::Relaxed);
        std::thread::sleep(Duration::from_secs(30));
        let (rss, c1) = usage(child.0.id());
        let n1 = acked.load(Ordering::Relaxed);
        (rss, (c1 - c0) / (n1 - n0).max(1) as f64, n1 - n0)
    });
    drop(node);
    let _ = std::fs::remove_dir_all(&dir);

    println!("cloudctl agent footprint vs prometheus-node-exporter (same machine, same run)");
    println!(
        "  node_exporter: CPU per scrape {:.2} ms (over {scrapes} scrapes), RSS {}",
        node_cpu * 1e3,
        mib(node_rss)
    );
    println!(
        "  agent (in-process): CPU per collection {:.2} ms (over {} collections, {:.1} s), batch {} bytes compressed",
        agent_cpu * 1e3,
        collections - 100,
        elapsed.as_secs_f64(),
        bytes
    );
    println!(
        "  ratio CPU per collection, agent / node_exporter: {:.2} (target <= 0.5)",
        agent_cpu / node_cpu
    );
    println!(
        "  RSS after 100 collections {}, after {collections}: {} (growth {:+.1} KiB; target: none)",
        mib(rss_100),
        mib(rss_end),
        (rss_end as f64 - rss_100 as f64) / 1024.0
    );
    let breakdown: Vec<String> = per_collector
        .iter()
        .map(|(name, secs)| format!("{name} {:.3}", secs * 1e3))
        .collect();
    println!("  per collector, ms of CPU: {}", breakdown.join(", "));
    match real {
        Some((rss, cpu, n)) => {
            println!(
                "  agent process (cloudctl agent, 1 s interval, {n} batches sent): RSS {}, CPU per collection+send {:.2} ms",
                mib(rss),
                cpu * 1e3
            );
            println!(
                "  ratio RSS, agent / node_exporter: {:.2} (targets: <= 0.5 and <= 8 MiB)",
                rss as f64 / node_rss as f64
            );
        }
        None => println!("  (pass --agent-bin PATH to measure a real agent process's RSS)"),
    }
}
