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
use crate::model::{HistoryEntry, Notification};
use crate::notify::{Dispatcher, NotifierDef, RetryPolicy, Route, build};
use crate::silence::Silence;

/// Where the monitor hands what must outlive it (the hub's store): every probe result, every
/// alert transition, every new or changed silence. Calls come from the monitor's loops and API
/// handlers, so they must return at once (queue the write, never wait for it).
pub trait Journal: Send + Sync {
    /// A probe ran.
    fn probe_ran(&self, result: &ProbeResult);
    /// Alerts changed state (oldest first).
    fn transitions(&self, entries: &[HistoryEntry]);
    /// A silence was added or changed (expired early).
    fn silence_saved(&self, silence: &Silence);
}

/// A journal that keeps nothing: the monitor's memory lives and dies with the process.
#[derive(Debug, Default)]
pub struct NoJournal;

impl Journal for NoJournal {
    fn probe_ran(&self, _: &ProbeResult) {}
    fn transitions(&self, _: &[HistoryEntry]) {}
    fn silence_saved(&self, _: &Silence) {}
}

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
    journal: Arc<dyn Journal>,
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
    /// Nothing is persisted: see [`Monitor::with_journal`].
    pub fn new(config: &MonitorConfig, clock: Clock) -> Result<Monitor> {
        Self::with_journal(config, clock, Arc::new(NoJournal))
    }

    /// Like [`Monitor::new`], handing probe results, alert transitions and silences to `journal`.
    pub fn with_journal(
        config: &MonitorConfig,
        clock: Clock,
        journal: Arc<dyn Journal>,
    ) -> Result<Monitor> {
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
                journal,
            }),
        })
    }

    /// The latest facts of a host (replacing the previous ones).
    pub fn observe_host(&self, facts: HostFacts) {
        lock(&self.inner.hosts).insert(facts.host.clone(), facts);
    }

    /// Puts back what a journal kept: history (oldest first) and silences. Call before running.
    pub fn restore(&self, history: Vec<HistoryEntry>, silences: Vec<Silence>) {
        let mut engine = lock(&self.inner.engine);
        engine.restore_history(history);
        for s in silences {
            let id = s.id.clone();
            if let Err(e) = engine.add_silence(s) {
                tracing::warn!(silence = %id, error = %e, "A stored silence is not valid; skipped");
            }
        }
    }

    /// Adds a silence (journaled); returns its id.
    pub fn add_silence(&self, silence: Silence) -> Result<String> {
        let mut engine = lock(&self.inner.engine);
        let id = engine.add_silence(silence)?;
        if let Some(saved) = engine.silences().iter().find(|s| s.id == id) {
            self.inner.journal.silence_saved(saved);
        }
        Ok(id)
    }

    /// Ends a silence now (journaled); false when there is none with that id.
    pub fn expire_silence(&self, id: &str) -> bool {
        let now = self.now();
        let expired = lock(&self.inner.engine).expire_silence(id, now);
        if let Some(s) = &expired {
            self.inner.journal.silence_saved(s);
        }
        expired.is_some()
    }

    /// A probe result that the journal already has (an agent's, stored with its batch): it
    /// counts for the rules and the probe list but is not journaled again.
    pub fn observe_probe(&self, result: ProbeResult) {
        self.remember_probe(result);
    }

    /// A probe result from the hub's scheduler: journaled, and counted for the rules.
    pub fn record_probe(&self, result: ProbeResult) {
        self.inner.journal.probe_ran(&result);
        self.remember_probe(result);
    }

    fn remember_probe(&self, result: ProbeResult) {
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
        let (notifications, fresh) = {
            let mut engine = lock(&self.inner.engine);
            let notifications = engine.evaluate(now, &self.inner.desired, &observed);
            (notifications, engine.take_fresh_history())
        };
        if !fresh.is_empty() {
            self.inner.journal.transitions(&fresh);
        }
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
