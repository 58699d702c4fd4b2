//! The whole story on a real container engine (Podman) and a real SMTP server (aiosmtpd): a
//! container of a service the spec marks `on` is stopped → the drift alert fires and exactly one
//! email arrives, naming the container → it is started → a resolved email → under a silence, the
//! next stop sends nothing. The test plays the agent: it reads the engine's container list and
//! maps it into observed facts; the clock is the evaluation time it passes.

#[path = "../../probes/tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use cloudctl_alerts::notify::{Dispatcher, NotifierDef, RetryPolicy, Route, build};
use cloudctl_alerts::*;

/// Removes the test's container even when the test fails.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new("podman")
            .args(["rm", "-f", "-t", "0", &self.0])
            .output();
    }
}

fn podman(args: &[&str]) -> String {
    let out = Command::new("podman")
        .args(args)
        .output()
        .expect("podman is installed by scripts/deps");
    assert!(
        out.status.success(),
        "podman {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What an agent would report about this container, from the engine's own list.
fn observe(name: &str, now: i64) -> Observed {
    let list: serde_json::Value = serde_json::from_str(&podman(&[
        "ps",
        "-a",
        "--filter",
        &format!("name=^{name}$"),
        "--format",
        "json",
    ]))
    .unwrap();
    let containers = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| ContainerFact {
            name: c["Names"][0].as_str().unwrap().to_owned(),
            image: c["Image"].as_str().unwrap().to_owned(),
            state: c["State"].as_str().unwrap().to_owned(),
            health: None,
            restart_count: 0,
            exit_code: (c["State"] == "exited").then(|| c["ExitCode"].as_i64().unwrap()),
        })
        .collect();
    Observed {
        hosts: vec![HostFacts {
            host: "oci-p-flex".into(),
            last_seen: now,
            interval_secs: 10,
            containers: Some(containers),
            ..Default::default()
        }],
        probe_results: vec![],
    }
}

fn mails(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.join("mail/new")) else {
        return vec![];
    };
    let mut mails: Vec<(std::time::SystemTime, String)> = entries
        .map(|e| {
            let path = e.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            (
                path.metadata().unwrap().modified().unwrap(),
                text.replace("\r\n", "\n")
                    .replace("=\n", "")
                    .replace("\n ", " "),
            )
        })
        .collect();
    mails.sort();
    mails.into_iter().map(|(_, m)| m).collect()
}

async fn wait_for_mails(dir: &Path, n: usize) -> Vec<String> {
    for _ in 0..200 {
        if mails(dir).len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A little longer, to catch any extra mail that should not come.
    tokio::time::sleep(Duration::from_millis(500)).await;
    mails(dir)
}

#[tokio::test]
#[ignore = "needs podman with localhost/busybox:test and python3-aiosmtpd; run by scripts/test"]
async fn stopping_a_container_mails_once_starting_it_mails_resolved_and_a_silence_holds_the_next() {
    let smtp = common::smtp(false);
    let maildir = smtp.guard.dir.path().to_owned();
    let name = format!("cc-alerts-vault-{}", std::process::id());
    let container = Container(name.clone());
    podman(&[
        "run",
        "-d",
        "--network",
        "host",
        "--name",
        &container.0,
        "localhost/busybox:test",
        "/bin/busybox",
        "sleep",
        "3600",
    ]);

    let desired = Desired {
        hosts: vec![DesiredHost {
            host: "oci-p-flex".into(),
            services: vec![DesiredService {
                name: "vault".into(),
                on: true,
                containers: vec![name.clone()],
            }],
            ..Default::default()
        }],
    };
    let mail: NotifierDef = serde_json::from_value(serde_json::json!({
        "name": "mail", "kind": "smtp", "host": "127.0.0.1", "port": smtp.port, "security": "plain",
        "from": "cloudctl <alerts@example.org>", "to": ["diego@example.org"]
    }))
    .unwrap();
    let routes = vec![Route {
        min_severity: Severity::Warning,
        notifiers: vec!["mail".into()],
    }];
    let policy = RetryPolicy {
        first_delay: Duration::from_millis(50),
        ..RetryPolicy::default()
    };
    let (dispatcher, _worker) =
        Dispatcher::start(vec![build(&mail).unwrap()], routes, policy, 64, 4).unwrap();
    let mut engine = Engine::new(RulesConfig::default());
    let mut now = 1_760_000_000;
    let mut step = |engine: &mut Engine| {
        now += 10;
        for n in engine.evaluate(now, &desired, &observe(&name, now)) {
            assert!(dispatcher.submit(n));
        }
        now
    };

    step(&mut engine);
    assert_eq!(
        engine.active().count(),
        0,
        "a running container of an `on` service is fine"
    );

    podman(&["stop", "-t", "0", &name]);
    step(&mut engine);
    step(&mut engine); // still stopped: no second mail
    let got = wait_for_mails(&maildir, 1).await;
    assert_eq!(got.len(), 1, "exactly one mail for the stop");
    assert!(got[0].contains(&format!("Subject: [FIRING critical] service vault is on in the spec but container {name} is not running on oci-p-flex")), "{}", got[0]);
    assert!(
        got[0].contains(&format!(
            "Likely cause: container {name} (localhost/busybox:test) is exited with exit code 137"
        )),
        "{}",
        got[0]
    );

    podman(&["start", &name]);
    let now = step(&mut engine);
    let got = wait_for_mails(&maildir, 2).await;
    assert_eq!(got.len(), 2, "one resolved mail");
    assert!(
        got[1].contains(&format!(
            "Subject: [RESOLVED critical] service vault is on in the spec but container {name}"
        )),
        "{}",
        got[1]
    );

    engine
        .add_silence(Silence {
            id: String::new(),
            matchers: vec![Matcher::parse(&format!("container={name}")).unwrap()],
            starts_at: now,
            ends_at: now + 3600,
            created_by: "diego".into(),
            comment: "maintenance".into(),
        })
        .unwrap();
    podman(&["stop", "-t", "0", &name]);
    step(&mut engine);
    assert_eq!(
        engine.active().next().map(|a| a.silenced_by.is_some()),
        Some(true),
        "the alert fires, silenced"
    );
    let got = wait_for_mails(&maildir, 3).await;
    assert_eq!(got.len(), 2, "the silence held the third mail back");
    assert_eq!(
        dispatcher
            .stats()
            .sent
            .load(std::sync::atomic::Ordering::Relaxed),
        2
    );
    let transitions: Vec<_> = engine.history().map(|h| h.transition.clone()).collect();
    assert_eq!(transitions, ["firing", "resolved", "silenced"]);
}
