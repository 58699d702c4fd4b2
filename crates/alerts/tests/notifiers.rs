//! Notifiers against real receivers: a real SMTP server (aiosmtpd, plain and STARTTLS) that
//! writes each mail to a folder, and a real local HTTP server (axum) for the webhook and ntfy;
//! routing by severity, retries with backoff, and a queue that never blocks its caller.

#[path = "../../probes/tests/common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use cloudctl_alerts::notify::{Dispatcher, NotifierDef, RetryPolicy, Route, build};
use cloudctl_alerts::{Notification, Severity, Status};
use serde_json::json;

fn drift(severity: Severity) -> Notification {
    Notification {
        fingerprint: "0123456789abcdef".into(),
        alertname: "drift_not_running".into(),
        status: Status::Firing,
        severity,
        labels: [
            ("alertname", "drift_not_running"),
            ("host", "oci-p-flex"),
            ("container", "vault-app"),
        ]
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect(),
        summary:
            "service vault is on in the spec but container vault-app is not running on oci-p-flex"
                .into(),
        cause: "container vault-app (localhost/busybox:test) is exited with exit code 137".into(),
        starts_at: 1_760_000_000,
        ends_at: None,
        repeat: false,
    }
}

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        attempts,
        first_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(80),
        timeout: Duration::from_secs(5),
    }
}

/// Polls until `done` holds, for up to ten seconds (each pause is 50 ms).
async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

fn mails(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.join("mail/new")) else {
        return vec![];
    };
    // Unfolded headers and quoted-printable soft breaks joined, so the text reads as sent.
    entries
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .map(|m| {
            m.replace("\r\n", "\n")
                .replace("=\n", "")
                .replace("\n ", " ")
        })
        .collect()
}

fn notifier(json: serde_json::Value) -> Box<dyn cloudctl_alerts::notify::Notifier> {
    build(&serde_json::from_value::<NotifierDef>(json).unwrap()).unwrap()
}

#[tokio::test]
#[ignore = "needs python3-aiosmtpd; run by scripts/test"]
async fn email_through_the_queue_reaches_the_smtp_server_exactly_once() {
    let server = common::smtp(false);
    let mail = notifier(
        json!({"name": "mail", "kind": "smtp", "host": "127.0.0.1", "port": server.port,
        "security": "plain", "from": "cloudctl <alerts@example.org>", "to": ["diego@example.org"]}),
    );
    let routes = vec![Route {
        min_severity: Severity::Warning,
        notifiers: vec!["mail".into()],
    }];
    let (dispatcher, _worker) =
        Dispatcher::start(vec![mail], routes, fast_retries(3), 16, 4).unwrap();
    assert!(dispatcher.submit(drift(Severity::Critical)));
    // Info is below the route: it goes nowhere.
    assert!(dispatcher.submit(Notification {
        severity: Severity::Info,
        ..drift(Severity::Info)
    }));
    wait_for("the mail", || {
        dispatcher.stats().sent.load(Ordering::Relaxed) == 1
    })
    .await;
    let dir = server.guard.dir.path();
    wait_for("the mail file", || mails(dir).len() == 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = mails(dir);
    assert_eq!(got.len(), 1, "exactly one mail");
    let m = &got[0];
    assert!(
        m.contains(
            "Subject: [FIRING critical] service vault is on in the spec but container vault-app"
        ),
        "{m}"
    );
    assert!(m.contains("Likely cause: container vault-app (localhost/busybox:test) is exited with exit code 137"), "{m}");
    assert!(m.contains("To: diego@example.org"), "{m}");
}

#[tokio::test]
#[ignore = "needs python3-aiosmtpd; run by scripts/test"]
async fn email_over_starttls_checks_the_server_certificate() {
    let server = common::smtp(true);
    let good = notifier(
        json!({"name": "mail", "kind": "smtp", "host": "127.0.0.1", "port": server.port,
        "security": "starttls", "from": "alerts@example.org", "to": ["diego@example.org"],
        "tls": {"ca_file": server.cert}}),
    );
    good.send(&drift(Severity::Critical)).await.unwrap();
    assert_eq!(mails(server.guard.dir.path()).len(), 1);

    let untrusted = notifier(
        json!({"name": "mail", "kind": "smtp", "host": "127.0.0.1", "port": server.port,
        "from": "alerts@example.org", "to": ["diego@example.org"]}),
    );
    let err = untrusted
        .send(&drift(Severity::Critical))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("notifier `mail`:"), "{err}");
    assert_eq!(
        mails(server.guard.dir.path()).len(),
        1,
        "no mail over an untrusted session"
    );
}

