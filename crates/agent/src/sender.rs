//! Sending batches to the hub: directly while all is well, through the spool otherwise, in
//! order, with backoff. A batch leaves the spool only after the hub's 2xx.

use std::time::Duration;

use cloudctl_wire::ingest::{Disposition, ErrorBody, IngestAck, disposition};
use cloudctl_wire::{Batch, Encoding, Limits, decode, encode};
use tokio::time::Instant;

use crate::Result;
use crate::backoff::Backoff;
use crate::collect::SpoolGauge;
use crate::hub::{Answer, HubClient};
use crate::spool::Spool;

/// The outcome of one post.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Durable on the hub.
    Acked {
        /// The hub had it already.
        duplicate: bool,
    },
    /// Try again later.
    Retry(String),
    /// This batch is refused for good.
    Rejected(String),
    /// The hub refuses this agent (token, URL): keep data, retry slowly.
    Misconfigured(String),
}

/// The sender: the hub client, the spool and the backoff.
#[derive(Debug)]
pub struct Sender {
    client: HubClient,
    spool: Spool,
    backoff: Backoff,
    retry_at: Option<Instant>,
    gauge: SpoolGauge,
    limits: Limits,
    /// Log a failing hub once per change, not once per batch.
    last_problem: Option<String>,
}

impl Sender {
    /// A sender over `client` and `spool`, reporting the spool's size into `gauge`.
    pub fn new(client: HubClient, spool: Spool, gauge: SpoolGauge) -> Self {
        gauge.set(spool.bytes(), spool.len() as u64);
        Sender {
            client,
            spool,
            backoff: Backoff::default(),
            retry_at: None,
            gauge,
            limits: Limits::default(),
            last_problem: None,
        }
    }

    /// The spool (for inspection).
    pub fn spool(&self) -> &Spool {
        &self.spool
    }

    /// Whether spooled batches wait to be replayed.
    pub fn has_backlog(&self) -> bool {
        !self.spool.is_empty()
    }

    /// When the next replay may be tried (now, if not backing off).
    pub fn retry_at(&self) -> Instant {
        self.retry_at.unwrap_or_else(Instant::now)
    }

    /// A new batch from the collector: send it now if nothing is queued before it, else spool it.
    pub async fn submit(&mut self, mut batch: Batch) -> Result<()> {
        if !self.spool.is_empty() || self.retry_at.is_some_and(|t| t > Instant::now()) {
            let bytes = encode(&batch, &self.limits)?;
            return self.push(batch.seq, &bytes);
        }
        batch.dropped = self.spool.dropped();
        let bytes = encode(&batch, &self.limits)?;
        let seq = batch.seq;
        match self.post(bytes.clone()).await {
            Outcome::Acked { duplicate } => self.acked(seq, batch.dropped, duplicate),
            Outcome::Retry(why) => {
                self.failed(&why, false);
                self.push(seq, &bytes)
            }
            Outcome::Misconfigured(why) => {
                self.failed(&why, true);
                self.push(seq, &bytes)
            }
            Outcome::Rejected(why) => {
                tracing::error!(seq, reason = %why, "Hub refused a batch for good; it is not resent");
                Ok(())
            }
        }
    }

    /// Try to send the oldest spooled batch. Returns whether it left the spool.
    pub async fn replay_one(&mut self) -> Result<bool> {
        let Some((seq, bytes)) = self.spool.front()? else {
            return Ok(false);
        };
        let mut batch = match decode(&bytes, Encoding::Zstd, &self.limits) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(seq, error = %e, "Spooled batch is unreadable; dropping it");
                self.spool.pop_front()?;
                self.spool.add_dropped(1)?;
                self.update_gauge();
                return Ok(true);
            }
        };
        let body = if batch.dropped == self.spool.dropped() {
            bytes
        } else {
            batch.dropped = self.spool.dropped();
            encode(&batch, &self.limits)?
        };
        match self.post(body).await {
            Outcome::Acked { duplicate } => {
                self.spool.pop_front()?;
                self.acked(seq, batch.dropped, duplicate)?;
                Ok(true)
            }
            Outcome::Retry(why) => {
                self.failed(&why, false);
                Ok(false)
            }
            Outcome::Misconfigured(why) => {
                self.failed(&why, true);
                Ok(false)
            }
            Outcome::Rejected(why) => {
                tracing::error!(seq, reason = %why, "Hub refused a spooled batch for good; dropping it");
                self.spool.pop_front()?;
                self.update_gauge();
                Ok(true)
            }
        }
    }

    /// Count batches the agent could not even queue.
    pub fn add_dropped(&mut self, n: u64) -> Result<()> {
        self.spool.add_dropped(n)
    }

    /// Put a batch in the spool without trying to send it (at shutdown).
    pub fn spool_batch(&mut self, batch: &Batch) -> Result<()> {
        let bytes = encode(batch, &self.limits)?;
        self.push(batch.seq, &bytes)
    }

    async fn post(&mut self, body: Vec<u8>) -> Outcome {
        match self.client.post(body).await {
            Err(e) => Outcome::Retry(e),
            Ok(answer) => classify(&answer),
        }
    }

    fn acked(&mut self, seq: u64, reported: u64, duplicate: bool) -> Result<()> {
        // A duplicate's `dropped` was not read by the hub: report it again next time.
        if !duplicate {
            self.spool.reported(reported)?;
        }
        self.backoff.reset();
        self.retry_at = None;
        if self.last_problem.take().is_some() {
            tracing::info!(seq, backlog = self.spool.len(), "Hub reachable again");
        }
        self.update_gauge();
        Ok(())
    }

    fn failed(&mut self, why: &str, misconfigured: bool) {
        let delay: Duration = if misconfigured {
            self.backoff.max_delay()
        } else {
            self.backoff.next_delay()
        };
        self.retry_at = Some(Instant::now() + delay);
        if self.last_problem.as_deref() != Some(why) {
            if misconfigured {
                tracing::error!(reason = %why, retry_in = ?delay, "Hub refuses this agent; fix the token or URL. Batches are kept in the spool");
            } else {
                tracing::warn!(reason = %why, retry_in = ?delay, "Hub unreachable; spooling batches");
            }
            self.last_problem = Some(why.to_owned());
        }
    }

    fn push(&mut self, seq: u64, bytes: &[u8]) -> Result<()> {
        self.spool.push(seq, bytes)?;
        self.update_gauge();
        Ok(())
    }

    fn update_gauge(&self) {
        self.gauge.set(self.spool.bytes(), self.spool.len() as u64);
    }
}

/// What an answer means, with the hub's reason when it gave one.
pub fn classify(answer: &Answer) -> Outcome {
    let reason = || match serde_json::from_slice::<ErrorBody>(&answer.body) {
        Ok(ErrorBody {
            error,
            hint: Some(hint),
        }) => format!("{} {error} (hint: {hint})", answer.status),
        Ok(ErrorBody { error, hint: None }) => format!("{} {error}", answer.status),
        Err(_) => {
            let text = String::from_utf8_lossy(&answer.body);
            format!(
                "{} {}",
                answer.status,
                text.chars().take(200).collect::<String>().trim()
            )
        }
    };
    match disposition(answer.status) {
        Disposition::Acked => {
            let duplicate = serde_json::from_slice::<IngestAck>(&answer.body)
                .map(|a| a.duplicate)
                .unwrap_or(false);
            Outcome::Acked { duplicate }
        }
        Disposition::Retry => Outcome::Retry(reason()),
        Disposition::RejectBatch => Outcome::Rejected(reason()),
        Disposition::Misconfigured => Outcome::Misconfigured(reason()),
    }
}
