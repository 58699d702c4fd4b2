//! `cloudctl hub --spec DIR` as a user runs it: the monitor comes from the spec (a public URL and
//! an explicit TCP check, both on loopback servers of this test), `cloudctl alerts probes` shows
//! them up with their uptime, a closed port fires `probe_failing`, and after a restart of the hub
//! the probes, their uptime and the alert history are still there.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cloudctl");

fn spec(http_port: u16, tcp_port: u16) -> String {
    format!(
        r#"version: 1
project: {{name: Loopback Cloud, owner: Test}}
domains:
  localhost: {{dns: cf}}
providers:
  cf: {{kind: cloudflare, title: Cloudflare, cost_model: free}}
  cloud: {{kind: other, title: Loopback, cost_model: pay-per-use}}
hosts:
  vm:
    title: This machine
    provider: cloud
    private_ip: 10.0.0.1
    capacity: {{vcpu: 2, ram: 2GB, storage: 20GB, bandwidth: 1TB/mo}}
    tier: paid
    availability: always-on
    price: $5/mo
    roles: [proxy, hub]
categories:
  fridge: {{title: FRIDGE, groups: {{tools: {{title: Tools}}}}}}
security:
  admin_sources: [192.0.2.0/24]
monitoring:
  interval: 1s
  probes: {{interval: 1s, timeout: 1s, failures: 1, recoveries: 1}}
  checks:
    db-port: {{kind: tcp, target: "127.0.0.1:{tcp_port}", service: web}}
services:
  web:
    title: Web
    description: A local HTTP server of the test
    icon: "🌐"
    category: fridge/tools
    url: http://localhost:{http_port}/
    host: vm
    status: on
    availability: always-on
    auth: bypass
    auth_reason: a local test target
    components:
      web-app: {{kind: app, stack: http, image: web:1, port: {http_port}, resources: {{ram: 64MB, cpu: 0.1, storage: 100MB, bandwidth: 1GB/mo}}}}
"#
    )
}

/// A tiny HTTP server answering 200 to everything, until the test ends.
fn http_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        }
    });
    port
}

struct Hub(Child);

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_hub(port: u16, db: &std::path::Path, spec: &std::path::Path) -> Hub {
    let child = Command::new(BIN)
        .args(["hub", "--listen", &format!("127.0.0.1:{port}"), "--db"])
        .arg(db)
        .arg("--spec")
        .arg(spec)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let started = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the hub did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Hub(child)
}

fn stop(hub: Hub) {
    let pid = hub.0.id();
    let _ = Command::new("kill").arg(pid.to_string()).status();
    let mut hub = hub;
    let status = hub.0.wait().unwrap();
    assert!(
        status.success(),
        "the hub stops cleanly on SIGTERM: {status}"
    );
}

fn alerts(hub: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN)
        .arg("alerts")
        .args(args)
        .env("CLOUDCTL_HUB", hub)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn probes(hub: &str) -> serde_json::Value {
    let (ok, out) = alerts(hub, &["--json", "probes"]);
    assert!(ok, "{out}");
    serde_json::from_str(&out).unwrap()
}

fn probe<'a>(all: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    all["probes"].as_array()?.iter().find(|p| p["name"] == name)
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let started = Instant::now();
    while !f() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_hub_probes_its_spec_alerts_and_remembers_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let http_port = http_server();
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp_port = tcp.local_addr().unwrap().port();
    let spec_dir = dir.path().join("spec");
    std::fs::create_dir(&spec_dir).unwrap();
    std::fs::write(spec_dir.join("cloud.yaml"), spec(http_port, tcp_port)).unwrap();
    let db = dir.path().join("hub.db");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");

    let hub = start_hub(port, &db, &spec_dir);
    wait_for("both probes up", || {
        let all = probes(&url);
        ["web-http", "db-port"]
            .iter()
            .all(|n| probe(&all, n).is_some_and(|p| p["latest"]["ok"] == true))
    });
    let (ok, table) = alerts(&url, &["probes"]);
    assert!(ok, "{table}");
    assert!(
        table.contains("web-http") && table.contains("db-port") && table.contains("100.00%"),
        "{table}"
    );

    // The port closes: its check fails and the alert names it and why.
    drop(tcp);
    wait_for("the probe_failing alert", || {
        alerts(&url, &["list"])
            .1
            .contains("probe db-port is failing")
    });
    let (_, listed) = alerts(&url, &["list"]);
    assert!(
        listed.contains("cause:") && listed.contains("refused"),
        "{listed}"
    );
    stop(hub);

    // Restarted on the same database: the probes, their uptime and the history are still there.
    let hub = start_hub(port, &db, &spec_dir);
    let all = probes(&url);
    let db_port = probe(&all, "db-port").expect("the stored probe is listed at once");
    let day = db_port["uptime"]["24h"].as_f64().unwrap();
    assert!(day > 0.0 && day < 100.0, "{all}");
    assert_eq!(db_port["source"], "hub");
    let (_, history) = alerts(&url, &["history"]);
    assert!(
        history.contains("firing") && history.contains("probe_failing"),
        "{history}"
    );
    stop(hub);
}
