//! `cloudctl hub token …`, `cloudctl hub import` and `cloudctl up` as a user runs them: the real
//! binary, real files, a real socket.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cloudctl");

fn cloudctl(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("CLOUDCTL_LOG", "warn")
        .output()
        .expect("cloudctl runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn tokens_are_shown_once_listed_without_secrets_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let db = db.to_str().unwrap();

    let made = cloudctl(&["hub", "token", "create", "oci-f-micro_1", "--db", db]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let token = text(&made.stdout).trim().to_owned();
    assert!(token.starts_with("cct_"), "{token}");
    assert!(text(&made.stderr).contains("shown only this once"));

    let file = dir.path().join("read.token");
    let read = cloudctl(&[
        "hub",
        "token",
        "create",
        "--read",
        "dashboard",
        "--db",
        db,
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(read.status.success(), "{}", text(&read.stderr));
    assert!(
        read.stdout.is_empty(),
        "a token written to a file is not printed"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let list = cloudctl(&["hub", "token", "list", "--json", "--db", db]);
    assert!(list.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["subject"], "oci-f-micro_1");
    assert_eq!(listed[1]["kind"], "read");
    let secret_part = &token[21..];
    assert!(
        !text(&list.stdout).contains(secret_part),
        "list shows a secret"
    );

    let revoked = cloudctl(&["hub", "token", "revoke", "oci-f-micro_1", "--db", db]);
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    let again = cloudctl(&["hub", "token", "revoke", "oci-f-micro_1", "--db", db]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("token list"),
        "{}",
        text(&again.stderr)
    );

    let bad = cloudctl(&["hub", "token", "create", "no/slashes", "--db", db]);
    assert_eq!(bad.status.code(), Some(1));
    let err = text(&bad.stderr);
    assert!(
        err.contains("no/slashes") && err.contains("letters"),
        "{err}"
    );
}

#[test]
fn agent_snapshots_import_once_with_progress_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let snaps = dir.path().join("synced");
    std::fs::create_dir(&snaps).unwrap();
    let spool = dir.path().join("spool");
    for i in 1..=3 {
        let out = snaps.join(format!("gcp-f-micro_1-{i}.json"));
        let once = cloudctl(&[
            "agent",
            "--once",
            "--host-id",
            "gcp-f-micro_1",
            "--spool-dir",
            spool.to_str().unwrap(),
            "--docker-socket",
            "/nonexistent.sock",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(once.status.success(), "{}", text(&once.stderr));
    }
    std::fs::write(snaps.join("half.json"), "{\"wire_version\":1,").unwrap();
    let db = dir.path().join("hub.db");
    let args = [
        "hub",
        "import",
        snaps.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ];

    let first = cloudctl(&args);
    let err = text(&first.stderr);
    assert_eq!(
        first.status.code(),
        Some(2),
        "a skipped file makes the exit code 2: {err}"
    );
    assert!(err.contains("[1/4]") && err.contains("[4/4]"), "{err}");
    assert!(err.contains("half.json: skipped"), "{err}");
    assert!(
        err.contains("3 stored") && err.contains("1 skipped"),
        "{err}"
    );

    std::fs::remove_file(snaps.join("half.json")).unwrap();
    let second = cloudctl(&args);
    let err = text(&second.stderr);
    assert!(second.status.success(), "{err}");
    assert!(
        err.contains("0 stored (0 samples), 3 already stored"),
        "{err}"
    );
}

/// One GET over a plain socket; returns the status code and the body.
fn http_get(port: u16, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn up_runs_a_hub_and_this_machines_agent_until_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("xdg");
    let mut child = Command::new(BIN)
        .args([
            "up",
            "--port",
            "0",
            "--interval",
            "1s",
            "--host-id",
            "this-vm",
        ])
        .args(["--docker-socket", "/nonexistent.sock"])
        .env("XDG_DATA_HOME", &data)
        .env("CLOUDCTL_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut port = 0;
    let mut printed = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.trim().strip_prefix("API:") {
            port = rest
                .trim()
                .trim_start_matches("http://127.0.0.1:")
                .split('/')
                .next()
                .unwrap()
                .parse()
                .unwrap();
        }
        printed.push(line.clone());
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    assert_ne!(port, 0, "no API line in {printed:?}");
    let db = data.join("cloudctl/hub.db");
    assert!(
        printed
            .iter()
            .any(|l| l.contains(&db.display().to_string())),
        "{printed:?}"
    );
    assert!(Path::new(&data.join("cloudctl/agent.token")).exists());

    wait_for("this machine's batches", Duration::from_secs(30), || {
        let (status, body) = http_get(port, "/api/v1/hosts/this-vm");
        let host: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        status == 200 && host["last_seq"].as_u64().is_some_and(|n| n >= 3)
    });
    let (status, body) = http_get(
        port,
        "/api/v1/hosts/this-vm/series/memory.total_bytes?last=5m",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"resolution\":\"raw\""), "{body}");

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let status = child.wait().unwrap();
    assert!(status.success(), "exit {status}; {rest:?}");
    assert!(
        rest.iter().any(|l| l.contains("cloudctl stopped")),
        "{rest:?}"
    );
}