type Seen = Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>;

/// A local HTTP server recording every request; the first `fail_first` get a 500.
async fn receiver(fail_first: usize) -> (SocketAddr, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = Router::new().fallback(
        move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
            let record = record.clone();
            async move {
                let mut seen = record.lock().unwrap();
                seen.push((uri.path().to_owned(), headers, body));
                if seen.len() <= fail_first {
                    (StatusCode::INTERNAL_SERVER_ERROR, "database is locked")
                } else {
                    (StatusCode::OK, "ok")
                }
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, seen)
}

#[tokio::test]
async fn webhook_posts_the_notification_as_json_and_retries_failures() {
    let (addr, seen) = receiver(2).await;
    let def: NotifierDef = serde_json::from_value(json!({"name": "hook", "kind": "webhook",
        "url": format!("http://{addr}/hooks/cloudctl"), "bearer_token": "tok-5ecret"}))
    .unwrap();
    assert!(
        !format!("{def:?}").contains("tok-5ecret"),
        "the token stays out of Debug"
    );
    let routes = vec![Route {
        min_severity: Severity::Info,
        notifiers: vec!["hook".into()],
    }];
    let (dispatcher, _w) =
        Dispatcher::start(vec![build(&def).unwrap()], routes, fast_retries(5), 16, 4).unwrap();
    let n = drift(Severity::Critical);
    assert!(dispatcher.submit(n.clone()));
    wait_for("the webhook", || {
        dispatcher.stats().sent.load(Ordering::Relaxed) == 1
    })
    .await;
    assert_eq!(dispatcher.stats().retried.load(Ordering::Relaxed), 2);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    let (path, headers, body) = &seen[2];
    assert_eq!(path, "/hooks/cloudctl");
    assert_eq!(headers["authorization"], "Bearer tok-5ecret");
    assert_eq!(headers["content-type"], "application/json");
    let got: Notification = serde_json::from_slice(body).unwrap();
    assert_eq!(got, n);
    let recent = dispatcher.recent();
    assert_eq!((recent[0].ok, recent[0].attempts), (true, 3));
}

#[tokio::test]
async fn ntfy_publishes_title_message_and_priority() {
    let (addr, seen) = receiver(0).await;
    let ntfy = notifier(
        json!({"name": "phone", "kind": "ntfy", "server": format!("http://{addr}"), "topic": "cloud-alerts"}),
    );
    ntfy.send(&drift(Severity::Critical)).await.unwrap();
    let mut resolved = drift(Severity::Critical);
    resolved.status = Status::Resolved;
    ntfy.send(&resolved).await.unwrap();
    let seen = seen.lock().unwrap();
    let first: serde_json::Value = serde_json::from_slice(&seen[0].2).unwrap();
    assert_eq!(first["topic"], "cloud-alerts");
    assert_eq!(first["priority"], 5);
    assert!(
        first["title"]
            .as_str()
            .unwrap()
            .starts_with("[FIRING critical] service vault")
    );
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .contains("Likely cause: container vault-app")
    );
    let second: serde_json::Value = serde_json::from_slice(&seen[1].2).unwrap();
    assert_eq!(second["priority"], 2);
    assert!(
        second["title"]
            .as_str()
            .unwrap()
            .starts_with("[RESOLVED critical]")
    );
}

