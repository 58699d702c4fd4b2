//! Agent-side probes against real parts: a TCP listener up then closed, a std HTTP server
//! answering 200, 302 and 500, servers that hang (a full accept queue, an HTTP server that never
//! answers) bounded by the timeout, and a container's port through a real Podman socket.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use cloudctl_agent::probe::{LocalProbe, run_all};
use cloudctl_agent::{Agent, Config};
use cloudctl_wire::ProbeResult;
use support::{Containers, IMAGE, engine, free_port, run, wait_for};

const NO_ENGINE: &str = "/nonexistent/docker.sock";

fn probe(spec: &str) -> LocalProbe {
    spec.parse().unwrap_or_else(|e| panic!("{spec}: {e}"))
}

fn with_timeout(spec: &str, timeout: Duration) -> LocalProbe {
    LocalProbe {
        timeout,
        ..probe(spec)
    }
}

fn check(p: &LocalProbe) -> ProbeResult {
    p.check(Path::new(NO_ENGINE))
}

/// A loopback server run on its own thread, stopped on drop.
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Server {
    fn start(handle: impl Fn(TcpStream) + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    handle(stream);
                }
            }
        });
        Server {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// An HTTP server answering by path: /ok 200, /login 302, anything else 500. Records each
/// request's line and Host header.
fn http_server(seen: Arc<Mutex<Vec<String>>>) -> Server {
    Server::start(move |stream| {
        let mut reader = BufReader::new(&stream);
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).is_err() {
            return;
        }
        let mut host = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some(v) = line.strip_prefix("Host: ") {
                host = v.trim().to_owned();
            }
        }
        seen.lock()
            .unwrap()
            .push(format!("{} host={host}", request_line.trim_end()));
        let path = request_line.split(' ').nth(1).unwrap_or("");
        let answer = match path {
            "/ok" => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            "/login" => {
                "HTTP/1.1 302 Found\r\nLocation: https://auth.example.org/\r\nContent-Length: 0\r\n\r\n"
            }
            _ => "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
        };
        let mut writer = &stream;
        let _ = writer.write_all(answer.as_bytes());
    })
}

#[test]
fn tcp_probe_sees_a_listener_up_then_closed() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let p = probe(&format!("db=tcp://127.0.0.1:{port}"));

    let up = check(&p);
    assert!(up.ok, "{up:?}");
    assert_eq!(up.name, "db");
    assert_eq!(up.target, format!("tcp://127.0.0.1:{port}"));
    assert_eq!(up.error, None);
    assert!(up.latency_ms.is_some_and(|ms| ms >= 0.0), "{up:?}");

    drop(listener);
    let down = check(&p);
    assert!(!down.ok);
    assert_eq!(
        down.error.as_deref(),
        Some(format!("connect to 127.0.0.1:{port}: connection refused").as_str())
    );
    assert!(down.latency_ms.is_some(), "failures are timed too");
}

#[test]
fn http_probe_counts_redirects_as_up_and_errors_as_down() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = http_server(seen.clone());
    let port = server.port;
    let ok = check(&probe(&format!("app=http://127.0.0.1:{port}/ok")));
    let redirect = check(&probe(&format!("portal=http://127.0.0.1:{port}/login")));
    let broken = check(&probe(&format!("api=http://127.0.0.1:{port}/broken")));

    assert!(ok.ok, "{ok:?}");
    assert!(
        redirect.ok,
        "a redirect to the login portal is up: {redirect:?}"
    );
    assert_eq!(redirect.error, None);
    assert!(!broken.ok);
    assert_eq!(
        broken.error.as_deref(),
        Some("HTTP 500 Internal Server Error")
    );
    assert_eq!(broken.target, format!("http://127.0.0.1:{port}/broken"));
    let seen = seen.lock().unwrap().clone();
    let host = format!("host=127.0.0.1:{port}");
    assert_eq!(
        seen,
        [
            format!("GET /ok HTTP/1.1 {host}"),
            format!("GET /login HTTP/1.1 {host}"),
            format!("GET /broken HTTP/1.1 {host}"),
        ]
    );
}

#[test]
fn http_probe_of_something_that_is_not_http() {
    let server = Server::start(|stream| {
        let mut writer = &stream;
        let _ = writer.write_all(b"SSH-2.0-OpenSSH_9.2\r\n");
    });
    let r = check(&probe(&format!("ssh=http://127.0.0.1:{}/", server.port)));
    assert!(!r.ok);
    assert_eq!(
        r.error.as_deref(),
        Some("not an HTTP answer: \"SSH-2.0-OpenSSH_9.2..\"")
    );
}

/// A listener whose accept queue is full: the kernel drops further SYNs, so a connect hangs.
/// Returns it with the connections that fill it (both must stay open).
fn full_listener() -> (TcpListener, Vec<TcpStream>) {
    let fd = rustix::net::socket(
        rustix::net::AddressFamily::INET,
        rustix::net::SocketType::STREAM,
        None,
    )
    .unwrap();
    rustix::net::bind(&fd, &SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    rustix::net::listen(&fd, 0).unwrap();
    let listener = TcpListener::from(fd);
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..16 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(s) => fillers.push(s),
            Err(_) => return (listener, fillers),
        }
    }
    panic!("the accept queue of a backlog-0 listener never filled");
}

