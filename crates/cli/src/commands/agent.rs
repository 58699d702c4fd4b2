//! `cloudctl agent`: collect this VM's metrics and send them to the hub, or write one snapshot.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use cloudctl_agent::probe::LocalProbe;
use cloudctl_agent::{Agent, Config, DEFAULT_DOCKER_SOCKET, HubConfig, Token};

use super::SpecArg;

/// Collect this VM's metrics (host, containers, listening sockets, probes of its internal ports)
/// every interval and send them to the hub; or, with --once, write one snapshot as JSON.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    cloudctl agent --hub http://10.0.0.1:7070 --token-file /etc/cloudctl/agent.token\n  \
    cloudctl agent --hub https://hub.example.org --token-file t --ca-file ca.pem --interval 30s\n  \
    cloudctl agent --once --out /srv/sync/metrics/$(hostname).json   (cron + Syncthing; the hub\n                                                                    \
    reads them with `cloudctl hub import`)\n  \
    cloudctl agent --once | jq .samples[0].host.memory\n  \
    cloudctl agent --once --host-id oci-f-micro_1 | jq .samples[0].probes   (probes from the spec)\n  \
    cloudctl agent --once --no-spec-probes --probe pg=tcp://127.0.0.1:5432 \\\n      \
    --probe vault=http://127.0.0.1:8080/alive --probe auth=container://authelia:9091\n  \
    cloudctl agent --hub http://10.0.0.1:7070 --token-file t --spec infra/ --probe-timeout 2s\n\n\
    Probes check this VM's internal ports, so the hub sees a service from inside as well as from\n\
    outside. By default they come from the spec (the built-in master plan, or --spec): for each\n\
    deployed service (status on or dev) on this host, each container component with a TCP port\n\
    gets a probe SERVICE-COMPONENT (vault-app; photos + photo-app gives photos-photo-app) with\n\
    target container://CONTAINER:PORT.\n\
    A host id the spec does not know derives none. --probe adds or replaces (same name) probes:\n  \
    tcp://HOST:PORT          up when a TCP connection is accepted\n  \
    http://HOST:PORT/PATH    a plain HTTP GET, up when the status is below 400 (a redirect to a\n                           \
    login portal counts as up)\n  \
    container://NAME:PORT    the container's address from the Docker API (127.0.0.1 on the host\n                           \
    network), then a TCP connect; a stopped container is down (\"container x is exited\")\n\
    All probes run at once at every collection; none takes longer than --probe-timeout.\n\n\
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
    /// A probe of a port on this VM (repeatable): NAME=TARGET, NAME of a-z 0-9 _ . -, TARGET
    /// tcp://HOST:PORT, http://HOST:PORT/PATH or container://NAME:PORT. Replaces a probe of the
    /// same name derived from the spec.
    #[arg(long = "probe", value_name = "NAME=TARGET", value_parser = parse_probe)]
    probes: Vec<LocalProbe>,
    /// How long each probe may take before it counts as down.
    #[arg(long, value_name = "DURATION", default_value = "3s", value_parser = parse_probe_timeout)]
    probe_timeout: Duration,
    /// The spec (folder or file) to derive this host's probes from [default: the built-in
    /// master plan].
    #[arg(long = "spec", value_name = "PATH", env = "CLOUDCTL_SPEC")]
    spec: Option<PathBuf>,
    /// Derive no probes from the spec: only the --probe ones run.
    #[arg(long)]
    no_spec_probes: bool,
}

fn parse_probe(s: &str) -> Result<LocalProbe, String> {
    s.parse()
}

fn parse_probe_timeout(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e}; write it like 3s or 500ms"))?;
    if d < Duration::from_millis(10) {
        return Err("must be at least 10ms".to_owned());
    }
    Ok(d)
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
    config.probes = probes(&args, &config.host_id)?;
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

/// The spec's probes for this host (unless --no-spec-probes), then the --probe ones (which
/// replace a derived probe of the same name), all with --probe-timeout.
fn probes(args: &Args, host_id: &str) -> anyhow::Result<Vec<LocalProbe>> {
    let mut probes = if args.no_spec_probes {
        Vec::new()
    } else {
        let spec = SpecArg {
            path: args.spec.clone(),
        }
        .load()
        .context("cannot derive probes from the spec; fix it, or pass --no-spec-probes")?;
        spec_probes(&spec, host_id)
    };
    for (i, probe) in args.probes.iter().enumerate() {
        if args.probes[..i].iter().any(|p| p.name == probe.name) {
            bail!(
                "--probe: two probes are named {:?}; give each its own name",
                probe.name
            );
        }
        probes.retain(|p| p.name != probe.name);
        probes.push(probe.clone());
    }
    for probe in &mut probes {
        probe.timeout = args.probe_timeout;
    }
    Ok(probes)
}

/// For every deployed service on `host_id`, a `container://CONTAINER:PORT` probe per container
/// component with a TCP port, named like the component (`SERVICE-COMPONENT`).
fn spec_probes(spec: &cloudctl_spec::Spec, host_id: &str) -> Vec<LocalProbe> {
    if !spec.hosts.contains_key(host_id) {
        tracing::info!(
            host_id,
            "Host not in the spec; no probes derived from it (pass --host-id, --spec or --probe)"
        );
        return Vec::new();
    }
    let mut probes = Vec::new();
    for (service_id, service) in spec.services_on(host_id) {
        if !service.status.is_deployed() {
            continue;
        }
        for (component_id, component) in &service.components {
            let Some(port) = component.port else { continue };
            if !component.is_container() || component.protocol != cloudctl_spec::Protocol::Tcp {
                continue;
            }
            let name = cloudctl_spec::component_probe_name(service_id, component_id);
            let container = component.container_name(component_id);
            match format!("{name}=container://{container}:{port}").parse::<LocalProbe>() {
                Ok(probe) => probes.push(probe),
                Err(e) => tracing::warn!(
                    service = %service_id,
                    component = %component_id,
                    error = %e,
                    "Cannot probe this component; add a --probe for it"
                ),
            }
        }
    }
    tracing::info!(
        host_id,
        count = probes.len(),
        "Probes derived from the spec"
    );
    probes
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
