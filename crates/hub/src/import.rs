//! File mode: ingest a folder of agent snapshots (`cloudctl agent --once --out FILE`, plain JSON
//! batches, e.g. synced by Syncthing), idempotently: a file imported twice stores nothing new.

use std::path::{Path, PathBuf};

use cloudctl_wire::{Limits, from_json};
use serde::Serialize;

use crate::store::{IngestOutcome, Store};
use crate::{Error, Result, clock, convert};

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum FileOutcome {
    /// Stored now.
    Stored {
        /// Host of the snapshot.
        host: String,
        /// Its sequence number.
        seq: u64,
        /// Samples newly stored.
        samples: usize,
    },
    /// Already in the store.
    Duplicate {
        /// Host of the snapshot.
        host: String,
        /// Its sequence number.
        seq: u64,
    },
    /// Not a readable snapshot; nothing stored from it.
    Failed {
        /// Why.
        reason: String,
        /// How to fix it.
        hint: String,
    },
}

/// One file's progress report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileReport {
    /// 1-based position among the files.
    pub index: usize,
    /// Number of files.
    pub total: usize,
    /// The file.
    pub path: PathBuf,
    /// What happened.
    pub outcome: FileOutcome,
}

/// Totals of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Files looked at.
    pub files: usize,
    /// Files stored now.
    pub stored: usize,
    /// Files already stored.
    pub duplicates: usize,
    /// Files that could not be read as snapshots.
    pub failed: usize,
    /// Samples stored now.
    pub samples: usize,
}

/// The `*.json` files of `dir`, sorted by name (agents name snapshots by time, so this replays
/// them in order), not recursing.
pub fn snapshot_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        context: format!("cannot read the folder {}", dir.display()),
        source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io {
            context: format!("cannot list the folder {}", dir.display()),
            source,
        })?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

async fn import_file(store: &Store, path: &Path, limits: &Limits) -> Result<FileOutcome> {
    let bytes = match tokio::fs::read(path).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return Ok(FileOutcome::Failed {
                reason: format!("cannot read: {e}"),
                hint: "check the file's permissions".into(),
            });
        }
    };
    let batch = match from_json(&bytes, limits) {
        Ok(batch) => batch,
        Err(e) => {
            return Ok(FileOutcome::Failed {
                reason: e.to_string(),
                hint: e.hint(),
            });
        }
    };
    let record = convert::batch_record(&batch, clock::now_ms());
    let (host, seq) = (batch.host_id, batch.seq);
    Ok(match store.ingest(record).await? {
        IngestOutcome::Stored { samples } => FileOutcome::Stored { host, seq, samples },
        IngestOutcome::Duplicate => FileOutcome::Duplicate { host, seq },
    })
}

/// Import every snapshot in `dir`, calling `progress` after each file. A bad file is reported and
/// skipped; a store failure stops the import (what was stored stays stored).
pub async fn import_dir(
    store: &Store,
    dir: &Path,
    mut progress: impl FnMut(&FileReport),
) -> Result<ImportSummary> {
    let files = snapshot_files(dir)?;
    let limits = Limits::default();
    let mut summary = ImportSummary {
        files: files.len(),
        ..ImportSummary::default()
    };
    for (i, path) in files.iter().enumerate() {
        let outcome = import_file(store, path, &limits).await?;
        match &outcome {
            FileOutcome::Stored { samples, .. } => {
                summary.stored += 1;
                summary.samples += samples;
            }
            FileOutcome::Duplicate { .. } => summary.duplicates += 1,
            FileOutcome::Failed { .. } => summary.failed += 1,
        }
        progress(&FileReport {
            index: i + 1,
            total: files.len(),
            path: path.clone(),
            outcome,
        });
    }
    Ok(summary)
}
