//! `cloudctl export`: the dashboard's snapshot (`metrics.json`) and the plan's exports
//! (`metrics.csv`, `metrics.json` series, `REPORT.md`) from a running hub, plus the helpers that
//! give a hub its spec to publish (`cloudctl up` and `cloudctl hub` call [`publish_spec`]).
//!
//! The exports ask a running hub over HTTP rather than reading its database: probe results and
//! alerts live in the hub's memory, and the hub owns its file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use cloudctl_alerts::client::ApiClient;
use cloudctl_probes::{Secret, TlsOptions};
use hyper::Method;
use serde_json::{Value, json};

/// The snapshot format version the dashboard reads (web/src/lib/data/source.ts).
pub const SNAPSHOT_VERSION: u32 = 1;

/// The chart ranges a snapshot carries for every reporting host.
const RANGES: [&str; 3] = ["24h", "7d", "30d"];

/// Export the dashboard snapshot or the stored metrics from a running hub.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    cloudctl export snapshot --out site/            metrics.json for the offline dashboard\n  \
    cloudctl export snapshot --out site/ --every 5m keep it fresh (or run it from cron)\n  \
    cloudctl export csv --last 7d --out metrics.csv\n  \
    cloudctl export md --last 24h --out REPORT.md   a Markdown report\n  \
    cloudctl export json --host oci-p-flex_1 --metric load.1 --last 30d\n\n\
    Run it from cron or a systemd timer to keep a static dashboard (cloudctl render site) fresh.")]
pub struct Args {
    #[command(subcommand)]
    what: What,
    /// The hub's URL.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "CLOUDCTL_HUB",
        default_value = "http://127.0.0.1:7070"
    )]
    hub: String,
    /// A file holding a read token (needed unless the hub listens on loopback only).
    #[arg(long, global = true, value_name = "FILE")]
    token_file: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// metrics.json: the spec, plan, hosts, containers, sockets, probes, alerts and charts, for
    /// the dashboard's offline mode.
    Snapshot {
        /// Folder to write metrics.json into (e.g. the output of `cloudctl render site`).
        #[arg(long, short, value_name = "DIR")]
        out: PathBuf,
        /// Keep running and write a fresh snapshot this often (e.g. 5m), until Ctrl-C.
        #[arg(long, value_name = "DURATION", value_parser = parse_every)]
        every: Option<std::time::Duration>,
    },
    /// Every stored point in a range as CSV (metrics.csv).
    Csv(Range),
    /// Every stored series in a range as JSON.
    Json(Range),
    /// A Markdown report (REPORT.md): per host and series, points, first, min, avg, max, last.
    Md(Range),
}

