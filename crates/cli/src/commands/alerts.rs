//! `cloudctl alerts`: list active alerts, read the history, silence, and send a test
//! notification, through a running hub's API.

use std::process::ExitCode;

use anyhow::{Context, bail};
use cloudctl_alerts::client::ApiClient;
use cloudctl_probes::{Secret, TlsOptions};
use hyper::Method;
use serde_json::{Value, json};

/// Alerts of a running hub: what fires, what fired, silences, a test notification.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    cloudctl alerts list\n  \
    cloudctl alerts history\n  \
    cloudctl alerts silence add host=oci-p-flex --for 2h --comment \"resizing the disk\"\n  \
    cloudctl alerts silence add container=vault-* alertname=drift_not_running --for 30m\n  \
    cloudctl alerts silence list\n  \
    cloudctl alerts silence expire s1\n  \
    cloudctl alerts test-notify --severity warning\n  \
    cloudctl alerts probes                 every probe: up/down, latency, uptime 24h/7d/30d/365d\n\n\
    The hub is found at --hub or CLOUDCTL_HUB (default http://127.0.0.1:7070).")]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
    /// The hub's URL.
    #[arg(
        long,
        global = true,
        env = "CLOUDCTL_HUB",
        default_value = "http://127.0.0.1:7070"
    )]
    hub: String,
    /// A file holding a read token, for a hub that does not listen on loopback only.
    #[arg(long, global = true, value_name = "FILE", env = "CLOUDCTL_TOKEN_FILE")]
    token_file: Option<std::path::PathBuf>,
    /// Print the hub's JSON answer instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Alerts now pending or firing.
    List,
    /// Past transitions (firing, resolved, silenced, events) and recent deliveries.
    History,
    /// Hold back notifications for alerts that match.
    #[command(subcommand)]
    Silence(SilenceSub),
    /// Every probe (the hub's, and agents' as HOST/PROBE) with its latest result and uptime
    /// over 24 h, 7 d, 30 d and 365 d.
    Probes,
    /// Send a test notification through the configured routes.
    TestNotify {
        /// Route it as this severity.
        #[arg(long, value_parser = ["info", "warning", "critical"], default_value = "critical")]
        severity: String,
    },
}

#[derive(Debug, clap::Subcommand)]
enum SilenceSub {
    /// Add a silence: every matcher (label=value, label!=value, * as wildcard) must match.
    Add {
        /// Matchers, e.g. host=oci-p-flex container=vault-*.
        #[arg(required = true, value_name = "MATCHER")]
        matchers: Vec<String>,
        /// How long it lasts (30m, 2h, 1d).
        #[arg(long = "for", value_name = "DURATION")]
        duration: String,
        /// Why.
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Silences, active and recently expired.
    List,
    /// End a silence now.
    Expire {
        /// The silence's id (from `silence list`).
        id: String,
    },
}

/// Runs `cloudctl alerts`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let token = match &args.token_file {
        Some(path) => Some(Secret::new(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the token file {}", path.display()))?
                .trim(),
        )),
        None => None,
    };
    let client = ApiClient::new(&args.hub, token, TlsOptions::default())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (method, path, body) = match &args.command {
        Sub::List => (Method::GET, "/api/v1/alerts".to_owned(), None),
        Sub::History => (Method::GET, "/api/v1/alerts/history".to_owned(), None),
        Sub::Probes => (Method::GET, "/api/v1/probes".to_owned(), None),
        Sub::Silence(SilenceSub::List) => (Method::GET, "/api/v1/alerts/silences".to_owned(), None),
        Sub::Silence(SilenceSub::Add {
            matchers,
            duration,
            comment,
        }) => {
            let who = std::env::var("USER").unwrap_or_else(|_| "cloudctl".into());
            let body = json!({"matchers": matchers, "duration": duration, "comment": comment, "created_by": who});
            (
                Method::POST,
                "/api/v1/alerts/silences".to_owned(),
                Some(body),
            )
        }
        Sub::Silence(SilenceSub::Expire { id }) => (
            Method::DELETE,
            format!("/api/v1/alerts/silences/{id}"),
            None,
        ),
        Sub::TestNotify { severity } => (
            Method::POST,
            "/api/v1/alerts/test-notify".to_owned(),
            Some(json!({"severity": severity})),
        ),
    };
    let (status, answer) = runtime
        .block_on(client.call(method, &path, body.as_ref()))
        .with_context(|| {
            format!(
                "cannot reach the hub at {}; is `cloudctl hub` running?",
                args.hub
            )
        })?;
    if !(200..300).contains(&status) {
        let error = answer["error"].as_str().unwrap_or("no reason given");
        let hint = answer["hint"]
            .as_str()
            .map(|h| format!("\nhint: {h}"))
            .unwrap_or_default();
        if status == 404 && answer["error"].as_str() == Some("no such path") {
            bail!(
                "the hub at {} has no alerts API (it runs without the monitor){hint}",
                args.hub
            );
        }
        bail!("the hub answered {status}: {error}{hint}");
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", text(&args.command, &answer));
    Ok(ExitCode::SUCCESS)
}

