//! `cloudctl hub`: run the hub, manage its tokens, import file-mode snapshots.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use cloudctl_hub::store::{Retention, Store, StoreConfig, open_connection};
use cloudctl_hub::tokens::{self, TokenKind};
use cloudctl_hub::{HubOptions, clock};

/// Run the hub: receive agents' batches, keep them in one SQLite file, serve the read API.
#[derive(Debug, clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  \
    cloudctl hub --listen 127.0.0.1:7070            serve (reads open: loopback only)\n  \
    cloudctl hub --listen 10.0.0.1:7070 --db /var/lib/cloudctl/hub.db\n  \
    cloudctl hub token create oci-f-micro_1 --out agent.token\n  \
    cloudctl hub token create --read dashboard      a token for the read API\n  \
    cloudctl hub token list\n  \
    cloudctl hub token revoke oci-f-micro_1\n  \
    cloudctl hub import /srv/sync/metrics           ingest `cloudctl agent --once` snapshots\n  \
    cloudctl hub --no-monitor                       store and serve only: no probes, no alerts\n\n\
    The hub probes every public URL of the spec (a redirect to the auth portal counts as up),\n\
    evaluates the spec's alert rules on what agents report, and notifies through the spec's\n\
    email relay, webhook or ntfy. Probe results (uptime over 24 h, 7 d, 30 d, 365 d), alert\n\
    history and silences are kept in the database and survive restarts.\n\
    Reads need a read token unless the hub listens on a loopback address only.\n\
    Log level: CLOUDCTL_LOG=debug."
)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7070")]
    listen: SocketAddr,
    #[command(flatten)]
    db: DbArg,
    /// Spec that says which hosts should exist [default: the built-in master plan].
    #[arg(long, value_name = "PATH")]
    spec: Option<PathBuf>,
    /// How long raw samples are kept.
    #[arg(long, value_name = "DURATION", default_value = "48h", value_parser = parse_duration)]
    keep_raw: Duration,
    /// How long 1-minute rollups are kept.
    #[arg(long, value_name = "DURATION", default_value = "14d", value_parser = parse_duration)]
    keep_1m: Duration,
    /// How long 1-hour rollups are kept.
    #[arg(long, value_name = "DURATION", default_value = "400d", value_parser = parse_duration)]
    keep_1h: Duration,
    /// How often retention runs.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    retention_every: Duration,
    /// Do not run the monitor (probes of the spec's URLs, alert rules, notifications): only
    /// receive, keep and serve what agents send.
    #[arg(long)]
    no_monitor: bool,
    /// The agents' interval: a host is silent after N of them, and rules run this often
    /// [default: the spec's monitoring.interval].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    agent_interval: Option<Duration>,
}

/// The hub's database file.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArg {
    /// The hub's SQLite file [default: $XDG_DATA_HOME/cloudctl/hub.db or
    /// ~/.local/share/cloudctl/hub.db].
    #[arg(long, value_name = "FILE", env = "CLOUDCTL_DB", global = true)]
    db: Option<PathBuf>,
}

impl DbArg {
    fn path(&self) -> anyhow::Result<PathBuf> {
        match &self.db {
            Some(path) => Ok(path.clone()),
            None => Ok(data_dir()?.join("hub.db")),
        }
    }
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Create, list or revoke tokens.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Ingest a folder of `cloudctl agent --once` snapshots (*.json), idempotently.
    Import {
        /// The folder.
        dir: PathBuf,
    },
}

#[derive(Debug, clap::Subcommand)]
enum TokenCmd {
    /// Create a token; it is shown once (or written to --out) and stored only as a hash.
    Create {
        /// The host the token writes for (its agent's --host-id), or with --read a label.
        name: String,
        /// A read token for the API instead of a host token.
        #[arg(long)]
        read: bool,
        /// Write the token to this file (mode 0600) instead of printing it.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// List tokens (never their secrets).
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke every live token of a host or label, or one token by id.
    Revoke {
        /// Host name, label or token id.
        who: String,
    },
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (write e.g. 90s, 10m, 48h, 14d)"))
}

/// The user's data folder for cloudctl: $XDG_DATA_HOME/cloudctl or ~/.local/share/cloudctl.
pub fn data_dir() -> anyhow::Result<PathBuf> {
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(xdg).join("cloudctl"));
    }
    let home = std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .context("neither XDG_DATA_HOME nor HOME is set; pass --db FILE")?;
    Ok(PathBuf::from(home).join(".local/share/cloudctl"))
}

/// Logs to stderr; `CLOUDCTL_LOG` sets the filter (default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CLOUDCTL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

/// A small runtime: the hub must fit on a 1 GB VM.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(8)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    init_logging();
    let db = args.db.path()?;
    match args.command {
        Some(Sub::Token(cmd)) => token(cmd, &db),
        Some(Sub::Import { dir }) => import(&dir, &db),
        None => serve(&args, db),
    }
}

