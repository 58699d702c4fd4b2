//! The agent's host values agree with node_exporter's, measured on this machine in the same run:
//! CPU seconds, memory available, filesystem size and free space, network bytes (within 2 % or
//! one tick). Each agent reading is bracketed by two node_exporter scrapes.

mod support;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use cloudctl_agent::{Agent, Config};
use support::{free_port, listening, spawn, wait_for};

/// Parsed exposition text: series (`name{labels}`) → value.
struct Scrape(HashMap<String, f64>);

impl Scrape {
    fn take(port: u16) -> Scrape {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(s, "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let body = text.split_once("\r\n\r\n").expect("HTTP response").1;
        let mut map = HashMap::new();
        for line in body
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (series, value) = line.rsplit_once(' ').unwrap();
            if let Ok(v) = value.parse::<f64>() {
                map.insert(series.to_owned(), v);
            }
        }
        Scrape(map)
    }

    /// The value of `name` whose labels include all of `labels`.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.0
            .iter()
            .find(|(series, _)| {
                let (n, rest) = series.split_once('{').unwrap_or((series, ""));
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
            })
            .map(|(_, v)| *v)
    }
}

/// `agent` lies between the two scrapes' values, give or take 2 % or `tick`.
fn agrees(what: &str, agent: f64, before: f64, after: f64, tick: f64) {
    let (lo, hi) = if before <= after {
        (before, after)
    } else {
        (after, before)
    };
    let slack = (hi.abs() * 0.02).max(tick);
    assert!(
        agent >= lo - slack && agent <= hi + slack,
        "{what}: agent {agent} vs node_exporter {before}..{after} (slack {slack})"
    );
}

#[test]
#[ignore = "needs prometheus-node-exporter; run by scripts/test"]
fn host_values_agree_with_node_exporter() {
    let port = free_port();
    let _node = spawn(
        "prometheus-node-exporter",
        &[&format!("--web.listen-address=127.0.0.1:{port}")],
    );
    wait_for("node_exporter", Duration::from_secs(20), || listening(port));

    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new("test-host", dir.path());
    config.docker_socket = dir.path().join("no-docker.sock");
    let mut agent = Agent::new(config).unwrap();

    let before = Scrape::take(port);
    let sample = agent.collect_once();
    let after = Scrape::take(port);
    let host = sample.host.as_ref().expect("host metrics");
    assert!(sample.errors.is_empty(), "{:?}", sample.errors);

    // CPU seconds per core and mode. One tick is 1/USER_HZ = 0.01 s.
    assert!(!host.cpu.per_core.is_empty());
    for (i, core) in host.cpu.per_core.iter().enumerate() {
        let cpu = i.to_string();
        for (mode, value) in [
            ("user", core.user),
            ("system", core.system),
            ("idle", core.idle),
            ("iowait", core.iowait),
            ("steal", core.steal),
            ("softirq", core.softirq),
        ] {
            let labels = [("cpu", cpu.as_str()), ("mode", mode)];
            let b = before.get("node_cpu_seconds_total", &labels).unwrap();
            let a = after.get("node_cpu_seconds_total", &labels).unwrap();
            agrees(&format!("cpu{i} {mode}"), value, b, a, 0.01);
        }
    }

    // Memory available.
    agrees(
        "MemAvailable",
        host.memory.available_bytes as f64,
        before.get("node_memory_MemAvailable_bytes", &[]).unwrap(),
        after.get("node_memory_MemAvailable_bytes", &[]).unwrap(),
        4096.0,
    );
    agrees(
        "MemTotal",
        host.memory.total_bytes as f64,
        before.get("node_memory_MemTotal_bytes", &[]).unwrap(),
        after.get("node_memory_MemTotal_bytes", &[]).unwrap(),
        0.0,
    );

    // Filesystems both report: size and free.
    let mut compared = 0;
    for fs in &host.filesystems {
        let labels = [("mountpoint", fs.mount_point.as_str())];
        let (Some(sb), Some(sa)) = (
            before.get("node_filesystem_size_bytes", &labels),
            after.get("node_filesystem_size_bytes", &labels),
        ) else {
            continue;
        };
        agrees(
            &format!("{} size", fs.mount_point),
            fs.size_bytes as f64,
            sb,
            sa,
            4096.0,
        );
        let fb = before.get("node_filesystem_free_bytes", &labels).unwrap();
        let fa = after.get("node_filesystem_free_bytes", &labels).unwrap();
        agrees(
            &format!("{} free", fs.mount_point),
            fs.free_bytes as f64,
            fb,
            fa,
            4096.0,
        );
        let ab = before.get("node_filesystem_avail_bytes", &labels).unwrap();
        let aa = after.get("node_filesystem_avail_bytes", &labels).unwrap();
        agrees(
            &format!("{} avail", fs.mount_point),
            fs.avail_bytes as f64,
            ab,
            aa,
            4096.0,
        );
        compared += 1;
    }
    assert!(
        host.filesystems.iter().any(|f| f.mount_point == "/"),
        "the root filesystem is reported: {:?}",
        host.filesystems
    );
    assert!(compared >= 1, "no filesystem in common with node_exporter");

    // Network bytes per interface (the scrapes themselves add loopback traffic: bracketed).
    let mut compared = 0;
    for iface in &host.networks {
        let labels = [("device", iface.name.as_str())];
        let Some(rb) = before.get("node_network_receive_bytes_total", &labels) else {
            continue;
        };
        let ra = after
            .get("node_network_receive_bytes_total", &labels)
            .unwrap();
        agrees(
            &format!("{} rx", iface.name),
            iface.rx_bytes as f64,
            rb,
            ra,
            1.0,
        );
        let tb = before
            .get("node_network_transmit_bytes_total", &labels)
            .unwrap();
        let ta = after
            .get("node_network_transmit_bytes_total", &labels)
            .unwrap();
        agrees(
            &format!("{} tx", iface.name),
            iface.tx_bytes as f64,
            tb,
            ta,
            1.0,
        );
        compared += 1;
    }
    assert!(compared >= 1, "no interface in common with node_exporter");

    // Boot time and load are there too.
    agrees(
        "boot time",
        host.boot_time as f64,
        before.get("node_boot_time_seconds", &[]).unwrap(),
        after.get("node_boot_time_seconds", &[]).unwrap(),
        1.0,
    );
    agrees(
        "load1",
        host.load.one,
        before.get("node_load1", &[]).unwrap(),
        after.get("node_load1", &[]).unwrap(),
        0.05,
    );
}
