//! Probes and alerts in the hub (issue 5): the spec mapped into the monitor's configuration
//! ([`config`]), agents' latest snapshots mapped into observed facts ([`facts`]), the monitor's
//! journal into the store ([`journal`]: probe runs with uptime, alert history, silences), the
//! probe API over the store ([`api`]), and [`serve`]: the hub's [`crate::serve`] plus the monitor
//! (probe scheduler, rule evaluation, notification queue) and its routes under `/api/v1/alerts`
//! and `/api/v1/probes`. The rules, probes and notifiers themselves live in `cloudctl-alerts` and
//! `cloudctl-probes`.

pub mod api;
pub mod checks;
pub mod config;
pub mod facts;
pub mod journal;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::Duration;

use cloudctl_alerts::monitor::{Monitor, MonitorConfig, system_clock};
use cloudctl_alerts::{HistoryEntry, Silence};
use cloudctl_spec::Spec;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use config::{agent_probe_services, config_from_spec, egress_quota};
pub use facts::{FeedConfig, feed, host_facts};

use crate::api::{AppState, auth, router};
use crate::store::Store;
use crate::{Error, HubOptions, Result};

/// Everything the hub's monitor runs from.
#[derive(Debug, Clone, Default)]
pub struct MonitorSetup {
    /// Probes, rules, desired state, notifiers.
    pub config: MonitorConfig,
    /// The agents' interval (also how often rules are evaluated).
    pub agent_interval: Duration,
    /// Hosts whose egress quota is counted per day.
    pub daily_quota: BTreeSet<String>,
    /// The service of each agent probe, by stored name (`host/probe`).
    pub agent_probe_services: BTreeMap<String, String>,
}

impl MonitorSetup {
    /// A setup with nothing from a spec beyond `config`.
    pub fn new(config: MonitorConfig, agent_interval: Duration) -> Self {
        MonitorSetup {
            config,
            agent_interval,
            ..MonitorSetup::default()
        }
    }

    /// The whole setup from the spec, and what could not be mapped (for the caller to log).
    pub fn from_spec(spec: &Spec, agent_interval: Duration) -> (Self, Vec<String>) {
        let (config, warnings) = config_from_spec(spec);
        let daily_quota = spec
            .hosts
            .keys()
            .filter(|h| {
                egress_quota(spec, h).is_some_and(|q| q.period == Duration::from_secs(86_400))
            })
            .cloned()
            .collect();
        let setup = MonitorSetup {
            config,
            agent_interval,
            daily_quota,
            agent_probe_services: agent_probe_services(spec),
        };
        (setup, warnings)
    }
}

/// History entries put back into the engine at start (the engine keeps at most its limit).
const RESTORED_HISTORY: usize = 1000;

/// What the store kept of the monitor's memory: history (oldest first) and live silences.
async fn stored_memory(store: &Store, now: i64) -> Result<(Vec<HistoryEntry>, Vec<Silence>)> {
    let (history, silences) = store
        .read(move |conn| {
            Ok((
                crate::store::alerts::recent_history(conn, RESTORED_HISTORY)?,
                crate::store::alerts::silences(conn, now - 86_400)?,
            ))
        })
        .await?;
    let history = history
        .iter()
        .filter_map(|text| parse_stored("alert history", text))
        .collect();
    let silences = silences
        .iter()
        .filter_map(|text| parse_stored("silence", text))
        .collect();
    Ok((history, silences))
}

/// A stored record as its type; one this build cannot read (a newer hub wrote it) is skipped with
/// a warning, never fatal.
fn parse_stored<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Option<T> {
    serde_json::from_str(text)
        .inspect_err(
            |error| tracing::warn!(what, %error, "A stored record cannot be read; skipped"),
        )
        .ok()
}

/// Serves the hub like [`crate::serve`], with the monitor running beside it and its routes
/// merged in (behind the same read authorization).
pub async fn serve(
    listener: TcpListener,
    options: HubOptions,
    config: MonitorConfig,
    agent_interval: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    serve_with(
        listener,
        options,
        MonitorSetup::new(config, agent_interval),
        shutdown,
    )
    .await
}

/// Serves the hub with the monitor as `setup` says: probe results, alert history and silences
/// are kept in the store and put back when the hub starts again.
pub async fn serve_with(
    listener: TcpListener,
    options: HubOptions,
    setup: MonitorSetup,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let addr = listener.local_addr().map_err(|source| Error::Io {
        context: "cannot read the listening address".into(),
        source,
    })?;
    let store = crate::store::Store::open(options.store)?;
    let open_reads = addr.ip().is_loopback();
    let state = AppState::new(store.clone(), open_reads, options.expected_hosts);
    let config = &setup.config;
    let (journal, queues) = journal::StoreJournal::new(&config.probes);
    let monitor =
        Monitor::with_journal(config, system_clock(), journal).map_err(|e| Error::Invalid {
            reason: e.to_string(),
            hint: "fix monitoring.notify or access.smtp in the spec".into(),
        })?;
    let (history, silences) = stored_memory(&store, monitor.now()).await?;
    tracing::debug!(
        history = history.len(),
        silences = silences.len(),
        "Alert memory restored"
    );
    monitor.restore(history, silences);

    let (stop, stopped) = watch::channel(false);
    let waiter = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let retention = {
        let store = store.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move { store.run_retention(waiter(stopped)).await })
    };
    let feeding = tokio::spawn(feed(
        store.clone(),
        monitor.clone(),
        FeedConfig {
            interval_secs: setup.agent_interval.as_secs().max(1),
            every: setup.agent_interval,
            daily_quota: setup.daily_quota.clone(),
            agent_probe_services: setup.agent_probe_services.clone(),
        },
        waiter(stopped.clone()),
    ));
    let monitoring = tokio::spawn(monitor.clone().run(
        config.probes.clone(),
        16,
        setup.agent_interval,
        waiter(stopped.clone()),
    ));
    // The journal stops after the monitor: what the last evaluation recorded is still written.
    let (journal_stop, journal_stopped) = watch::channel(false);
    let journaling = tokio::spawn(journal::StoreJournal::run(
        store.clone(),
        queues,
        waiter(journal_stopped),
    ));
    let monitor_routes = monitor
        .routes::<()>()
        .merge(api::ProbeApi::routes(
            store.clone(),
            monitor.clone(),
            setup.agent_probe_services.clone(),
            config.probes.iter().map(|p| p.name.clone()).collect(),
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_reader,
        ));
    tracing::info!(%addr, probes = config.probes.len(), notifiers = config.notifiers.len(), "Hub listening with probes and alerts");
    let served = axum::serve(listener, router(state).merge(monitor_routes))
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop.send(true);
    let _ = retention.await;
    let _ = feeding.await;
    let _ = monitoring.await;
    let _ = journal_stop.send(true);
    let _ = journaling.await;
    store.close().await;
    served.map_err(|source| Error::Io {
        context: format!("serving on {addr}"),
        source,
    })
}
