//! The on-disk spool: batches the hub has not acknowledged yet, oldest first, bounded in size.
//!
//! One file per batch, named by its sequence number (`00000000000000000042.batch`, so names sort
//! in order). A file is written to a `.tmp` name, fsynced, renamed and the folder fsynced, so
//! after a crash a batch is either whole or absent; leftover `.tmp` files are removed on open. A
//! batch file is deleted only after the hub's 2xx for it. When the spool is full the oldest are
//! deleted first and counted; the count is kept in the file `dropped` until a successful send has
//! reported it.

use std::collections::VecDeque;
use std::fs;
use std::path::{Path, PathBuf};

use crate::{Error, Result, fsutil};

const EXT: &str = "batch";
const DROPPED_FILE: &str = "dropped";

/// The spool in one folder.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    max_bytes: u64,
    /// (seq, size) per spooled batch, oldest first.
    entries: VecDeque<(u64, u64)>,
    total: u64,
    dropped: u64,
}

impl Spool {
    /// Open (or create) the spool in `dir`, holding at most `max_bytes`.
    pub fn open(dir: impl Into<PathBuf>, max_bytes: u64) -> Result<Spool> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|e| Error::io("creating spool folder", &dir, e))?;
        let mut entries = Vec::new();
        let listing = fs::read_dir(&dir).map_err(|e| Error::io("listing spool folder", &dir, e))?;
        for entry in listing {
            let entry = entry.map_err(|e| Error::io("listing spool folder", &dir, e))?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".tmp") {
                // A write interrupted by a crash: the batch was never acknowledged as spooled.
                let _ = fs::remove_file(&path);
                continue;
            }
            let Some(seq) = name
                .strip_suffix(&format!(".{EXT}"))
                .and_then(|s| s.parse::<u64>().ok())
            else {
                continue;
            };
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            entries.push((seq, size));
        }
        entries.sort_unstable();
        let dropped = match fs::read_to_string(dir.join(DROPPED_FILE)) {
            Ok(text) => text.trim().parse().unwrap_or(0),
            Err(_) => 0,
        };
        let total = entries.iter().map(|(_, s)| s).sum();
        Ok(Spool {
            dir,
            max_bytes,
            entries: entries.into(),
            total,
            dropped,
        })
    }

    /// Add a batch at the end, dropping the oldest first if it would not fit.
    pub fn push(&mut self, seq: u64, bytes: &[u8]) -> Result<()> {
        let size = bytes.len() as u64;
        let mut dropped_now = 0;
        if size > self.max_bytes {
            // Larger than the whole spool: keeping it would mean dropping everything else.
            dropped_now += 1;
        } else {
            while self.total + size > self.max_bytes {
                let Some((old_seq, old_size)) = self.entries.pop_front() else {
                    break;
                };
                self.remove_file(old_seq)?;
                self.total -= old_size;
                dropped_now += 1;
            }
            fsutil::write_atomic(&self.path(seq), bytes)?;
            // Replays keep order by sequence: a batch older than the newest goes in its place.
            let at = self.entries.partition_point(|&(s, _)| s < seq);
            if self.entries.get(at).is_some_and(|&(s, _)| s == seq) {
                self.total -= self.entries[at].1;
                self.entries[at] = (seq, size);
            } else {
                self.entries.insert(at, (seq, size));
            }
            self.total += size;
        }
        if dropped_now > 0 {
            tracing::warn!(
                dropped = dropped_now,
                max_bytes = self.max_bytes,
                "Spool full, dropped the oldest batches"
            );
            self.set_dropped(self.dropped + dropped_now)?;
        }
        Ok(())
    }

    /// The oldest batch: its sequence number and bytes.
    pub fn front(&self) -> Result<Option<(u64, Vec<u8>)>> {
        let Some(&(seq, _)) = self.entries.front() else {
            return Ok(None);
        };
        let path = self.path(seq);
        let bytes = fs::read(&path).map_err(|e| Error::io("reading spooled batch", path, e))?;
        Ok(Some((seq, bytes)))
    }

    /// Delete the oldest batch (after the hub acknowledged it, or refused it for good).
    pub fn pop_front(&mut self) -> Result<()> {
        if let Some((seq, size)) = self.entries.pop_front() {
            self.remove_file(seq)?;
            self.total -= size;
        }
        Ok(())
    }

    /// Batches dropped and not yet reported to the hub.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Count batches dropped elsewhere (the agent's in-memory queue was full).
    pub fn add_dropped(&mut self, n: u64) -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.set_dropped(self.dropped + n)
    }

    /// The hub has been told about `n` dropped batches.
    pub fn reported(&mut self, n: u64) -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.set_dropped(self.dropped.saturating_sub(n))
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Batches waiting.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Bytes waiting.
    pub fn bytes(&self) -> u64 {
        self.total
    }

    /// The highest sequence number spooled, if any.
    pub fn last_seq(&self) -> Option<u64> {
        self.entries.back().map(|&(s, _)| s)
    }

    /// The spool's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("{seq:020}.{EXT}"))
    }

    fn remove_file(&self, seq: u64) -> Result<()> {
        let path = self.path(seq);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("deleting spooled batch", path, e)),
        }
    }

    fn set_dropped(&mut self, n: u64) -> Result<()> {
        fsutil::write_atomic(&self.dir.join(DROPPED_FILE), n.to_string().as_bytes())?;
        self.dropped = n;
        Ok(())
    }
}
