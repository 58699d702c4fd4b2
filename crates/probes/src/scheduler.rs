//! Runs many probes forever, each at its interval, spread evenly over that interval so that a
//! thousand probes every 30 s make a steady trickle rather than a burst, with a bound on how many
//! run at once.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::config::ProbeDef;
use crate::error::Result;
use crate::probe::{Probe, ProbeResult};
use crate::runner::run_once;

struct Entry {
    def: Arc<ProbeDef>,
    probe: Arc<dyn Probe>,
    running: Arc<AtomicBool>,
}

/// Counters of one scheduler run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SchedulerStats {
    /// Probe runs started.
    pub runs: u64,
    /// Runs skipped because the previous run of the same probe had not finished.
    pub skipped_overlapping: u64,
}

/// Probes with their schedule.
pub struct Scheduler {
    entries: Vec<Entry>,
    concurrency: usize,
}

impl Scheduler {
    /// Builds every probe; `concurrency` bounds the runs in flight (at least 1).
    pub fn new(defs: Vec<ProbeDef>, concurrency: usize) -> Result<Self> {
        let entries = defs
            .into_iter()
            .map(|def| {
                let probe: Arc<dyn Probe> = Arc::from(crate::kinds::build(&def)?);
                Ok(Entry {
                    def: Arc::new(def),
                    probe,
                    running: Arc::new(AtomicBool::new(false)),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Scheduler {
            entries,
            concurrency: concurrency.max(1),
        })
    }

    /// Each probe's first-run offset from the start: probes sharing an interval are spaced evenly
    /// across it, in the order given.
    pub fn offsets(&self) -> Vec<Duration> {
        let mut groups: BTreeMap<Duration, Vec<usize>> = BTreeMap::new();
        for (i, e) in self.entries.iter().enumerate() {
            groups.entry(e.def.interval).or_default().push(i);
        }
        let mut offsets = vec![Duration::ZERO; self.entries.len()];
        for (interval, members) in groups {
            let n = members.len() as u32;
            for (k, i) in members.into_iter().enumerate() {
                offsets[i] = interval * k as u32 / n;
            }
        }
        offsets
    }

    /// Runs until `shutdown` completes, sending every result to `results`. A slow receiver slows
    /// the probes down rather than growing a queue.
    pub async fn run(
        self,
        results: mpsc::Sender<ProbeResult>,
        shutdown: impl Future<Output = ()>,
    ) -> SchedulerStats {
        let start = Instant::now();
        let mut due: BinaryHeap<Reverse<(Instant, usize)>> = self
            .offsets()
            .into_iter()
            .enumerate()
            .map(|(i, off)| Reverse((start + off, i)))
            .collect();
        let permits = Arc::new(Semaphore::new(self.concurrency));
        let mut tasks = JoinSet::new();
        let mut stats = SchedulerStats::default();
        tokio::pin!(shutdown);
        loop {
            let Some(&Reverse((at, i))) = due.peek() else {
                // No probes: wait for the end.
                shutdown.as_mut().await;
                break;
            };
            tokio::select! {
                _ = shutdown.as_mut() => break,
                Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
                _ = tokio::time::sleep_until(at) => {}
            }
            due.pop();
            let entry = &self.entries[i];
            let now = Instant::now();
            let mut next = at + entry.def.interval;
            if next <= now {
                // Fell behind (a suspended machine, an overloaded one): skip the missed ticks.
                next = now + entry.def.interval;
            }
            due.push(Reverse((next, i)));
            if entry.running.swap(true, Ordering::AcqRel) {
                stats.skipped_overlapping += 1;
                tracing::warn!(probe = %entry.def.name, "Previous run still going, skipping this one");
                continue;
            }
            let permit = tokio::select! {
                _ = shutdown.as_mut() => break,
                p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            };
            stats.runs += 1;
            let (def, probe, running, tx) = (
                entry.def.clone(),
                entry.probe.clone(),
                entry.running.clone(),
                results.clone(),
            );
            tasks.spawn(async move {
                let result = run_once(&def, probe.as_ref()).await;
                running.store(false, Ordering::Release);
                drop(permit);
                let _ = tx.send(result).await;
            });
        }
        tasks.shutdown().await;
        stats
    }
}
