//! The running side, for the hub to embed: the probe scheduler, the evaluation loop over the
//! latest host facts and probe results, the notification queue, and the alert and probe API
//! ([`Monitor::routes`]). The hub feeds host facts in as agents report ([`Monitor::observe_host`])
//! and merges the routes into its router; everything else runs here.

mod api;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloudctl_probes::{ProbeDef, ProbeResult, Scheduler};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::config::RulesConfig;
use crate::engine::Engine;
use crate::error::Result;
use crate::facts::{Desired, HostFacts, Observed, ProbeFact};
use crate::model::Notification;
use crate::notify::{Dispatcher, NotifierDef, RetryPolicy, Route, build};

/// Everything the monitor needs, as the hub maps it from the spec.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorConfig {
    /// Probes run from the hub.
    #[serde(default)]
    pub probes: Vec<ProbeDef>,
    /// Rule settings.
    #[serde(default)]
    pub rules: RulesConfig,
    /// What the spec says should run and be exposed.
    #[serde(default)]
    pub desired: Desired,
    /// Notifiers.
    #[serde(default)]
    pub notifiers: Vec<NotifierDef>,
    /// Which notifiers get which severities.
    #[serde(default)]
    pub routes: Vec<Route>,
    /// Retries of failed sends.
    #[serde(default)]
    pub retry: RetryPolicy,
}

/// Seconds since the Unix epoch, from wherever the caller keeps time (tests use a fake one).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    })
}

/// A probe's latest result and its record since the monitor started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeStatus {
    /// The latest result.
    pub latest: ProbeResult,
    /// Runs seen.
    pub runs: u64,
    /// Runs that passed.
    pub passed: u64,
}

impl ProbeStatus {
    /// Percent of runs that passed.
    pub fn uptime_pct(&self) -> f64 {
        if self.runs == 0 {
            0.0
        } else {
            self.passed as f64 * 100.0 / self.runs as f64
        }
    }
}

struct Inner {
    engine: Mutex<Engine>,
    desired: Desired,
    hosts: Mutex<BTreeMap<String, HostFacts>>,
    pending: Mutex<Vec<ProbeFact>>,
    probes: Mutex<BTreeMap<String, ProbeStatus>>,
    dispatcher: Dispatcher,
    clock: Clock,
}

/// The monitor: cheap to clone, shared by the loops and the API.
#[derive(Clone)]
pub struct Monitor {
    inner: Arc<Inner>,
}

/// Locks a mutex; a panic elsewhere while holding it leaves plain data that is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Monitor {
    /// Builds the notifiers and starts the notification queue (so it needs a Tokio runtime).
    pub fn new(config: &MonitorConfig, clock: Clock) -> Result<Monitor> {
        let notifiers = config
            .notifiers
            .iter()
            .map(build)
            .collect::<Result<Vec<_>>>()?;
        let (dispatcher, _worker) =
            Dispatcher::start(notifiers, config.routes.clone(), config.retry, 256, 4)?;
        Ok(Monitor {
            inner: Arc::new(Inner {
                engine: Mutex::new(Engine::new(config.rules.clone())),
                desired: config.desired.clone(),
                hosts: Mutex::new(BTreeMap::new()),
                pending: Mutex::new(Vec::new()),
                probes: Mutex::new(BTreeMap::new()),
                dispatcher,
                clock,
            }),
        })
    }

    /// The latest facts of a host (replacing the previous ones).
    pub fn observe_host(&self, facts: HostFacts) {
        lock(&self.inner.hosts).insert(facts.host.clone(), facts);
    }

    /// A probe result (from the hub's scheduler or an agent's probe).
    pub fn record_probe(&self, result: ProbeResult) {
        lock(&self.inner.pending).push(ProbeFact::from(&result));
        let mut probes = lock(&self.inner.probes);
        let status = probes
            .entry(result.name.clone())
            .or_insert_with(|| ProbeStatus {
                latest: result.clone(),
                runs: 0,
                passed: 0,
            });
        status.runs += 1;
        status.passed += u64::from(result.ok);
        status.latest = result;
    }

    /// Runs the rules now and queues the notifications due; returns them.
    pub fn evaluate(&self) -> Vec<Notification> {
        let now = (self.inner.clock)();
        let observed = Observed {
            hosts: lock(&self.inner.hosts).values().cloned().collect(),
            probe_results: std::mem::take(&mut *lock(&self.inner.pending)),
        };
        let notifications = lock(&self.inner.engine).evaluate(now, &self.inner.desired, &observed);
        for n in &notifications {
            self.inner.dispatcher.submit(n.clone());
        }
        notifications
    }

    /// The engine, for reads and silences.
    pub(crate) fn engine(&self) -> std::sync::MutexGuard<'_, Engine> {
        lock(&self.inner.engine)
    }

    /// The notification queue.
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.inner.dispatcher
    }

    /// Every probe's status, by name.
    pub fn probes(&self) -> BTreeMap<String, ProbeStatus> {
        lock(&self.inner.probes).clone()
    }

    /// The time now, by the monitor's clock.
    pub fn now(&self) -> i64 {
        (self.inner.clock)()
    }

    /// Runs the probes and evaluates every `every`, until `shutdown` completes.
    pub async fn run(
        self,
        probes: Vec<ProbeDef>,
        concurrency: usize,
        every: Duration,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let scheduler = Scheduler::new(probes, concurrency)
            .map_err(|e| crate::error::Error::Config(e.to_string()))?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let (tx, mut rx) = mpsc::channel::<ProbeResult>(256);
        let mut scheduler_stop = stopped.clone();
        let probing = tokio::spawn(scheduler.run(tx, async move {
            let _ = scheduler_stop.wait_for(|s| *s).await;
        }));
        let recorder = {
            let me = self.clone();
            tokio::spawn(async move {
                while let Some(r) = rx.recv().await {
                    me.record_probe(r);
                }
            })
        };
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tick.tick() => { self.evaluate(); }
            }
        }
        let _ = stop.send(true);
        let _ = probing.await;
        let _ = recorder.await;
        Ok(())
    }
}