#[derive(Debug, clap::Args)]
struct Range {
    /// A span back from now (or from --to): 90s, 15m, 24h, 7d, 30d.
    #[arg(long, value_name = "SPAN", conflicts_with = "from")]
    last: Option<String>,
    /// Start, Unix ms.
    #[arg(long, value_name = "MS")]
    from: Option<i64>,
    /// End, Unix ms [default: now].
    #[arg(long, value_name = "MS")]
    to: Option<i64>,
    /// raw, 1m, 1h or auto.
    #[arg(long, value_name = "RES")]
    resolution: Option<String>,
    /// Only this host.
    #[arg(long, value_name = "HOST")]
    host: Option<String>,
    /// Only this metric.
    #[arg(long, value_name = "METRIC")]
    metric: Option<String>,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Loads the spec a hub runs with and publishes its manifest and plan into the hub's database
/// `db`, for the dashboard. A spec that does not load is reported and the hub runs without one.
pub fn publish_hub_spec(
    db: &Path,
    spec: Option<&Path>,
) -> anyhow::Result<Option<cloudctl_spec::Spec>> {
    match cloudctl_spec::check_path(spec).and_then(|checked| checked.into_spec()) {
        Ok(spec) => {
            publish_spec(db, &spec)?;
            Ok(Some(spec))
        }
        Err(error) => {
            tracing::warn!(%error, "Spec not loaded; no hosts are expected, the dashboard has no services (run `cloudctl check`)");
            Ok(None)
        }
    }
}

/// The hosts a spec expects (none without one).
pub fn expected_hosts(spec: Option<&cloudctl_spec::Spec>) -> Vec<String> {
    spec.map(|s| s.hosts.keys().cloned().collect())
        .unwrap_or_default()
}

/// Stores the spec's manifest and plan in the hub's database, for `GET /api/v1/manifest` and
/// `/api/v1/plan` (and so the dashboard).
pub fn publish_spec(db: &Path, spec: &cloudctl_spec::Spec) -> anyhow::Result<()> {
    let manifest = cloudctl_render::Manifest::new(spec)
        .to_json()
        .context("cannot render the manifest")?;
    let plan = serde_json::to_string(&cloudctl_plan::plan(spec))?;
    let mut conn = cloudctl_hub::store::open_connection(db, 512)?;
    cloudctl_hub::api::dashboard::published::publish(
        &mut conn,
        &manifest,
        &plan,
        cloudctl_hub::clock::now_ms(),
    )?;
    Ok(())
}

fn client(args: &Args) -> anyhow::Result<ApiClient> {
    let token = match &args.token_file {
        Some(path) => Some(Secret::new(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the token file {}", path.display()))?
                .trim(),
        )),
        None => None,
    };
    ApiClient::new(&args.hub, token, TlsOptions::default()).context("--hub")
}

/// GET `path`; the answer when 2xx, `None` on 404 when `optional`, else a clear error.
async fn get(
    client: &ApiClient,
    hub: &str,
    path: &str,
    optional: bool,
) -> anyhow::Result<Option<Value>> {
    let (status, body) = client
        .call(Method::GET, path, None)
        .await
        .with_context(|| {
            format!("cannot reach the hub at {hub}; is it running (`cloudctl up`)? use --hub URL")
        })?;
    match status {
        200..=299 => Ok(Some(body)),
        404 if optional => Ok(None),
        401 | 403 => bail!(
            "the hub refused {path} ({status}): {}; pass --token-file with a read token (`cloudctl hub token create --read export`)",
            body["error"].as_str().unwrap_or("not allowed")
        ),
        _ => bail!(
            "the hub answered {status} to {path}: {}; {}",
            body["error"].as_str().unwrap_or("no reason given"),
            body["hint"].as_str().unwrap_or("see the hub's log")
        ),
    }
}

/// The snapshot of a running hub, as the dashboard reads it offline.
pub async fn snapshot(client: &ApiClient, hub: &str) -> anyhow::Result<Value> {
    let required = |v: Option<Value>| v.unwrap_or(Value::Null);
    let manifest = get(client, hub, "/api/v1/manifest", false).await?;
    let plan = get(client, hub, "/api/v1/plan", true).await?;
    let hosts = required(get(client, hub, "/api/v1/hosts", false).await?);
    let containers = required(get(client, hub, "/api/v1/containers", false).await?);
    let sockets = required(get(client, hub, "/api/v1/sockets", false).await?);
    let probes = get(client, hub, "/api/v1/probes", true).await?;
    let alerts = get(client, hub, "/api/v1/alerts", true).await?;
    let history = get(client, hub, "/api/v1/alerts/history", true).await?;
    let mut charts = serde_json::Map::new();
    for host in hosts.as_array().into_iter().flatten() {
        let (Some(name), true) = (host["name"].as_str(), host["seen"].as_bool() == Some(true))
        else {
            continue;
        };
        let mut per_range = serde_json::Map::new();
        for range in RANGES {
            let path = format!(
                "/api/v1/dashboard/charts?host={}&last={range}",
                encode(name)
            );
            if let Some(c) = get(client, hub, &path, true).await? {
                per_range.insert(range.to_owned(), c);
            }
        }
        charts.insert(name.to_owned(), Value::Object(per_range));
    }
    Ok(json!({
        "snapshot_version": SNAPSHOT_VERSION,
        "generated_at_ms": cloudctl_hub::clock::now_ms(),
        "generator": format!("cloudctl {}", env!("CARGO_PKG_VERSION")),
        "source": "hub",
        "manifest": manifest,
        "plan": plan,
        "hosts": hosts,
        "containers": containers,
        "sockets": sockets,
        "probes": probes,
        "alerts": alerts,
        "history": history,
        "charts": charts,
    }))
}

/// Writes a running hub's snapshot to `path` (atomically: a static server never serves half a file).
async fn write_snapshot(client: &ApiClient, hub: &str, path: &Path) -> anyhow::Result<()> {
    let snapshot = snapshot(client, hub).await?;
    let mut text = serde_json::to_string(&snapshot)?;
    text.push('\n');
    super::files::write_atomic(path, text.as_bytes(), false)?;
    let services = snapshot["manifest"]["resolved"]["services"]
        .as_array()
        .map_or(0, Vec::len);
    eprintln!(
        "Wrote {} ({} services, {} hosts, {} KB).",
        path.display(),
        services,
        snapshot["hosts"].as_array().map_or(0, Vec::len),
        text.len() / 1024
    );
    Ok(())
}

fn parse_every(s: &str) -> Result<std::time::Duration, String> {
    match humantime::parse_duration(s) {
        Ok(d) if d >= std::time::Duration::from_secs(10) => Ok(d),
        Ok(_) => Err("snapshots at most every 10s".into()),
        Err(e) => Err(format!("{e} (write e.g. 5m, 1h)")),
    }
}

/// Percent-encodes a query value (host ids are `[a-z0-9_-]`, but say so rather than assume).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn range_query(format: &str, r: &Range) -> String {
    let mut q = vec![format!("format={format}")];
    if let Some(v) = &r.last {
        q.push(format!("last={}", encode(v)));
    }
    if let Some(v) = r.from {
        q.push(format!("from={v}"));
    }
    if let Some(v) = r.to {
        q.push(format!("to={v}"));
    }
    for (k, v) in [
        ("resolution", &r.resolution),
        ("host", &r.host),
        ("metric", &r.metric),
    ] {
        if let Some(v) = v {
            q.push(format!("{k}={}", encode(v)));
        }
    }
    format!("/api/v1/export?{}", q.join("&"))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    super::hub::init_logging();
    let client = client(&args)?;
    let runtime = super::hub::runtime()?;
    match &args.what {
        What::Snapshot { out, every } => {
            let path = out.join("metrics.json");
            runtime.block_on(async {
                loop {
                    match write_snapshot(&client, &args.hub, &path).await {
                        Ok(()) => {}
                        // On a schedule a hub that is down for a while is not the end: try again.
                        Err(error) if every.is_some() => {
                            tracing::warn!(error = %format!("{error:#}"), "Snapshot not written");
                        }
                        Err(error) => return Err(error),
                    }
                    let Some(every) = every else { return Ok(()) };
                    tokio::select! {
                        _ = tokio::time::sleep(*every) => {}
                        _ = super::hub::shutdown_signal() => return Ok(()),
                    }
                }
            })?;
        }
        What::Csv(r) | What::Json(r) | What::Md(r) => {
            let format = match &args.what {
                What::Csv(_) => "csv",
                What::Json(_) => "json",
                _ => "md",
            };
            let path = range_query(format, r);
            let body = runtime
                .block_on(get(&client, &args.hub, &path, false))?
                .unwrap_or(Value::Null);
            let text = match body {
                Value::String(text) => text,
                other => {
                    let mut t = serde_json::to_string(&other)?;
                    t.push('\n');
                    t
                }
            };
            match &r.out {
                Some(file) => {
                    super::files::write_atomic(file, text.as_bytes(), false)?;
                    eprintln!("Wrote {} ({} KB).", file.display(), text.len() / 1024);
                }
                None => print!("{text}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode("oci-p-flex_1"), "oci-p-flex_1");
        assert_eq!(encode("a b&c"), "a%20b%26c");
        let r = Range {
            last: Some("7d".into()),
            from: None,
            to: None,
            resolution: None,
            host: Some("vm 1".into()),
            metric: None,
            out: None,
        };
        assert_eq!(
            range_query("md", &r),
            "/api/v1/export?format=md&last=7d&host=vm%201"
        );
    }
}