#[test]
fn hanging_ports_are_bounded_by_the_timeout_and_probed_at_once() {
    let (full, _fillers) = full_listener();
    let full_port = full.local_addr().unwrap().port();
    // Accepts, reads nothing, answers nothing; holds the connections until dropped.
    let held = Arc::new(Mutex::new(Vec::new()));
    let holding = held.clone();
    let silent = Server::start(move |stream| holding.lock().unwrap().push(stream));
    let answering = Server::start(|stream| {
        let mut writer = &stream;
        thread::sleep(Duration::from_millis(50));
        let _ = writer.write_all(b"HTTP/1.1 204 No Content\r\n\r\n");
    });

    let timeout = Duration::from_secs(1);
    let probes = [
        with_timeout(&format!("syn=tcp://127.0.0.1:{full_port}"), timeout),
        with_timeout(
            &format!("silent=http://127.0.0.1:{}/", silent.port),
            timeout,
        ),
        with_timeout(
            &format!("silent2=http://127.0.0.1:{}/x", silent.port),
            timeout,
        ),
        with_timeout(
            &format!("fine=http://127.0.0.1:{}/", answering.port),
            timeout,
        ),
    ];
    let started = Instant::now();
    let results = run_all(&probes, Path::new(NO_ENGINE));
    let took = started.elapsed();

    let names: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["syn", "silent", "silent2", "fine"],
        "in the order given"
    );
    assert_eq!(
        results[0].error.as_deref(),
        Some(format!("connect to 127.0.0.1:{full_port}: timed out after 1s").as_str())
    );
    assert_eq!(
        results[1].error.as_deref(),
        Some("waiting for the answer: timed out after 1s")
    );
    assert_eq!(results[2].error, results[1].error);
    assert!(results[3].ok, "{:?}", results[3]);
    for hung in &results[..3] {
        assert!(!hung.ok);
        let ms = hung.latency_ms.unwrap();
        assert!((950.0..2500.0).contains(&ms), "{hung:?}");
    }
    // Three probes of 1 s each: one after the other would take 3 s.
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_millis(2500),
        "the probes ran at once, each within its timeout: {took:?}"
    );
}

#[test]
fn the_agent_puts_probe_results_in_its_samples() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let closed = free_port();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new("test-host", dir.path());
    config.docker_socket = dir.path().join("missing.sock");
    config.probes = vec![
        probe(&format!("up=tcp://127.0.0.1:{port}")),
        probe(&format!("down=tcp://127.0.0.1:{closed}")),
        probe("vault-app=container://vault-app:80"),
    ];
    let mut agent = Agent::new(config).unwrap();
    let sample = agent.collect_once();
    let by_name = |n: &str| sample.probes.iter().find(|p| p.name == n).unwrap();
    assert_eq!(sample.probes.len(), 3);
    assert!(by_name("up").ok);
    assert!(!by_name("down").ok);
    let container = by_name("vault-app");
    assert!(!container.ok);
    let error = container.error.as_deref().unwrap();
    assert!(
        error.starts_with("asking the container engine: cannot connect to")
            && error.contains("missing.sock"),
        "{error}"
    );
    assert!(
        sample.errors.iter().all(|e| e.collector != "probes"),
        "a failed probe is data, not a collector error: {:?}",
        sample.errors
    );
}

#[test]
fn the_agent_refuses_two_probes_with_one_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new("test-host", dir.path());
    config.probes = vec![
        probe("web=tcp://127.0.0.1:1"),
        probe("web=tcp://127.0.0.1:2"),
    ];
    let err = Agent::new(config).unwrap_err().to_string();
    assert_eq!(
        err,
        "two probes are named \"web\"; give each --probe its own name"
    );
}

#[test]
#[ignore = "needs podman: scripts/deps/agent.sh"]
fn container_probe_through_a_real_podman_socket() {
    let dir = tempfile::tempdir().unwrap();
    let (_engine, socket) = engine(dir.path());
    let name = format!("cloudctl-agent-probe-{}", std::process::id());
    let _cleanup = Containers(vec![name.clone()]);
    let port = free_port();
    // Host network: the container's port is the host's loopback port (never the 10.88 bridge).
    run(
        "podman",
        &[
            "run",
            "-d",
            "--network",
            "host",
            "--name",
            &name,
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

    let target = probe(&format!("web=container://{name}:{port}"));
    let up = target.check(&socket);
    assert!(up.ok, "{up:?}");
    assert_eq!(up.target, format!("container://{name}:{port}"));

    // A port the container does not listen on: the address resolves, the connect is refused.
    let wrong = probe(&format!("web=container://{name}:{}", free_port())).check(&socket);
    assert!(!wrong.ok);
    let error = wrong.error.unwrap();
    assert!(
        error.starts_with(&format!("container {name} at 127.0.0.1:"))
            && error.ends_with("connection refused"),
        "{error}"
    );

    let missing = probe("ghost=container://cloudctl-no-such-container:80").check(&socket);
    assert_eq!(
        missing.error.as_deref(),
        Some("container cloudctl-no-such-container not found")
    );

    run("podman", &["stop", "-t", "0", &name]);
    let down = target.check(&socket);
    assert!(!down.ok);
    assert_eq!(
        down.error.as_deref(),
        Some(format!("container {name} is exited").as_str())
    );

    // The same through the agent: the result is in the sample.
    let mut config = Config::new("test-host", dir.path().join("spool"));
    config.docker_socket = socket;
    config.probes = vec![target];
    let mut agent = Agent::new(config).unwrap();
    let sample = agent.collect_once();
    assert_eq!(sample.probes.len(), 1);
    assert!(
        sample.probes[0]
            .error
            .as_deref()
            .unwrap()
            .contains("exited")
    );
}
