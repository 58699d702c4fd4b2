//! A private nginx started from the rendered config, on loopback ports, really does forward auth:
//! without a session it asks the auth endpoint and answers 302 to the portal; with one it reaches
//! the service with the identity the gateway gave (never the one a client sent); a bypassed path
//! or service reaches the service with no subrequest; every answer carries the security headers.
//! The auth endpoint and the services are the test's own small HTTP servers.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{assert_ok, run, write};

/// A request one of our servers received: the path and the headers (names lowercased).
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

type Respond = fn(&Seen) -> (u16, Vec<(&'static str, &'static str)>);

/// A tiny HTTP/1.1 server on a loopback port that records what it is asked.
struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn start(respond: Respond) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = Arc::clone(&log);
                std::thread::spawn(move || answer(stream, respond, &log));
            }
        });
        Server { port, seen }
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

fn answer(stream: TcpStream, respond: Respond, log: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.trim_end().split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let seen = Seen { path, headers };
    let (status, extra) = respond(&seen);
    log.lock().expect("lock").push(seen);
    let body = format!("status {status}\n");
    let mut response = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in extra {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&body);
    let mut stream = stream;
    let _ = stream.write_all(response.as_bytes());
}

/// Authelia's side of `/api/authz/auth-request`: a session cookie decides.
fn authelia(request: &Seen) -> (u16, Vec<(&'static str, &'static str)>) {
    let cookie = request.header("cookie").unwrap_or_default();
    if cookie.contains("session=good") {
        (
            200,
            vec![
                ("Remote-User", "alice"),
                ("Remote-Groups", "admins"),
                ("Remote-Name", "Alice"),
                ("Remote-Email", "alice@example.test"),
            ],
        )
    } else if cookie.contains("session=denied") {
        (403, vec![])
    } else {
        (401, vec![])
    }
}

fn service(_: &Seen) -> (u16, Vec<(&'static str, &'static str)>) {
    // A service that sets a header the proxy also sets: it must not reach the client twice.
    (200, vec![("X-Frame-Options", "ALLOWALL")])
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// nginx in the foreground on a private prefix; stopped when dropped.
struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An answer as curl saw it.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
}

