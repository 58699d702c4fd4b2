//! Containers against a real engine: Podman's Docker-compatible socket, containers from the
//! imported busybox image (`scripts/deps/agent.sh`), host network. Running and exited states,
//! the restart count after `podman restart`, memory use, a listening socket named by container,
//! and an unreachable socket reported as unavailable.

mod support;

use std::time::Duration;

use cloudctl_agent::{Agent, Config};
use cloudctl_wire::{Container, Sample, SocketProto};
use support::{Containers, IMAGE, engine, free_port, run, wait_for};

fn find<'a>(sample: &'a Sample, name: &str) -> &'a Container {
    let section = sample.containers.as_ref().expect("containers section");
    assert!(
        section.available,
        "engine unavailable: {:?}",
        section.reason
    );
    section
        .list
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} not listed: {:?}", section.list))
}

#[test]
#[ignore = "needs podman, runc and the busybox image; run by scripts/test"]
fn containers_from_a_real_podman_socket() {
    let dir = tempfile::tempdir().unwrap();
    let (_engine, socket) = engine(dir.path());
    let tag = std::process::id();
    let running = format!("cloudctl-agent-test-run-{tag}");
    let exited = format!("cloudctl-agent-test-exit-{tag}");
    let web = format!("cloudctl-agent-test-web-{tag}");
    let _cleanup = Containers(vec![running.clone(), exited.clone(), web.clone()]);
    let port = free_port();

    // 24 MiB written to the container's /dev/shm is memory the container uses.
    run(
        "podman",
        &[
            "run",
            "-d",
            "--network",
            "host",
            "--name",
            &running,
            IMAGE,
            "/bin/busybox",
            "sh",
            "-c",
            "dd if=/dev/zero of=/dev/shm/fill bs=1M count=24 && exec /bin/busybox sleep 600",
        ],
    );
    run(
        "podman",
        &[
            "run",
            "--network",
            "host",
            "--name",
            &exited,
            IMAGE,
            "/bin/busybox",
            "true",
        ],
    );
    run(
        "podman",
        &[
            "run",
            "-d",
            "--network",
            "host",
            "--name",
            &web,
            IMAGE,
            "/bin/busybox",
            "httpd",
            "-f",
            "-p",
            &format!("127.0.0.1:{port}"),
        ],
    );
    wait_for("the web container", Duration::from_secs(20), || {
        support::listening(port)
    });

    let mut config = Config::new("test-host", dir.path().join("spool"));
    config.docker_socket = socket;
    let mut agent = Agent::new(config).unwrap();

    let mut first = agent.collect_once();
    // Wait for dd to finish filling /dev/shm.
    for _ in 0..50 {
        if find(&first, &running).memory_bytes.unwrap_or(0) >= 24 << 20 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        first = agent.collect_once();
    }
    let r = find(&first, &running);
    assert_eq!(r.state, "running");
    assert_eq!(r.image, IMAGE);
    assert_eq!(r.restart_count, 0);
    assert!(r.started_at.is_some(), "{r:?}");
    let mem = r.memory_bytes.expect("memory use of a running container");
    assert!(
        (24 << 20..=96 << 20).contains(&mem),
        "memory use {mem} should be the 24 MiB written plus a little"
    );
    assert!(r.memory_limit_bytes.unwrap_or(0) >= mem);
    let e = find(&first, &exited);
    assert_eq!(e.state, "exited");
    assert_eq!(e.memory_bytes, None);

    // The busybox httpd's socket is named with its process and container.
    let sockets = first.sockets.as_ref().expect("sockets");
    let s = sockets
        .iter()
        .find(|s| s.proto == SocketProto::Tcp && s.port == port)
        .unwrap_or_else(|| panic!("port {port} not listed: {sockets:?}"));
    let owner = s.owner.as_ref().expect("owner of the web socket");
    assert_eq!(owner.process, "busybox");
    assert_eq!(owner.container.as_deref(), Some(web.as_str()));

    // A restart by hand: the engine does not count it, the agent does.
    let started_before = r.started_at.clone();
    std::thread::sleep(Duration::from_millis(1100));
    run("podman", &["restart", "-t", "0", &running]);
    let second = agent.collect_once();
    let r = find(&second, &running);
    assert_eq!(r.state, "running");
    assert_ne!(r.started_at, started_before);
    assert_eq!(r.restart_count, 1, "{r:?}");
    // The restart reset the container's CPU counter: a rate needs one more reading.
    let third = agent.collect_once();
    let r = find(&third, &running);
    assert_eq!(r.restart_count, 1, "counted once: {r:?}");
    assert!(r.cpu_percent.is_some(), "CPU % from two readings: {r:?}");
}

#[test]
fn an_unreachable_engine_is_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new("test-host", dir.path());
    config.docker_socket = dir.path().join("missing.sock");
    let mut agent = Agent::new(config).unwrap();
    let sample = agent.collect_once();
    let section = sample.containers.expect("containers section");
    assert!(!section.available);
    assert!(
        section
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("missing.sock"),
        "{:?}",
        section.reason
    );
    assert!(sample.host.is_some(), "the other collectors still ran");
}