fn text(command: &Sub, answer: &Value) -> String {
    let rows = |key: &str| answer[key].as_array().cloned().unwrap_or_default();
    let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let mut out = String::new();
    match command {
        Sub::List => {
            let alerts = rows("alerts");
            if alerts.is_empty() {
                out.push_str("No alerts.\n");
            }
            for a in alerts {
                let silenced = if a["silenced_by"].is_string() {
                    " (silenced)"
                } else {
                    ""
                };
                out.push_str(&format!(
                    "{:<8} {:<9} {}{silenced}\n         cause: {}\n",
                    s(&a["state"]),
                    s(&a["severity"]),
                    s(&a["summary"]),
                    s(&a["cause"])
                ));
            }
        }
        Sub::History => {
            for h in rows("history") {
                out.push_str(&format!(
                    "{}  {:<9} {:<24} {}\n",
                    time_text(h["at"].as_i64()),
                    s(&h["transition"]),
                    s(&h["alertname"]),
                    s(&h["summary"])
                ));
            }
            for d in rows("deliveries") {
                let result = if d["ok"] == true {
                    "sent".to_owned()
                } else {
                    format!("failed: {}", s(&d["error"]))
                };
                out.push_str(&format!(
                    "delivery to {} after {} attempt(s): {result}\n",
                    s(&d["notifier"]),
                    d["attempts"]
                ));
            }
        }
        Sub::Silence(SilenceSub::List) => {
            for item in rows("silences") {
                let silence = &item["silence"];
                let matchers: Vec<String> = silence["matchers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|m| {
                        format!(
                            "{}{}{}",
                            s(&m["label"]),
                            if m["op"] == "not_equal" { "!=" } else { "=" },
                            s(&m["value"])
                        )
                    })
                    .collect();
                let state = if item["active"] == true {
                    "active"
                } else {
                    "ended"
                };
                out.push_str(&format!(
                    "{:<6} {state:<7} until {}  {}  {}\n",
                    s(&silence["id"]),
                    time_text(silence["ends_at"].as_i64()),
                    matchers.join(" "),
                    s(&silence["comment"])
                ));
            }
        }
        Sub::Probes => out.push_str(&probes_table(&rows("probes"))),
        Sub::Silence(SilenceSub::Add { .. }) => {
            out.push_str(&format!("Silence {} added.\n", s(&answer["id"])))
        }
        Sub::Silence(SilenceSub::Expire { id }) => {
            out.push_str(&format!("Silence {id} expired.\n"))
        }
        Sub::TestNotify { .. } => {
            out.push_str("Test notification queued; check your inbox or channel.\n")
        }
    }
    out
}

/// Seconds since the Unix epoch as RFC 3339 (UTC); `-` when absent.
fn time_text(secs: Option<i64>) -> String {
    match secs {
        Some(s) if s >= 0 => humantime::format_rfc3339_seconds(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(s as u64),
        )
        .to_string(),
        _ => "-".to_owned(),
    }
}

fn probes_table(probes: &[Value]) -> String {
    if probes.is_empty() {
        return "No probes yet (the hub probes the spec's public URLs; agents their VM's ports).\n"
            .to_owned();
    }
    let pct = |v: &Value| match v.as_f64() {
        Some(p) => format!("{p:.2}%"),
        None => "-".to_owned(),
    };
    let mut table = comfy_table::Table::new();
    table.set_header([
        "PROBE", "FROM", "STATUS", "LATENCY", "24H", "7D", "30D", "365D", "WHY",
    ]);
    for p in probes {
        let latest = &p["latest"];
        let status = match latest["ok"].as_bool() {
            Some(true) => "up",
            Some(false) => "DOWN",
            None => "unknown",
        };
        let latency = match latest["latency_ms"].as_f64() {
            Some(ms) if ms > 0.0 => format!("{ms:.0} ms"),
            _ => "-".to_owned(),
        };
        let up = &p["uptime"];
        table.add_row([
            p["name"].as_str().unwrap_or("").to_owned(),
            p["source"].as_str().unwrap_or("").to_owned(),
            status.to_owned(),
            latency,
            pct(&up["24h"]),
            pct(&up["7d"]),
            pct(&up["30d"]),
            pct(&up["365d"]),
            latest["failure"]["message"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        ]);
    }
    format!("{table}\n")
}
