//! The hub's store: one SQLite file in WAL mode. A single writer thread owns the only writing
//! connection and commits batches in groups (one fsync for many batches), appending their points
//! to a staging table that compaction moves into the raw and rollup tables many points at a time;
//! reads see staged points too, so nothing acknowledged is ever invisible. Reads run on a small,
//! bounded pool of read-only connections. Everything that wants to persist observations (agents,
//! file imports, and later probes and alerts) goes through this API.
//!
//! Memory is bounded by construction: a bounded job queue, a bounded series-id cache, a fixed
//! SQLite page cache per connection and a fixed number of connections.

pub mod alerts;
mod compact;
mod pool;
pub mod probes;
pub mod read;
pub mod record;
pub mod retention;
pub mod schema;
mod write;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

pub use probes::{ProbeRun, ProbeSource, ProbeSummary, Uptime};
pub use record::{
    BatchInfo, BatchRecord, HostRow, IngestOutcome, Point, Resolution, SeriesAnswer, SeriesData,
    SeriesInfo, SeriesPoint, SeriesQuery, Snapshot, labels,
};
pub use retention::{Retention, RetentionReport};
pub use write::SeriesCache;

use crate::{Error, Result};

/// How to open a [`Store`].
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The SQLite file (created when missing, with its folder).
    pub path: PathBuf,
    /// How long each resolution is kept.
    pub retention: Retention,
    /// SQLite page cache per connection, KiB.
    pub cache_kib: u32,
    /// Write jobs that may wait for the writer.
    pub queue: usize,
    /// Read connections (and concurrent reads).
    pub readers: usize,
}

impl StoreConfig {
    /// Defaults sized for a 1 GB VM: 2 MiB page cache per connection, 2 readers, 64 queued writes.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        StoreConfig {
            path: path.into(),
            retention: Retention::default(),
            cache_kib: 2048,
            queue: 64,
            readers: 2,
        }
    }
}

type WriteFn = Box<dyn FnOnce(&mut Connection, &mut SeriesCache) + Send>;

enum Job {
    Ingest(BatchRecord, oneshot::Sender<Result<IngestOutcome>>),
    Compact(oneshot::Sender<Result<usize>>),
    Retention(oneshot::Sender<Result<RetentionReport>>),
    Write(WriteFn),
    Stop(oneshot::Sender<()>),
}

/// Time between two compactions when fewer than `COMPACT_ROWS` points are staged.
pub const COMPACT_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Largest group of batches committed in one transaction, in samples (bounds commit latency).
const GROUP_POINTS: usize = 100_000;

/// A handle to the store; cheap to clone, shared by every task of the hub.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    config: StoreConfig,
    jobs: mpsc::Sender<Job>,
    readers: pool::Readers,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.config.path)
            .finish()
    }
}

/// Open (creating and migrating when needed) a plain connection to the store's file, for one-shot
/// commands such as `cloudctl hub token` that may run beside a live hub.
pub fn open_connection(path: &Path, cache_kib: u32) -> Result<Connection> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            context: format!("cannot create the folder {}", parent.display()),
            source,
        })?;
    }
    let mut conn = Connection::open(path).map_err(|source| Error::Open {
        path: path.to_owned(),
        source,
    })?;
    schema::configure(&conn, cache_kib).map_err(|e| match e {
        Error::Sqlite(source) => Error::Open {
            path: path.to_owned(),
            source,
        },
        other => other,
    })?;
    schema::migrate(&mut conn, path)?;
    Ok(conn)
}

impl Store {
    /// Open the store and start its writer thread.
    pub fn open(config: StoreConfig) -> Result<Store> {
        let conn = open_connection(&config.path, config.cache_kib)?;
        let (jobs, rx) = mpsc::channel(config.queue.max(1));
        let thread = std::thread::Builder::new()
            .name("cloudctl-store".into())
            .spawn({
                let retention = config.retention.clone();
                move || writer_loop(conn, rx, retention)
            })
            .map_err(|source| Error::Io {
                context: "cannot start the store's writer thread".into(),
                source,
            })?;
        let readers = pool::Readers::new(config.path.clone(), config.cache_kib, config.readers);
        Ok(Store {
            inner: Arc::new(Inner {
                config,
                jobs,
                readers,
                thread: Mutex::new(Some(thread)),
            }),
        })
    }

    /// The store's configuration.
    pub fn config(&self) -> &StoreConfig {
        &self.inner.config
    }

    /// Store one batch; returns once it is committed (durable) or known to be a duplicate.
    pub async fn ingest(&self, batch: BatchRecord) -> Result<IngestOutcome> {
        let (reply, answer) = oneshot::channel();
        self.inner
            .jobs
            .send(Job::Ingest(batch, reply))
            .await
            .map_err(|_| Error::Closed)?;
        answer.await.map_err(|_| Error::Closed)?
    }

