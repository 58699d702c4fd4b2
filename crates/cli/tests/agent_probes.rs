//! `cloudctl agent` probes as a user runs them: the real binary, real listeners, the built-in
//! default spec.

use std::net::TcpListener;
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_cloudctl");

/// `cloudctl agent --once` with a private spool, no engine, and `args`.
fn agent_once(spool: &std::path::Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args([
            "agent",
            "--once",
            "--docker-socket",
            "/nonexistent/docker.sock",
        ])
        .arg("--spool-dir")
        .arg(spool)
        .args(args)
        .env("CLOUDCTL_LOG", "info")
        .env_remove("CLOUDCTL_SPEC")
        .output()
        .expect("cloudctl runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The probes of the one sample in a snapshot.
fn probes(out: &Output) -> Vec<Value> {
    assert!(out.status.success(), "{}", text(&out.stderr));
    let batch: Value = serde_json::from_slice(&out.stdout).expect("a JSON snapshot");
    batch["samples"][0]["probes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn named<'a>(probes: &'a [Value], name: &str) -> &'a Value {
    probes
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no probe {name}: {probes:?}"))
}

#[test]
fn once_reports_the_probes_given() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let out = agent_once(
        dir.path(),
        &[
            "--host-id",
            "test-host",
            "--no-spec-probes",
            "--probe",
            &format!("web=tcp://127.0.0.1:{port}"),
            "--probe",
            &format!("gone=tcp://127.0.0.1:{closed}"),
        ],
    );
    let probes = probes(&out);
    assert_eq!(probes.len(), 2, "{probes:?}");
    let web = named(&probes, "web");
    assert_eq!(web["ok"], true, "{web}");
    assert_eq!(web["target"], format!("tcp://127.0.0.1:{port}"));
    assert!(web["latency_ms"].as_f64().is_some(), "{web}");
    let gone = named(&probes, "gone");
    assert_eq!(gone["ok"], false);
    assert_eq!(
        gone["error"],
        format!("connect to 127.0.0.1:{closed}: connection refused")
    );
    drop(listener);
}

#[test]
fn bad_probe_values_are_usage_errors_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("web", "is not NAME=TARGET"),
        ("=tcp://127.0.0.1:80", "the probe name is empty"),
        (
            "Web=tcp://127.0.0.1:80",
            "use lower-case letters, digits, _ . and -",
        ),
        ("web=udp://127.0.0.1:53", "unknown scheme \"udp\""),
        ("web=tcp://127.0.0.1", "has no port"),
        (
            "web=http://127.0.0.1:80/a b",
            "spaces or control characters",
        ),
    ];
    for (value, reason) in cases {
        let out = agent_once(dir.path(), &["--probe", value]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{value}: {stderr}");
        assert!(
            stderr.contains("--probe <NAME=TARGET>"),
            "{value}: {stderr}"
        );
        assert!(stderr.contains(reason), "{value}: {stderr}");
        assert!(stderr.contains("tcp://"), "the form is shown: {stderr}");
    }
    let out = agent_once(
        dir.path(),
        &[
            "--no-spec-probes",
            "--host-id",
            "test-host",
            "--probe",
            "web=tcp://127.0.0.1:1",
            "--probe",
            "web=tcp://127.0.0.1:2",
        ],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--probe: two probes are named \"web\""),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn probes_come_from_the_default_spec_for_this_host() {
    let spec = cloudctl_spec::check_path(None)
        .expect("the default spec loads")
        .into_spec()
        .expect("the default spec is valid");
    let host = "oci-p-flex_1";
    let terminal = &spec.services["terminal"];
    assert_eq!(terminal.host.as_deref(), Some(host));
    assert!(
        terminal.status.is_deployed(),
        "the default spec has terminal on"
    );
    let planned: Vec<&String> = spec
        .services_on(host)
        .filter(|(_, s)| !s.status.is_deployed())
        .flat_map(|(_, s)| s.components.keys())
        .collect();
    assert!(!planned.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let out = agent_once(dir.path(), &["--host-id", host, "--probe-timeout", "1s"]);
    let found = probes(&out);
    let app = named(&found, "terminal-app");
    assert_eq!(app["target"], "container://terminal-app:7681");
    assert_eq!(app["ok"], false, "no engine here");
    let error = app["error"].as_str().unwrap();
    assert!(
        error
            .starts_with("asking the container engine: cannot connect to /nonexistent/docker.sock"),
        "{error}"
    );
    for p in &found {
        let name = p["name"].as_str().unwrap();
        assert!(
            !planned.iter().any(|c| *c == name),
            "{name} is not deployed yet"
        );
        assert!(p["target"].as_str().unwrap().starts_with("container://"));
    }
    assert!(
        text(&out.stderr).contains("Probes derived from the spec"),
        "{}",
        text(&out.stderr)
    );

    // A --probe of the same name replaces the derived one.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let out = agent_once(
        dir.path(),
        &[
            "--host-id",
            host,
            "--probe",
            &format!("terminal-app=tcp://127.0.0.1:{port}"),
        ],
    );
    let replaced = probes(&out);
    assert_eq!(replaced.len(), found.len());
    let app = named(&replaced, "terminal-app");
    assert_eq!(app["target"], format!("tcp://127.0.0.1:{port}"));
    assert_eq!(app["ok"], true);

    // --no-spec-probes: none.
    let out = agent_once(dir.path(), &["--host-id", host, "--no-spec-probes"]);
    assert!(probes(&out).is_empty());
}

#[test]
fn a_host_the_spec_does_not_know_derives_no_probes() {
    let dir = tempfile::tempdir().unwrap();
    let out = agent_once(dir.path(), &["--host-id", "not-in-the-spec"]);
    assert!(probes(&out).is_empty());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Host not in the spec; no probes derived from it"),
        "{stderr}"
    );
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains("not in the spec"))
            .count(),
        1
    );
}

#[test]
fn help_explains_probes_with_examples() {
    let out = Command::new(BIN)
        .args(["agent", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = text(&out.stdout);
    for needle in [
        "--probe <NAME=TARGET>",
        "--probe-timeout <DURATION>",
        "--spec <PATH>",
        "--no-spec-probes",
        "--probe pg=tcp://127.0.0.1:5432",
        "container://NAME:PORT",
        "deployed service (status on or dev)",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}