#[tokio::test]
async fn routes_pick_notifiers_by_severity() {
    let (addr, seen) = receiver(0).await;
    let hook = |name: &str| {
        notifier(json!({"name": name, "kind": "webhook", "url": format!("http://{addr}/{name}")}))
    };
    let routes = vec![
        Route {
            min_severity: Severity::Warning,
            notifiers: vec!["chat".into()],
        },
        Route {
            min_severity: Severity::Critical,
            notifiers: vec!["pager".into(), "chat".into()],
        },
    ];
    let (d, _w) = Dispatcher::start(
        vec![hook("chat"), hook("pager")],
        routes,
        fast_retries(1),
        16,
        4,
    )
    .unwrap();
    d.submit(drift(Severity::Info));
    d.submit(drift(Severity::Warning));
    d.submit(drift(Severity::Critical));
    wait_for("three deliveries", || {
        d.stats().sent.load(Ordering::Relaxed) == 3
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut paths: Vec<String> = seen.lock().unwrap().iter().map(|s| s.0.clone()).collect();
    paths.sort();
    assert_eq!(paths, ["/chat", "/chat", "/pager"]);
}

#[tokio::test]
async fn unreachable_notifiers_are_given_up_after_their_attempts() {
    let port = common::free_port();
    let hook = notifier(
        json!({"name": "hook", "kind": "webhook", "url": format!("http://127.0.0.1:{port}/")}),
    );
    let routes = vec![Route {
        min_severity: Severity::Info,
        notifiers: vec!["hook".into()],
    }];
    let (d, _w) = Dispatcher::start(vec![hook], routes, fast_retries(3), 16, 4).unwrap();
    d.submit(drift(Severity::Warning));
    wait_for("giving up", || {
        d.stats().gave_up.load(Ordering::Relaxed) == 1
    })
    .await;
    let recent = d.recent();
    assert_eq!(recent[0].attempts, 3);
    assert!(
        recent[0]
            .error
            .as_deref()
            .unwrap()
            .contains("Connection refused"),
        "{:?}",
        recent[0].error
    );
}

#[tokio::test]
async fn a_full_queue_drops_instead_of_blocking_the_caller() {
    let (addr, _seen) = receiver(0).await;
    let hook =
        notifier(json!({"name": "hook", "kind": "webhook", "url": format!("http://{addr}/")}));
    let routes = vec![Route {
        min_severity: Severity::Info,
        notifiers: vec!["hook".into()],
    }];
    let (d, _w) = Dispatcher::start(vec![hook], routes, fast_retries(1), 1, 1).unwrap();
    // On this single-threaded runtime the worker cannot run between these calls: the first
    // fills the queue, the rest must come back at once, refused.
    let accepted: Vec<bool> = (0..10)
        .map(|_| d.submit(drift(Severity::Warning)))
        .collect();
    assert_eq!(accepted.iter().filter(|a| **a).count(), 1);
    assert_eq!(d.stats().dropped.load(Ordering::Relaxed), 9);
}

#[test]
fn configuration_errors_name_the_notifier_and_the_fix() {
    let err = |v: serde_json::Value| {
        build(&serde_json::from_value::<NotifierDef>(v).unwrap())
            .err()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        err(
            json!({"name": "mail", "kind": "smtp", "host": "smtp.gmail.com", "from": "alerts@example.org", "to": [], "username": "a"})
        ),
        "notifier `mail`: `to` needs at least one address"
    );
    assert!(
        err(json!({"name": "mail", "kind": "smtp", "host": "h", "from": "x", "to": ["a@b.c"]}))
            .contains("from `x` is not an address")
    );
    assert!(
        err(json!({"name": "hook", "kind": "webhook", "url": "/relative"}))
            .contains("must be an absolute")
    );
    let routes = vec![Route {
        min_severity: Severity::Info,
        notifiers: vec!["nope".into()],
    }];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let e = rt.block_on(async {
        Dispatcher::start(vec![], routes, RetryPolicy::default(), 4, 1)
            .err()
            .unwrap()
            .to_string()
    });
    assert!(
        e.contains("names notifier `nope`, which is not configured"),
        "{e}"
    );
}