fn serve(args: &Args, db: PathBuf) -> anyhow::Result<ExitCode> {
    let mut store = StoreConfig::new(db);
    store.retention = Retention {
        raw: args.keep_raw,
        minute: args.keep_1m,
        hour: args.keep_1h,
        every: args.retention_every,
    };
    // The spec: the hosts to expect, and the manifest and plan the dashboard shows.
    let spec = super::export::publish_hub_spec(&store.path, args.spec.as_deref())?;
    let options = HubOptions {
        store,
        expected_hosts: super::export::expected_hosts(spec.as_ref()),
    };
    let setup = match (&spec, args.no_monitor) {
        (Some(spec), false) => {
            let interval = args.agent_interval.unwrap_or(spec.monitoring.interval.0);
            let (setup, warnings) = cloudctl_hub::monitor::MonitorSetup::from_spec(spec, interval);
            for warning in warnings {
                tracing::warn!(%warning, "Monitor");
            }
            Some(setup)
        }
        _ => None,
    };
    let listen = args.listen;
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}; is another hub running there?"))?;
        eprintln!(
            "cloudctl hub on http://{listen}  (database {}; {})",
            options.store.path.display(),
            match &setup {
                Some(s) => format!(
                    "monitor on: {} probes, {} notifiers",
                    s.config.probes.len(),
                    s.config.notifiers.len()
                ),
                None => "monitor off".to_owned(),
            }
        );
        match setup {
            Some(setup) => {
                cloudctl_hub::monitor::serve_with(listener, options, setup, shutdown_signal()).await
            }
            None => cloudctl_hub::serve(listener, options, shutdown_signal()).await,
        }
        .context("the hub stopped with an error")
    })?;
    Ok(ExitCode::SUCCESS)
}

fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(file, "{text}").with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn token(cmd: TokenCmd, db: &Path) -> anyhow::Result<ExitCode> {
    let conn = open_connection(db, 1024)?;
    match cmd {
        TokenCmd::Create { name, read, out } => {
            let kind = if read {
                TokenKind::Read
            } else {
                TokenKind::Host
            };
            let new = tokens::create(&conn, kind, &name, clock::now_ms())?;
            match out {
                Some(path) => {
                    write_secret(&path, new.secret.expose())?;
                    eprintln!(
                        "Created {} token {} for {name}; written to {} (mode 0600).",
                        if read { "read" } else { "host" },
                        new.info.id,
                        path.display()
                    );
                }
                None => {
                    println!("{}", new.secret.expose());
                    eprintln!(
                        "Created {} token {} for {name}. It is shown only this once: store it now{}.",
                        if read { "read" } else { "host" },
                        new.info.id,
                        if read {
                            ""
                        } else {
                            " in the agent's --token-file"
                        }
                    );
                }
            }
        }
        TokenCmd::List { json } => {
            let list = tokens::list(&conn)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                let mut table = comfy_table::Table::new();
                table.set_header(["ID", "KIND", "FOR", "CREATED", "REVOKED"]);
                for t in list {
                    table.add_row([
                        t.id,
                        format!("{:?}", t.kind).to_lowercase(),
                        t.subject,
                        time_text(t.created_ms),
                        t.revoked_ms.map(time_text).unwrap_or_else(|| "-".into()),
                    ]);
                }
                println!("{table}");
            }
        }
        TokenCmd::Revoke { who } => match tokens::revoke(&conn, &who, clock::now_ms()) {
            Ok(n) => eprintln!("Revoked {n} token(s) of {who}."),
            Err(cloudctl_hub::Error::NotFound { .. }) => {
                anyhow::bail!("no live token for {who:?}; `cloudctl hub token list` shows them")
            }
            Err(e) => return Err(e.into()),
        },
    }
    Ok(ExitCode::SUCCESS)
}

fn time_text(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_seconds(t).to_string()
}

fn import(dir: &Path, db: &Path) -> anyhow::Result<ExitCode> {
    use cloudctl_hub::import::FileOutcome;
    let store = Store::open(StoreConfig::new(db))?;
    let summary = runtime()?.block_on(async {
        let result = cloudctl_hub::import::import_dir(&store, dir, |r| {
            let what = match &r.outcome {
                FileOutcome::Stored { host, seq, samples } => {
                    format!("stored {samples} samples of {host} #{seq}")
                }
                FileOutcome::Duplicate { host, seq } => format!("already stored ({host} #{seq})"),
                FileOutcome::Failed { reason, hint } => format!("skipped: {reason} ({hint})"),
            };
            eprintln!("[{}/{}] {}: {what}", r.index, r.total, r.path.display());
        })
        .await;
        store.close().await;
        result
    })?;
    eprintln!(
        "Imported {} file(s): {} stored ({} samples), {} already stored, {} skipped.",
        summary.files, summary.stored, summary.samples, summary.duplicates, summary.failed
    );
    Ok(if summary.failed > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
