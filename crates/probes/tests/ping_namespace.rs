//! The ICMP path of the ping probe, in a network namespace of the test's own where unprivileged
//! ICMP sockets are allowed (net.ipv4.ping_group_range is per namespace), with an up case (the
//! namespace's loopback) and a down case (an address with no route).

use std::fs::File;
use std::process::Command;

use cloudctl_probes::{Detail, PingVia, ProbeDef, ProbeResult, build, run_once};
use nix::sched::{CloneFlags, setns};

/// Deletes the namespace even when the test fails.
struct Netns(String);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.0])
            .status();
    }
}

fn ip(args: &[&str]) {
    let status = Command::new("ip")
        .args(args)
        .status()
        .expect("iproute2 is installed by scripts/deps/alerts.sh");
    assert!(status.success(), "ip {args:?} failed");
}

/// Runs a ping probe on a thread that has entered the namespace, so its socket lives there.
fn ping_in(ns: &str, host: &str) -> ProbeResult {
    let path = format!("/var/run/netns/{ns}");
    let host = host.to_owned();
    std::thread::spawn(move || {
        setns(File::open(&path).unwrap(), CloneFlags::CLONE_NEWNET)
            .expect("entering the namespace");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let def: ProbeDef = serde_json::from_value(serde_json::json!({
                "name": "ping", "kind": "ping", "address": host, "timeout": "3s"
            }))
            .unwrap();
            let probe = build(&def).unwrap();
            run_once(&def, probe.as_ref()).await
        })
    })
    .join()
    .unwrap()
}

#[test]
#[ignore = "needs root and iproute2 (network namespaces); run by scripts/test"]
fn icmp_echo_in_a_namespace_that_allows_it() {
    let ns = Netns(format!("cc-alerts-ping-{}", std::process::id()));
    ip(&["netns", "add", &ns.0]);
    ip(&["netns", "exec", &ns.0, "ip", "link", "set", "lo", "up"]);
    ip(&[
        "netns",
        "exec",
        &ns.0,
        "sysctl",
        "-q",
        "-w",
        "net.ipv4.ping_group_range=0 2147483647",
    ]);

    let up = ping_in(&ns.0, "127.0.0.1");
    assert!(up.ok, "{:?}", up.failure);
    assert_eq!(
        up.detail,
        Some(Detail::Ping {
            address: "127.0.0.1".into(),
            via: PingVia::Icmp
        })
    );

    // Only loopback exists in the namespace: a documentation address has no route.
    let down = ping_in(&ns.0, "192.0.2.55");
    assert!(!down.ok);
    let why = down.failure.unwrap().message;
    assert!(
        why.contains("192.0.2.55") && why.to_lowercase().contains("unreachable"),
        "{why}"
    );
}
