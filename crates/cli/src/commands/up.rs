//! `cloudctl up`: the main job on one machine — a hub on 127.0.0.1 with its database in the
//! user's data folder, and an agent for this machine in the same process, until Ctrl-C.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use cloudctl_agent::{Agent, Config, DEFAULT_DOCKER_SOCKET, HubConfig, Token};
use cloudctl_hub::store::{StoreConfig, open_connection};
use cloudctl_hub::tokens::{self, Principal, Secret, TokenKind};
use cloudctl_hub::{HubOptions, clock};
use tokio::sync::{oneshot, watch};

use super::hub::{data_dir, init_logging, runtime, shutdown_signal};

/// The port `up` tries first.
const DEFAULT_PORT: u16 = 7070;

/// Start a hub on 127.0.0.1 and an agent for this machine, and watch until Ctrl-C.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    cloudctl up                      hub on 127.0.0.1:7070 (or a free port), agent every 10s\n  \
    cloudctl up --port 8080 --interval 30s\n  \
    cloudctl up --docker-socket /run/podman/podman.sock\n  \
    cloudctl up --monitor --spec infra/   probe the spec's services, evaluate alert rules\n\n\
    Then: curl http://127.0.0.1:7070/api/v1/hosts\n\
    Other VMs join with `cloudctl hub token create HOST` and `cloudctl agent --hub URL --token-file F`.")]
pub struct Args {
    /// Port on 127.0.0.1 [default: 7070, or a free port when 7070 is taken].
    #[arg(long, value_name = "PORT")]
    port: Option<u16>,
    /// Folder for the database, the agent's spool and token [default: $XDG_DATA_HOME/cloudctl
    /// or ~/.local/share/cloudctl].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The host id this machine reports as [default: its hostname].
    #[arg(long, value_name = "ID")]
    host_id: Option<String>,
    /// Time between collections.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_interval)]
    interval: Duration,
    /// The Docker Engine API socket (dockerd, or Podman's).
    #[arg(long, value_name = "PATH", default_value = DEFAULT_DOCKER_SOCKET)]
    docker_socket: PathBuf,
    /// Spec that says which hosts should exist [default: the built-in master plan].
    #[arg(long, value_name = "PATH")]
    spec: Option<PathBuf>,
    /// Also run the monitor: probe the spec's services and evaluate its alert rules. Off by
    /// default: probes reach the services' public URLs and notifications leave this machine.
    #[arg(long)]
    monitor: bool,
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    match humantime::parse_duration(s) {
        Ok(d) if d >= Duration::from_secs(1) => Ok(d),
        Ok(_) => Err("the interval must be at least 1s".into()),
        Err(e) => Err(format!("{e} (write e.g. 10s, 1m)")),
    }
}

fn hostname() -> anyhow::Result<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .context("cannot read this machine's hostname; pass --host-id")?;
    let name = name.trim().to_owned();
    tokens::check_subject(&name).with_context(|| {
        format!("this machine's hostname {name:?} is not a host id; pass --host-id")
    })?;
    Ok(name)
}

/// This machine's token: the one in `path` if it is still live for `host`, else a new one
/// written there (mode 0600).
fn agent_token(db: &Path, path: &Path, host: &str) -> anyhow::Result<Token> {
    let conn = open_connection(db, 512)?;
    if let Ok(text) = std::fs::read_to_string(path) {
        let secret = Secret::new(text.trim());
        if tokens::authenticate(&conn, &secret)? == Some(Principal::Host(host.to_owned())) {
            return Ok(Token::new(secret.expose()));
        }
    }
    let new = tokens::create(&conn, TokenKind::Host, host, clock::now_ms())?;
    write_secret(path, new.secret.expose())?;
    tracing::info!(host, id = %new.info.id, "Created this machine's agent token");
    Ok(Token::new(new.secret.expose()))
}

fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(file, "{text}").with_context(|| format!("cannot write {}", path.display()))
}