impl Answer {
    fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn curl(scheme: &str, host: &str, port: u16, path: &str, headers: &[&str]) -> Answer {
    let url = format!("{scheme}://{host}:{port}{path}");
    let resolve = format!("{host}:{port}:127.0.0.1");
    let mut args = vec![
        "-sk",
        "-o",
        "/dev/null",
        "-D",
        "-",
        "--resolve",
        &resolve,
        &url,
    ];
    for header in headers {
        args.extend(["-H", header]);
    }
    let output = run("curl", &args, None);
    assert_ok(&output, &format!("curl {url}"));
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let mut lines = text.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line from {url}: {text}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer { status, headers }
}

/// Every security header of the spec, exactly once.
fn assert_security_headers(answer: &Answer, what: &str) {
    for (name, value) in common::default_spec().security.headers {
        assert_eq!(
            answer.header(&name),
            [value.as_str()],
            "{what}: header {name} (answer {})",
            answer.status
        );
    }
}

fn spec_yaml(cert: &Path, key: &Path, auth: u16, app: u16, open: u16) -> String {
    format!(
        r#"version: 1
project: {{name: Forward-auth test}}
domains:
  example.test:
    dns: cf
    proxied: false
    certificate: {cert}
    certificate_key: {key}
providers:
  cf: {{kind: cloudflare, title: Cloudflare, cost_model: free}}
  lab: {{kind: other, title: Lab, cost_model: free}}
hosts:
  gw:
    provider: lab
    public_ip: 192.0.2.10
    private_ip: 127.0.0.1
    capacity: {{vcpu: 2, ram: 4GB, storage: 20GB, bandwidth: 1TB/mo}}
    tier: free
    availability: always-on
    roles: [proxy, auth]
categories:
  main: {{title: Main, groups: {{apps: {{title: Apps}}}}}}
security:
  admin_sources: [192.0.2.0/24]
access:
  portal: https://auth.example.test
  session_domain: example.test
  methods: [totp]
services:
  authelia:
    title: Auth
    category: main/apps
    url: https://auth.example.test
    host: gw
    status: on
    availability: always-on
    auth: built_in
    auth_reason: the login portal itself
    components:
      authelia-app: {{kind: app, stack: Authelia, image: "authelia/authelia:4.39", port: {auth}, resources: {{ram: 64MB, cpu: 0.1}}}}
  app:
    title: App
    category: main/apps
    url: https://app.example.test
    host: gw
    status: on
    availability: always-on
    auth: two_factor
    bypass_paths: [/public/]
    auth_reason: the public pages are for everyone
    components:
      app-app: {{kind: app, stack: Test, image: "test/app:1", port: {app}, websocket: true, resources: {{ram: 64MB, cpu: 0.1}}}}
  open:
    title: Open
    category: main/apps
    url: https://open.example.test
    host: gw
    status: on
    availability: always-on
    auth: bypass
    auth_reason: a public page
    components:
      open-app: {{kind: app, stack: Test, image: "test/open:1", port: {open}, resources: {{ram: 64MB, cpu: 0.1}}}}
"#,
        cert = cert.display(),
        key = key.display(),
    )
}

#[test]
#[ignore = "needs nginx, openssl and curl; run by scripts/test"]
fn a_private_nginx_from_the_rendered_config_forwards_auth() {
    let auth = Server::start(authelia);
    let app = Server::start(service);
    let open = Server::start(service);

    let work = tempfile::tempdir().expect("temp dir");
    let (cert, key) = common::throwaway_cert(work.path(), &["*.example.test"]);
    let spec_dir = work.path().join("spec");
    std::fs::create_dir_all(&spec_dir).expect("mkdir");
    std::fs::write(
        spec_dir.join("spec.yaml"),
        spec_yaml(&cert, &key, auth.port, app.port, open.port),
    )
    .expect("spec");
    let spec = common::load(&spec_dir);
    let files = cloudctl_render::render(&spec, &["nginx".to_owned()], None).expect("renders");
    write(&files, work.path());
    let prefix = work.path().join("gw/nginx");

    // The only change to what was rendered: loopback ports instead of 80 and 443.
    let https = free_port();
    let http = free_port();
    for conf in [
        "nginx.conf",
        "sites/app.example.test.conf",
        "sites/auth.example.test.conf",
        "sites/open.example.test.conf",
    ] {
        let path = prefix.join(conf);
        let text = std::fs::read_to_string(&path).expect("rendered conf");
        assert!(
            text.contains("listen 443") || text.contains("listen 80"),
            "{conf}"
        );
        let text = text
            .replace("listen 443 ", &format!("listen 127.0.0.1:{https} "))
            .replace("listen 80", &format!("listen 127.0.0.1:{http}"));
        std::fs::write(&path, text).expect("write conf");
    }
    let pid = prefix.join("nginx.pid");
    let child = Command::new("nginx")
        .args([
            "-p",
            prefix.to_str().expect("utf-8"),
            "-c",
            prefix.join("nginx.conf").to_str().expect("utf-8"),
            "-e",
            prefix.join("error.log").to_str().expect("utf-8"),
            "-g",
            &format!("pid {}; daemon off;", pid.display()),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx is installed (scripts/deps/render.sh)");
    let _nginx = Nginx(child);
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", https)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "nginx did not start: {}",
            std::fs::read_to_string(prefix.join("error.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // No session: the gateway is asked, and the visitor is sent to the portal.
    let answer = curl("https", "app.example.test", https, "/notes?x=1", &[]);
    assert_eq!(answer.status, 302);
    let location = answer.header("location");
    assert_eq!(
        location,
        [
            format!("https://auth.example.test/?rd=https://app.example.test:{https}/notes?x=1")
                .as_str()
        ]
    );
    assert_security_headers(&answer, "302 to the portal");
    assert!(
        app.requests().is_empty(),
        "the service was reached without a session"
    );
    let asked = auth.requests();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].path, "/api/authz/auth-request");
    assert_eq!(
        asked[0].header("x-original-url"),
        Some(format!("https://app.example.test:{https}/notes?x=1").as_str())
    );
    assert_eq!(asked[0].header("x-original-method"), Some("GET"));

    // A session: the service is reached with the gateway's identity, not the client's.
    let answer = curl(
        "https",
        "app.example.test",
        https,
        "/notes",
        &["Cookie: session=good", "Remote-User: mallory"],
    );
    assert_eq!(answer.status, 200);
    assert_security_headers(&answer, "200 through the gateway");
    let reached = app.requests();
    assert_eq!(reached.len(), 1);
    assert_eq!(reached[0].path, "/notes");
    assert_eq!(reached[0].header("remote-user"), Some("alice"));
    assert_eq!(reached[0].header("remote-groups"), Some("admins"));
    assert_eq!(
        reached[0].header("remote-email"),
        Some("alice@example.test")
    );
    assert_eq!(auth.requests().len(), 2);

    // Denied by the rules: 403, and the service is not reached.
    let answer = curl(
        "https",
        "app.example.test",
        https,
        "/admin",
        &["Cookie: session=denied"],
    );
    assert_eq!(answer.status, 403);
    assert_security_headers(&answer, "403 from the gateway");
    assert_eq!(app.requests().len(), 1);
    assert_eq!(auth.requests().len(), 3);

    // A bypassed path: no subrequest, and a client's identity header does not get through.
    let answer = curl(
        "https",
        "app.example.test",
        https,
        "/public/page",
        &["Remote-User: mallory"],
    );
    assert_eq!(answer.status, 200);
    assert_security_headers(&answer, "bypassed path");
    assert_eq!(
        auth.requests().len(),
        3,
        "a bypassed path asked the gateway"
    );
    let reached = app.requests();
    assert_eq!(reached.len(), 2);
    assert_eq!(reached[1].path, "/public/page");
    assert_eq!(reached[1].header("remote-user"), None);

    // A bypassed service: reached directly, no subrequest.
    let answer = curl("https", "open.example.test", https, "/", &[]);
    assert_eq!(answer.status, 200);
    assert_security_headers(&answer, "bypassed service");
    assert_eq!(open.requests().len(), 1);
    assert_eq!(
        auth.requests().len(),
        3,
        "a bypassed service asked the gateway"
    );

    // Plain HTTP is moved to HTTPS, with the headers too.
    let answer = curl("http", "app.example.test", http, "/notes", &[]);
    assert_eq!(answer.status, 301);
    assert_eq!(
        answer.header("location"),
        ["https://app.example.test/notes"]
    );
    assert_security_headers(&answer, "redirect to HTTPS");
}
