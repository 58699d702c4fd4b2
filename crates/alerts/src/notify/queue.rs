//! The notification queue: routes each notification by severity to its notifiers and delivers
//! it in the background, retrying failures with exponential backoff. Submitting never waits: a
//! full queue drops the notification and counts it, so evaluation is never held up by a slow or
//! unreachable mail server.

use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;

use super::Notifier;
use crate::error::{Error, Result};
use crate::model::{Notification, Severity};

/// Which notifiers get which severities.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Notifications at or above this severity take this route.
    pub min_severity: Severity,
    /// The notifiers, by name.
    pub notifiers: Vec<String>,
}

/// How failed sends are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts per notification and notifier, the first included.
    pub attempts: u32,
    /// The pause after the first failure; doubled after each further one.
    #[serde(with = "cloudctl_probes::duration_serde")]
    pub first_delay: Duration,
    /// The longest pause.
    #[serde(with = "cloudctl_probes::duration_serde")]
    pub max_delay: Duration,
    /// How long one attempt may take.
    #[serde(with = "cloudctl_probes::duration_serde")]
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            first_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(300),
            timeout: Duration::from_secs(30),
        }
    }
}

/// Counters of the queue's work.
#[derive(Debug, Default)]
pub struct DispatchStats {
    /// Deliveries that succeeded.
    pub sent: AtomicU64,
    /// Failed attempts that were retried.
    pub retried: AtomicU64,
    /// Deliveries abandoned after every attempt failed.
    pub gave_up: AtomicU64,
    /// Notifications dropped because the queue was full.
    pub dropped: AtomicU64,
}

/// The outcome of one delivery (a notification to one notifier).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The alert's fingerprint.
    pub fingerprint: String,
    /// The notifier.
    pub notifier: String,
    /// True when it got through.
    pub ok: bool,
    /// Attempts made.
    pub attempts: u32,
    /// The last error, when it failed.
    pub error: Option<String>,
}

/// How many recent deliveries are kept for `alerts history` and the API.
const RECENT: usize = 200;

/// The sending side of the queue.
#[derive(Clone)]
pub struct Dispatcher {
    tx: mpsc::Sender<Notification>,
    stats: Arc<DispatchStats>,
    recent: Arc<Mutex<VecDeque<Delivery>>>,
}

impl Dispatcher {
    /// Starts the queue's worker. Routes must name known notifiers; `capacity` bounds the
    /// notifications waiting, `concurrency` the deliveries in flight.
    pub fn start(
        notifiers: Vec<Box<dyn Notifier>>,
        routes: Vec<Route>,
        policy: RetryPolicy,
        capacity: usize,
        concurrency: usize,
    ) -> Result<(Dispatcher, JoinHandle<()>)> {
        let notifiers: Vec<Arc<dyn Notifier>> = notifiers.into_iter().map(Arc::from).collect();
        for route in &routes {
            for name in &route.notifiers {
                if !notifiers.iter().any(|n| n.name() == name) {
                    let known: Vec<_> = notifiers.iter().map(|n| n.name().to_owned()).collect();
                    return Err(Error::Config(format!(
                        "route for {} names notifier `{name}`, which is not configured (known: {})",
                        route.min_severity,
                        known.join(", ")
                    )));
                }
            }
        }
        if policy.attempts == 0 {
            return Err(Error::Config("retry attempts must be at least 1".into()));
        }
        let (tx, mut rx) = mpsc::channel::<Notification>(capacity.max(1));
        let stats = Arc::new(DispatchStats::default());
        let recent = Arc::new(Mutex::new(VecDeque::new()));
        let permits = Arc::new(Semaphore::new(concurrency.max(1)));
        let (worker_stats, worker_recent) = (stats.clone(), recent.clone());
        let worker = tokio::spawn(async move {
            while let Some(n) = rx.recv().await {
                let targets: BTreeSet<&str> = routes
                    .iter()
                    .filter(|r| n.severity >= r.min_severity)
                    .flat_map(|r| r.notifiers.iter().map(String::as_str))
                    .collect();
                for notifier in notifiers.iter().filter(|x| targets.contains(x.name())) {
                    let permit = permits.clone().acquire_owned().await.expect("never closed");
                    let (notifier, n) = (notifier.clone(), n.clone());
                    let (stats, recent) = (worker_stats.clone(), worker_recent.clone());
                    tokio::spawn(async move {
                        let delivery = deliver(notifier.as_ref(), &n, policy, &stats).await;
                        let mut recent = recent.lock().expect("never poisoned");
                        recent.push_back(delivery);
                        while recent.len() > RECENT {
                            recent.pop_front();
                        }
                        drop(permit);
                    });
                }
            }
        });
        Ok((Dispatcher { tx, stats, recent }, worker))
    }

    /// Queues a notification without waiting; false (and counted as dropped) when full.
    pub fn submit(&self, n: Notification) -> bool {
        match self.tx.try_send(n) {
            Ok(()) => true,
            Err(e) => {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                let n = e.into_inner();
                tracing::error!(alert = %n.alertname, fingerprint = %n.fingerprint, "Notification queue full, dropping");
                false
            }
        }
    }

    /// The counters.
    pub fn stats(&self) -> &DispatchStats {
        &self.stats
    }

    /// Recent deliveries, oldest first.
    pub fn recent(&self) -> Vec<Delivery> {
        self.recent
            .lock()
            .expect("never poisoned")
            .iter()
            .cloned()
            .collect()
    }
}

async fn deliver(
    notifier: &dyn Notifier,
    n: &Notification,
    policy: RetryPolicy,
    stats: &DispatchStats,
) -> Delivery {
    let mut delay = policy.first_delay;
    let mut error = None;
    for attempt in 1..=policy.attempts {
        let outcome = tokio::time::timeout(policy.timeout, notifier.send(n)).await;
        match outcome {
            Ok(Ok(())) => {
                stats.sent.fetch_add(1, Ordering::Relaxed);
                tracing::info!(notifier = notifier.name(), alert = %n.alertname, attempt, "Notification sent");
                return Delivery {
                    fingerprint: n.fingerprint.clone(),
                    notifier: notifier.name().into(),
                    ok: true,
                    attempts: attempt,
                    error: None,
                };
            }
            Ok(Err(e)) => error = Some(e.to_string()),
            Err(_) => {
                error = Some(format!(
                    "no answer within {}",
                    humantime::format_duration(policy.timeout)
                ))
            }
        }
        if attempt < policy.attempts {
            stats.retried.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(notifier = notifier.name(), alert = %n.alertname, attempt, error = error.as_deref().unwrap_or(""), "Notification failed, retrying");
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(policy.max_delay);
        }
    }
    stats.gave_up.fetch_add(1, Ordering::Relaxed);
    tracing::error!(notifier = notifier.name(), alert = %n.alertname, error = error.as_deref().unwrap_or(""), "Notification abandoned");
    Delivery {
        fingerprint: n.fingerprint.clone(),
        notifier: notifier.name().into(),
        ok: false,
        attempts: policy.attempts,
        error,
    }
}
