//! The agent: collectors on a timer, batches numbered and handed to the sender.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cloudctl_wire::{Batch, CollectorError, Sample, WIRE_VERSION};
use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;

use crate::collect::{Collector, CollectorConfig, Context, SpoolGauge, registry};
use crate::hub::HubClient;
use crate::sender::Sender;
use crate::seq::SeqStore;
use crate::spool::Spool;
use crate::{Config, Error, Result};

/// Batches queued in memory between the collector and the sender (the sender spools quickly, so
/// this only fills if the disk stalls).
const QUEUE: usize = 64;

/// A configured agent.
pub struct Agent {
    config: Config,
    collectors: Vec<Box<dyn Collector>>,
    ctx: Context,
    seq: SeqStore,
    /// Taken by [`Agent::run`]'s sender.
    spool: Option<Spool>,
    gauge: SpoolGauge,
    /// The last error message per collector, to log changes only.
    last_errors: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// Check the configuration, open the spool folder and the state kept there.
    pub fn new(config: Config) -> Result<Agent> {
        cloudctl_wire::check_host_id(&config.host_id).map_err(|e| {
            Error::Config(format!(
                "host id {:?}: {e}; pass --host-id with the host's name in the spec",
                config.host_id
            ))
        })?;
        if config.interval.is_zero() {
            return Err(Error::Config(
                "the interval must be more than zero".to_owned(),
            ));
        }
        check_probes(&config)?;
        let spool = Spool::open(&config.spool_dir, config.spool_max_bytes)?;
        let seq = SeqStore::open(config.spool_dir.join("seq"), spool.last_seq().unwrap_or(0))?;
        let gauge = SpoolGauge::default();
        let collectors = registry(&CollectorConfig {
            docker_socket: config.docker_socket.clone(),
            state_dir: config.spool_dir.clone(),
            spool: gauge.clone(),
            probes: config.probes.clone(),
        });
        Ok(Agent {
            config,
            collectors,
            ctx: Context::now(),
            seq,
            spool: Some(spool),
            gauge,
            last_errors: Vec::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Run every collector once. Failures are listed in the sample's `errors`.
    pub fn collect_once(&mut self) -> Sample {
        self.ctx.tick();
        let mut sample = Sample {
            ts_ms: crate::collect::unix_seconds(self.ctx.now) * 1000
                + i64::from(
                    self.ctx
                        .now
                        .duration_since(std::time::SystemTime::UNIX_EPOCH)
                        .map(|d| d.subsec_millis())
                        .unwrap_or(0),
                ),
            ..Sample::default()
        };
        for c in &mut self.collectors {
            if let Err(e) = c.collect(&mut self.ctx, &mut sample) {
                let message = e.to_string();
                let name = c.name();
                let changed = match self.last_errors.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, last)) if *last == message => false,
                    Some((_, last)) => {
                        *last = message.clone();
                        true
                    }
                    None => {
                        self.last_errors.push((name, message.clone()));
                        true
                    }
                };
                if changed {
                    tracing::warn!(collector = name, error = %message, "Collector failed");
                }
                sample.errors.push(CollectorError {
                    collector: name.to_owned(),
                    message,
                });
            } else {
                self.last_errors.retain(|(n, _)| *n != c.name());
            }
        }
        sample
    }

    /// Collect one sample and wrap it in a numbered batch (the next sequence number is taken).
    pub fn next_batch(&mut self) -> Result<Batch> {
        let sample = self.collect_once();
        Ok(Batch {
            wire_version: WIRE_VERSION,
            host_id: self.config.host_id.clone(),
            agent_version: env!("CARGO_PKG_VERSION").to_owned(),
            seq: self.seq.next()?,
            dropped: 0,
            samples: vec![sample],
        })
    }

    /// Persist what collectors keep across restarts (the monthly egress counter).
    pub fn flush(&mut self) {
        for c in &mut self.collectors {
            if let Err(e) = c.flush() {
                tracing::warn!(collector = c.name(), error = %e, "Cannot persist collector state");
            }
        }
    }

    /// Collect every interval and send to the hub until `shutdown` completes; then spool what
    /// is still queued and persist state. Needs `config.hub`.
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) -> Result<()> {
        let hub = self
            .config
            .hub
            .clone()
            .ok_or_else(|| Error::Config("no hub configured to send to".to_owned()))?;
        let client = HubClient::new(&hub)?;
        let spool = self
            .spool
            .take()
            .ok_or_else(|| Error::Config("the agent is already running".to_owned()))?;
        let mut sender = Sender::new(client, spool, self.gauge.clone());
        tracing::info!(
            host_id = %self.config.host_id,
            hub = %hub.url,
            interval = ?self.config.interval,
            backlog = sender.spool().len(),
            "Agent started"
        );

        let (tx, mut rx) = mpsc::channel::<Batch>(QUEUE);
        let (stop_tx, stop_rx) = watch::channel(false);
        let queue_drops = Arc::new(AtomicU64::new(0));

        let stopper = async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        };

        let collect_drops = queue_drops.clone();
        let mut collect_stop = stop_rx.clone();
        let interval = self.config.interval;
        let collecting = async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = collect_stop.changed() => break,
                    _ = ticker.tick() => {}
                }
                match self.next_batch() {
                    Ok(batch) => {
                        if tx.try_send(batch).is_err() {
                            collect_drops.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "Cannot number a batch; this sample is lost")
                    }
                }
            }
            self.flush();
            Ok::<(), Error>(())
        };

        let mut send_stop = stop_rx;
        let sending = async move {
            let mut stopping = false;
            loop {
                let drops = queue_drops.swap(0, Ordering::Relaxed);
                sender.add_dropped(drops)?;
                if stopping {
                    // Whatever is still queued goes to disk, to be sent by the next run.
                    while let Some(batch) = rx.recv().await {
                        sender.spool_batch(&batch)?;
                    }
                    break;
                }
                let backlog = sender.has_backlog();
                let retry_at = sender.retry_at();
                tokio::select! {
                    biased;
                    _ = send_stop.changed() => stopping = true,
                    batch = rx.recv() => match batch {
                        Some(batch) => sender.submit(batch).await?,
                        None => break,
                    },
                    _ = tokio::time::sleep_until(retry_at), if backlog => {
                        sender.replay_one().await?;
                    }
                }
            }
            Ok::<(), Error>(())
        };

        let (_, collected, sent) = tokio::join!(stopper, collecting, sending);
        collected?;
        sent?;
        tracing::info!("Agent stopped");
        Ok(())
    }
}

/// Probe names must be valid and unique: each is the `probe` label of its series on the hub.
fn check_probes(config: &Config) -> Result<()> {
    for (i, probe) in config.probes.iter().enumerate() {
        crate::probe::check_name(&probe.name)
            .map_err(|e| Error::Config(format!("probe {}: {e}", probe.target)))?;
        if config.probes[..i].iter().any(|p| p.name == probe.name) {
            return Err(Error::Config(format!(
                "two probes are named {:?}; give each --probe its own name",
                probe.name
            )));
        }
        if probe.timeout.is_zero() {
            return Err(Error::Config(format!(
                "probe {:?}: the timeout must be more than zero",
                probe.name
            )));
        }
    }
    Ok(())
}