async fn bind(port: Option<u16>) -> anyhow::Result<tokio::net::TcpListener> {
    let wanted = port.unwrap_or(DEFAULT_PORT);
    match tokio::net::TcpListener::bind(("127.0.0.1", wanted)).await {
        Ok(l) => Ok(l),
        Err(e) if e.kind() == ErrorKind::AddrInUse && port.is_none() => {
            tokio::net::TcpListener::bind(("127.0.0.1", 0))
                .await
                .context("cannot listen on any port of 127.0.0.1")
        }
        Err(e) => Err(e)
            .with_context(|| format!("cannot listen on 127.0.0.1:{wanted}; choose another --port")),
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    init_logging();
    let dir = match &args.data_dir {
        Some(dir) => dir.clone(),
        None => data_dir()?,
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let db = dir.join("hub.db");
    let host = match &args.host_id {
        Some(id) => {
            tokens::check_subject(id).context("--host-id")?;
            id.clone()
        }
        None => hostname()?,
    };
    let token_file = dir.join("agent.token");
    let token = agent_token(&db, &token_file, &host)?;
    // The spec: hosts to expect, services to probe (from this machine: a spec's URLs are reached),
    // and the manifest and plan the dashboard shows.
    let spec = super::export::publish_hub_spec(&db, args.spec.as_deref())?;
    let expected = super::export::expected_hosts(spec.as_ref());
    let monitor = match (&spec, args.monitor) {
        (Some(spec), true) => {
            let (setup, warnings) =
                cloudctl_hub::monitor::MonitorSetup::from_spec(spec, args.interval);
            for warning in warnings {
                tracing::warn!(%warning, "Monitor");
            }
            Some(setup)
        }
        _ => None,
    };

    runtime()?.block_on(async move {
        let listener = bind(args.port).await?;
        let addr = listener.local_addr().context("cannot read the listening address")?;
        let url = format!("http://{addr}");

        let mut config = Config::new(host.clone(), dir.join("agent"));
        config.interval = args.interval;
        config.docker_socket = args.docker_socket.clone();
        config.hub = Some(HubConfig::new(url.clone(), token));
        let agent = Agent::new(config).context("cannot start this machine's agent")?;

        println!("cloudctl is up.");
        println!("  Dashboard: {url}/");
        println!("  API:       {url}/api/v1/hosts  (docs: {url}/api/docs)");
        println!("  Database:  {}", db.display());
        println!(
            "  Agent:     this machine reports as {host:?} every {} (token in {})",
            humantime::format_duration(args.interval),
            token_file.display()
        );
        if !expected.is_empty() {
            println!(
                "  Expected:  {} (from the spec): on each, `cloudctl agent --hub URL --token-file F` \
                 with a token from `cloudctl hub token create HOST`",
                expected.join(", ")
            );
        }
        println!("Press Ctrl-C to stop.");

        // Ctrl-C stops the agent first (its last batch reaches the hub or its spool), then the
        // hub, so nothing collected is lost.
        let (stop, stopped) = watch::channel(false);
        let stop = std::sync::Arc::new(stop);
        let (agent_done, agent_finished) = oneshot::channel::<()>();
        let signal_stop = stop.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = signal_stop.send(true);
        });
        let mut agent_stop = stopped.clone();
        let agent_task = async move {
            let result = agent
                .run(async move {
                    let _ = agent_stop.wait_for(|s| *s).await;
                })
                .await;
            if let Err(error) = &result {
                tracing::error!(%error, "This machine's agent stopped");
            }
            let _ = agent_done.send(());
        };
        let mut hub_stop = stopped;
        let hub_shutdown = async move {
            let _ = hub_stop.wait_for(|s| *s).await;
            let _ = agent_finished.await;
        };
        let options = HubOptions {
            store: StoreConfig::new(db.clone()),
            expected_hosts: expected,
        };
        let hub_task = async move {
            let served = match monitor {
                Some(setup) => {
                    cloudctl_hub::monitor::serve_with(listener, options, setup, hub_shutdown).await
                }
                None => cloudctl_hub::serve(listener, options, hub_shutdown).await,
            };
            // A hub that fails must not leave the agent running alone.
            let _ = stop.send(true);
            served
        };
        let (_, served) = tokio::join!(agent_task, hub_task);
        served.context("the hub stopped with an error")?;
        println!("cloudctl stopped; data kept in {}", db.display());
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
