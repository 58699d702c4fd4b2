//! Containers through the Docker Engine API (dockerd, or Podman's compatible socket): name,
//! image, state, health, restart count, started-at, CPU %, memory, network bytes.
//!
//! An engine that cannot be reached is not an error of the agent: the section says
//! `available: false` with the reason, and a warning is logged when that changes.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use cloudctl_wire::{Container, Sample};
use serde::Deserialize;

use super::{Collector, Context};
use crate::Result;
use crate::docker::{DockerClient, DockerError};

/// Containers.
pub struct Containers {
    client: DockerClient,
    /// CPU nanoseconds per container at its previous reading.
    prev_cpu: HashMap<String, (u64, Instant)>,
    /// Restarts seen per container id: (last started-at, engine's count then, restarts the
    /// engine did not count).
    starts: HashMap<String, (String, u64, u64)>,
    last_reason: Option<String>,
}

impl Containers {
    /// A collector for the engine at `socket`.
    pub fn new(socket: PathBuf) -> Self {
        Containers {
            client: DockerClient::new(socket, Duration::from_secs(5)),
            prev_cpu: HashMap::new(),
            starts: HashMap::new(),
            last_reason: None,
        }
    }
}

impl Collector for Containers {
    fn name(&self) -> &'static str {
        "containers"
    }

    fn collect(&mut self, ctx: &mut Context, sample: &mut Sample) -> Result<()> {
        let section = match self.list(ctx.instant) {
            Ok(list) => {
                if self.last_reason.take().is_some() {
                    tracing::info!(socket = %self.client.socket().display(), "Container engine reachable again");
                }
                cloudctl_wire::Containers {
                    available: true,
                    reason: None,
                    list,
                }
            }
            Err(e) => {
                let reason = e.to_string();
                if self.last_reason.as_deref() != Some(reason.as_str()) {
                    tracing::warn!(socket = %self.client.socket().display(), error = %reason, "Container engine unavailable; containers are reported as unavailable");
                }
                self.last_reason = Some(reason.clone());
                cloudctl_wire::Containers {
                    available: false,
                    reason: Some(reason),
                    list: Vec::new(),
                }
            }
        };
        sample.containers = Some(section);
        Ok(())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListEntry {
    id: String,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    image: String,
    #[serde(default)]
    state: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Inspect {
    #[serde(default)]
    restart_count: u64,
    #[serde(default)]
    state: Option<InspectState>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InspectState {
    #[serde(default)]
    started_at: Option<String>,
    #[serde(default)]
    health: Option<Health>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Health {
    #[serde(default)]
    status: String,
}

#[derive(Deserialize, Default)]
struct Stats {
    #[serde(default)]
    cpu_stats: CpuStats,
    #[serde(default)]
    memory_stats: MemoryStats,
    #[serde(default)]
    networks: Option<HashMap<String, NetStats>>,
}

#[derive(Deserialize, Default)]
struct CpuStats {
    #[serde(default)]
    cpu_usage: CpuUsage,
}

#[derive(Deserialize, Default)]
struct CpuUsage {
    #[serde(default)]
    total_usage: u64,
}

#[derive(Deserialize, Default)]
struct MemoryStats {
    usage: Option<u64>,
    limit: Option<u64>,
    #[serde(default)]
    stats: HashMap<String, u64>,
}

#[derive(Deserialize, Default)]
struct NetStats {
    #[serde(default)]
    rx_bytes: u64,
    #[serde(default)]
    tx_bytes: u64,
}

fn json<T: for<'de> Deserialize<'de>>(bytes: &[u8], what: &str) -> Result<T, DockerError> {
    serde_json::from_slice(bytes).map_err(|e| DockerError::Protocol {
        what: what.to_owned(),
        reason: format!("unexpected JSON: {e}"),
    })
}

impl Containers {
    fn list(&mut self, now: Instant) -> Result<Vec<Container>, DockerError> {
        let entries: Vec<ListEntry> = json(
            &self.client.get("/containers/json?all=true")?,
            "/containers/json",
        )?;
        let mut out = Vec::with_capacity(entries.len());
        let mut seen = std::collections::HashSet::with_capacity(entries.len());
        for e in entries {
            let name = e
                .names
                .first()
                .map(|n| n.trim_start_matches('/').to_owned())
                .unwrap_or_else(|| e.id.chars().take(12).collect());
            let mut c = Container {
                name,
                image: e.image,
                state: e.state,
                ..Container::default()
            };
            // A container removed between the list and this call is skipped, not an error.
            match self.client.get(&format!("/containers/{}/json", e.id)) {
                Ok(body) => {
                    let inspect: Inspect = json(&body, "/containers/{id}/json")?;
                    c.restart_count = inspect.restart_count;
                    if let Some(state) = inspect.state {
                        c.started_at = state.started_at.filter(|s| !s.starts_with("0001-01-01"));
                        c.health = state
                            .health
                            .map(|h| h.status)
                            .filter(|s| !s.is_empty() && s != "none");
                    }
                }
                Err(DockerError::Status { status: 404, .. }) => continue,
                Err(err) => return Err(err),
            }
            if c.state == "running" {
                match self.client.get(&format!(
                    "/containers/{}/stats?stream=false&one-shot=true",
                    e.id
                )) {
                    Ok(body) => {
                        let stats: Stats = json(&body, "/containers/{id}/stats")?;
                        self.fill_stats(&e.id, &stats, now, &mut c);
                        seen.insert(e.id.clone());
                    }
                    Err(DockerError::Status {
                        status: 404 | 409, ..
                    }) => {}
                    Err(err) => return Err(err),
                }
            }
            c.restart_count = self.restarts(&e.id, c.restart_count, c.started_at.as_deref());
            c.id = e.id;
            out.push(c);
        }
        self.prev_cpu.retain(|id, _| seen.contains(id));
        self.starts.retain(|id, _| out.iter().any(|c| c.id == *id));
        Ok(out)
    }

    /// The engine counts only restarts made by its restart policy (Podman: not even
    /// `podman restart`). A start time that changed while the engine's count did not is a restart
    /// it missed; the agent adds those (counted since the agent started).
    fn restarts(&mut self, id: &str, engine_count: u64, started_at: Option<&str>) -> u64 {
        let Some(started_at) = started_at else {
            return engine_count + self.starts.get(id).map_or(0, |s| s.2);
        };
        let entry = self
            .starts
            .entry(id.to_owned())
            .or_insert_with(|| (started_at.to_owned(), engine_count, 0));
        if entry.0 != started_at {
            if engine_count <= entry.1 {
                entry.2 += 1;
            }
            entry.0 = started_at.to_owned();
        }
        entry.1 = engine_count;
        engine_count + entry.2
    }

    fn fill_stats(&mut self, id: &str, stats: &Stats, now: Instant, c: &mut Container) {
        let total = stats.cpu_stats.cpu_usage.total_usage;
        if let Some(&(before, at)) = self.prev_cpu.get(id) {
            let secs = now.duration_since(at).as_secs_f64();
            if secs > 0.0 && total >= before {
                let pct = (total - before) as f64 / 1e9 / secs * 100.0;
                c.cpu_percent = Some((pct * 100.0).round() / 100.0);
            }
        }
        self.prev_cpu.insert(id.to_owned(), (total, now));
        // As `docker stats` shows it: page cache that can be dropped is not counted as use.
        let cache = stats
            .memory_stats
            .stats
            .get("inactive_file")
            .or_else(|| stats.memory_stats.stats.get("total_inactive_file"))
            .copied()
            .unwrap_or(0);
        c.memory_bytes = stats.memory_stats.usage.map(|u| u.saturating_sub(cache));
        c.memory_limit_bytes = stats.memory_stats.limit;
        if let Some(nets) = &stats.networks {
            c.net_rx_bytes = Some(nets.values().map(|n| n.rx_bytes).sum());
            c.net_tx_bytes = Some(nets.values().map(|n| n.tx_bytes).sum());
        }
    }
}
