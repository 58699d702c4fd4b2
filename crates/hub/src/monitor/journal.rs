//! The monitor's journal into the store: probe results, alert transitions and silences are
//! queued without waiting (the monitor's loops never block on the disk) and written by one task
//! in small transactions. A full queue drops probe results first and says so in the log;
//! transitions and silences are rare and small, so they get a queue of their own.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cloudctl_alerts::monitor::Journal;
use cloudctl_alerts::{HistoryEntry, Silence};
use cloudctl_probes::{ProbeDef, ProbeKind, ProbeResult};
use tokio::sync::mpsc;

use crate::store::{ProbeRun, ProbeSource, Store};

/// Probe results waiting to be written.
const PROBE_QUEUE: usize = 8192;
/// Transitions and silences waiting to be written.
const EVENT_QUEUE: usize = 1024;
/// Most rows written in one transaction.
const GROUP: usize = 512;

enum Event {
    History(Vec<(i64, String)>),
    Silence {
        id: String,
        ends_at: i64,
        body: String,
    },
}

/// The hub's [`Journal`]: hand it to `Monitor::with_journal`, run [`StoreJournal::run`].
pub struct StoreJournal {
    probes: mpsc::Sender<ProbeRun>,
    events: mpsc::Sender<Event>,
    targets: BTreeMap<String, String>,
    dropped: AtomicU64,
}

/// The receiving side, for [`StoreJournal::run`].
pub struct JournalQueues {
    probes: mpsc::Receiver<ProbeRun>,
    events: mpsc::Receiver<Event>,
}

/// What a probe reaches, for the probe list.
fn target_of(def: &ProbeDef) -> Option<String> {
    match &def.check {
        ProbeKind::Http(c) => Some(c.url.clone()),
        ProbeKind::Tls(c) => Some(c.address.clone()),
        ProbeKind::Tcp(c) => Some(c.address.clone()),
        _ => None,
    }
}

impl StoreJournal {
    /// A journal for the hub's own probes (`probes` names their targets).
    pub fn new(probes: &[ProbeDef]) -> (Arc<StoreJournal>, JournalQueues) {
        let (ptx, prx) = mpsc::channel(PROBE_QUEUE);
        let (etx, erx) = mpsc::channel(EVENT_QUEUE);
        let targets = probes
            .iter()
            .filter_map(|d| Some((d.name.clone(), target_of(d)?)))
            .collect();
        (
            Arc::new(StoreJournal {
                probes: ptx,
                events: etx,
                targets,
                dropped: AtomicU64::new(0),
            }),
            JournalQueues {
                probes: prx,
                events: erx,
            },
        )
    }

    fn dropped(&self, what: &str) {
        let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_power_of_two() {
            tracing::warn!(
                dropped = n,
                what,
                "The store cannot keep up; monitor records dropped"
            );
        }
    }

    /// Writes what is queued until `shutdown` (or until the journal is dropped), then writes
    /// what is still queued and returns.
    pub async fn run(store: Store, mut queues: JournalQueues, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut stopping = false;
        loop {
            let mut runs = Vec::new();
            let mut events = Vec::new();
            if !stopping {
                tokio::select! {
                    _ = &mut shutdown => stopping = true,
                    // 0 means closed and empty: the journal is gone.
                    n = queues.probes.recv_many(&mut runs, GROUP) => stopping = n == 0,
                    n = queues.events.recv_many(&mut events, GROUP) => stopping = n == 0,
                }
            }
            // Whatever else is already waiting joins this transaction.
            while runs.len() < GROUP
                && let Ok(r) = queues.probes.try_recv()
            {
                runs.push(r);
            }
            while events.len() < GROUP
                && let Ok(e) = queues.events.try_recv()
            {
                events.push(e);
            }
            if runs.is_empty() && events.is_empty() {
                if stopping {
                    return;
                }
                continue;
            }
            let count = runs.len() + events.len();
            let written = store
                .write(move |conn| {
                    let tx = conn.transaction()?;
                    crate::store::probes::write_runs(&tx, &runs)?;
                    for e in &events {
                        match e {
                            Event::History(entries) => {
                                crate::store::alerts::append_history(&tx, entries)?
                            }
                            Event::Silence { id, ends_at, body } => {
                                crate::store::alerts::put_silence(&tx, id, *ends_at, body)?
                            }
                        }
                    }
                    tx.commit()?;
                    Ok(())
                })
                .await;
            match written {
                Ok(()) => {}
                Err(crate::Error::Closed) => return,
                Err(error) => {
                    tracing::error!(%error, records = count, "Cannot store monitor records");
                    if stopping {
                        return;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

impl Journal for StoreJournal {
    fn probe_ran(&self, r: &ProbeResult) {
        let run = ProbeRun {
            name: r.name.clone(),
            kind: r.kind.clone(),
            source: ProbeSource::Hub,
            host: r.host.clone(),
            service: r.service.clone(),
            target: self.targets.get(&r.name).cloned(),
            ts_ms: r.started_at_ms,
            ok: r.ok,
            latency_ms: Some(r.latency_ms),
            error: r.failure.as_ref().map(|f| f.message.clone()),
        };
        if self.probes.try_send(run).is_err() {
            self.dropped("probe result");
        }
    }

    fn transitions(&self, entries: &[HistoryEntry]) {
        let rows = entries
            .iter()
            .filter_map(|e| Some((e.at, serde_json::to_string(e).ok()?)))
            .collect();
        if self.events.try_send(Event::History(rows)).is_err() {
            self.dropped("alert transitions");
        }
    }

    fn silence_saved(&self, s: &Silence) {
        let Ok(body) = serde_json::to_string(s) else {
            return;
        };
        let event = Event::Silence {
            id: s.id.clone(),
            ends_at: s.ends_at,
            body,
        };
        if self.events.try_send(event).is_err() {
            self.dropped("silence");
        }
    }
}
