//! `cloudctl agent`: collect this VM's metrics and send them to the hub, or write one snapshot.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use cloudctl_agent::{Agent, Config, DEFAULT_DOCKER_SOCKET, HubConfig, Token};

/// Collect this VM's metrics (host, containers, listening sockets) every interval and send them
/// to the hub; or, with --once, write one snapshot as JSON.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    cloudctl agent --hub http://10.0.0.1:7070 --token-file /etc/cloudctl/agent.token\n  \
    cloudctl agent --hub https://hub.example.org --token-file t --ca-file ca.pem --interval 30s\n  \
    cloudctl agent --once --out /srv/sync/metrics/$(hostname).json   (cron + Syncthing; the hub\n  \
                                                                     reads them with `cloudctl hub import`)\n  \
    cloudctl agent --once | jq .samples[0].host.memory\n\n\
    While the hub is unreachable, batches wait in --spool-dir (at most --spool-max-mb) and are\n\
    replayed in order once it answers again. The token is never logged.")]
pub struct Args {
    /// The hub's base URL (http://HOST:PORT or https://HOST[:PORT]); /api/v1/ingest is appended.
    #[arg(long, value_name = "URL", required_unless_present = "once")]
    hub: Option<String>,
    /// File holding this host's token (from `cloudctl hub token create HOST`).
    #[arg(long, value_name = "FILE", required_unless_present = "once")]
    token_file: Option<PathBuf>,
    /// Time between collections (10s, 1m, …).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_interval)]
    interval: Duration,
    /// The host id to report as: the host's name in the spec [default: this machine's hostname].
    #[arg(long, value_name = "ID")]
    host_id: Option<String>,
    /// Folder for unsent batches and the agent's small state (sequence number, monthly egress)
    /// [default: /var/lib/cloudctl/agent as root, else ~/.local/state/cloudctl/agent].
    #[arg(long, value_name = "DIR")]
    spool_dir: Option<PathBuf>,
    /// Largest size of the spool in MiB; when full, the oldest batches are dropped and counted.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    spool_max_mb: u64,
    /// The Docker Engine API socket (dockerd, or Podman's: /run/podman/podman.sock).
    #[arg(long, value_name = "PATH", default_value = DEFAULT_DOCKER_SOCKET)]
    docker_socket: PathBuf,
    /// PEM file of the CA that signed the hub's certificate (for a private hub over https).
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Collect once, write the snapshot as JSON, and exit.
    #[arg(long, conflicts_with_all = ["hub", "token_file", "ca_file"])]
    once: bool,
    /// With --once: the file to write (atomically); `-` or none for standard output.
    #[arg(long, value_name = "FILE", requires = "once")]
    out: Option<PathBuf>,
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    let d =
        humantime::parse_duration(s).map_err(|e| format!("{e}; write it like 10s, 30s or 1m"))?;
    if d < Duration::from_secs(1) {
        return Err("must be at least 1s".to_owned());
    }
    Ok(d)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    init_logging();
    let host_id = match &args.host_id {
        Some(id) => id.clone(),
        None => hostname()?,
    };
    let spool_dir = args.spool_dir.clone().unwrap_or_else(default_spool_dir);
    let mut config = Config::new(host_id, spool_dir);
    config.interval = args.interval;
    config.spool_max_bytes = args.spool_max_mb.saturating_mul(1 << 20);
    config.docker_socket = args.docker_socket.clone();
    check_socket(&config.docker_socket);

    if args.once {
        return once(config, args.out.as_deref());
    }
    let (Some(url), Some(token_file)) = (args.hub, args.token_file) else {
        bail!("--hub and --token-file are needed unless --once is given");
    };
    let mut hub = HubConfig::new(url, read_token(&token_file)?);
    hub.ca_file = args.ca_file;
    config.hub = Some(hub);
    let agent = Agent::new(config).context("cannot start the agent")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(agent.run(shutdown_signal()))?;
    Ok(ExitCode::SUCCESS)
}

fn once(config: Config, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let mut agent = Agent::new(config).context("cannot start the agent")?;
    let batch = agent.next_batch()?;
    agent.flush();
    let json = cloudctl_wire::to_json(&batch)?;
    match out {
        None => std::io::stdout().write_all(&json)?,
        Some(p) if p.as_os_str() == "-" => std::io::stdout().write_all(&json)?,
        Some(path) => write_atomic(path, &json)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// A sync tool (Syncthing) must never pick up a half-written snapshot: write beside, then rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("--out {}: not a file path", path.display()))?;
    let tmp = dir.join(format!(".{}.tmp", name.to_string_lossy()));
    std::fs::write(&tmp, bytes)
        .with_context(|| format!("cannot write {} (does the folder exist?)", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn read_token(path: &Path) -> anyhow::Result<Token> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read the token file {}; create it with `cloudctl hub token create HOST > {}` on the hub",
            path.display(),
            path.display()
        )
    })?;
    let token = Token::new(text);
    if token.is_empty() {
        bail!(
            "the token file {} is empty; put the token printed by `cloudctl hub token create HOST` in it",
            path.display()
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "Token file is readable by other users; run chmod 600 on it");
        }
    }
    Ok(token)
}

fn check_socket(path: &Path) {
    if let Err(e) = std::fs::metadata(path) {
        tracing::warn!(
            socket = %path.display(),
            error = %e,
            "Docker socket not usable; containers will be reported as unavailable (set --docker-socket)"
        );
    }
}

fn hostname() -> anyhow::Result<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .context("cannot read this machine's hostname; pass --host-id")?;
    let name = name.trim().to_owned();
    cloudctl_wire::check_host_id(&name).map_err(|e| {
        anyhow::anyhow!(
            "this machine's hostname {name:?} is not a usable host id ({e}); pass --host-id"
        )
    })?;
    Ok(name)
}

fn default_spool_dir() -> PathBuf {
    let root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    if root {
        return PathBuf::from("/var/lib/cloudctl/agent");
    }
    if let Some(state) = std::env::var_os("XDG_STATE_HOME").filter(|s| !s.is_empty()) {
        return PathBuf::from(state).join("cloudctl/agent");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
    PathBuf::from(home).join(".local/state/cloudctl/agent")
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    tracing::info!("Stopping: spooling what is queued");
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CLOUDCTL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