    /// Run `f` on the writing connection, in the writer thread (for writes other than batches:
    /// tokens, and later probe results and alert state).
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: WriteFn = Box::new(move |conn, _cache| {
            let _ = reply.send(f(conn));
        });
        self.inner
            .jobs
            .send(Job::Write(job))
            .await
            .map_err(|_| Error::Closed)?;
        answer.await.map_err(|_| Error::Closed)?
    }

    /// Run `f` on a read connection from the pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        self.inner.readers.run(f).await
    }

    /// Delete what retention no longer keeps, as of now (staged points are compacted first, so
    /// retention sees every point).
    pub async fn enforce_retention(&self) -> Result<RetentionReport> {
        let (reply, answer) = oneshot::channel();
        self.inner
            .jobs
            .send(Job::Retention(reply))
            .await
            .map_err(|_| Error::Closed)?;
        answer.await.map_err(|_| Error::Closed)?
    }

    /// Move staged points into the raw and rollup tables now; returns how many were moved.
    pub async fn compact(&self) -> Result<usize> {
        let (reply, answer) = oneshot::channel();
        self.inner
            .jobs
            .send(Job::Compact(reply))
            .await
            .map_err(|_| Error::Closed)?;
        answer.await.map_err(|_| Error::Closed)?
    }

    /// Background upkeep until `shutdown` resolves: compaction every [`COMPACT_EVERY`] (it also
    /// runs whenever enough points are staged) and retention every `retention.every`.
    pub async fn run_retention(&self, shutdown: impl std::future::Future<Output = ()>) {
        let mut compact = tokio::time::interval(COMPACT_EVERY);
        compact.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut tick = tokio::time::interval(self.inner.config.retention.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = compact.tick() => if let Err(Error::Closed) = self.compact().await {
                    return;
                },
                _ = tick.tick() => match self.enforce_retention().await {
                    Ok(report) => tracing::debug!(
                        raw = report.raw, minute = report.minute, hour = report.hour,
                        batches = report.batches, "Retention done"
                    ),
                    Err(Error::Closed) => return,
                    Err(error) => tracing::warn!(%error, "Retention failed; will retry"),
                },
            }
        }
    }

    /// Finish queued writes, stop the writer and close the database.
    pub async fn close(&self) {
        let (reply, answer) = oneshot::channel();
        if self.inner.jobs.send(Job::Stop(reply)).await.is_ok() {
            let _ = answer.await;
        }
        let handle = self.inner.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
        self.inner.readers.close();
    }
}

fn writer_loop(mut conn: Connection, mut jobs: mpsc::Receiver<Job>, retention: Retention) {
    let mut cache = SeriesCache::default();
    let mut pending: Option<Job> = None;
    // Points left staged by a crash are compacted first.
    let mut staged = compact::staged(&conn).unwrap_or(0);
    let _ = compact_now(&mut conn, &mut staged);
    loop {
        let Some(job) = pending.take().or_else(|| jobs.blocking_recv()) else {
            break;
        };
        match job {
            Job::Ingest(first, reply) => {
                let mut points = first.points.len();
                let mut group = vec![(first, reply)];
                // Group commit: take whatever batches are already waiting, up to a bound.
                while points < GROUP_POINTS {
                    match jobs.try_recv() {
                        Ok(Job::Ingest(batch, reply)) => {
                            points += batch.points.len();
                            group.push((batch, reply));
                        }
                        Ok(other) => {
                            pending = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                staged += commit_group(&mut conn, &mut cache, group);
                if staged >= compact::COMPACT_ROWS {
                    let _ = compact_now(&mut conn, &mut staged);
                }
            }
            Job::Compact(reply) => {
                let _ = reply.send(compact_now(&mut conn, &mut staged));
            }
            Job::Retention(reply) => {
                let _ = reply.send(retain(&mut conn, &mut cache, &mut staged, &retention));
            }
            Job::Write(f) => f(&mut conn, &mut cache),
            Job::Stop(reply) => {
                jobs.close();
                // Writes queued before the stop still get their answer.
                while let Ok(job) = jobs.try_recv() {
                    match job {
                        Job::Ingest(batch, reply) => {
                            staged += commit_group(&mut conn, &mut cache, vec![(batch, reply)]);
                        }
                        Job::Compact(reply) => {
                            let _ = reply.send(compact_now(&mut conn, &mut staged));
                        }
                        Job::Retention(reply) => {
                            let _ =
                                reply.send(retain(&mut conn, &mut cache, &mut staged, &retention));
                        }
                        Job::Write(f) => f(&mut conn, &mut cache),
                        Job::Stop(other) => {
                            let _ = other.send(());
                        }
                    }
                }
                let _ = compact_now(&mut conn, &mut staged);
                drop(conn);
                let _ = reply.send(());
                return;
            }
        }
    }
}

/// Compact, then delete what retention no longer keeps.
fn retain(
    conn: &mut Connection,
    cache: &mut SeriesCache,
    staged: &mut usize,
    retention: &Retention,
) -> Result<RetentionReport> {
    compact_now(conn, staged)?;
    let report = retention::enforce(conn, crate::clock::now_ms(), retention);
    cache.clear();
    report
}

/// Compact, logging failures (the points stay staged and visible; the next run retries).
fn compact_now(conn: &mut Connection, staged: &mut usize) -> Result<usize> {
    if *staged == 0 {
        return Ok(0);
    }
    match compact::compact(conn) {
        Ok(moved) => {
            tracing::debug!(staged = *staged, moved, "Compacted");
            *staged = 0;
            Ok(moved)
        }
        Err(error) => {
            tracing::error!(%error, staged = *staged, "Compaction failed; points stay staged");
            Err(error)
        }
    }
}

/// Commit a group; returns the points staged.
fn commit_group(
    conn: &mut Connection,
    cache: &mut SeriesCache,
    group: Vec<(BatchRecord, oneshot::Sender<Result<IngestOutcome>>)>,
) -> usize {
    let (batches, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
    match write::ingest_group(conn, cache, &batches) {
        Ok(results) => {
            let mut staged = 0;
            for (reply, result) in replies.into_iter().zip(results) {
                if let Ok(IngestOutcome::Stored { samples }) = &result {
                    staged += samples;
                }
                let _ = reply.send(result);
            }
            staged
        }
        Err(error) => {
            // The transaction did not commit: nothing of the group is durable, so nobody gets an ack.
            cache.clear();
            tracing::error!(%error, batches = batches.len(), "Commit failed");
            let text = error.to_string();
            for reply in replies {
                let _ = reply.send(Err(Error::Unavailable(text.clone())));
            }
            0
        }
    }
}
