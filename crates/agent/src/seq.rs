//! The batch sequence number: increasing by one per batch, kept on disk so it keeps increasing
//! across restarts (a reused number would make the hub ignore new data as a duplicate).

use std::path::PathBuf;

use crate::{Error, Result, fsutil};

/// The last sequence number used, and where it is kept.
#[derive(Debug)]
pub struct SeqStore {
    path: PathBuf,
    last: u64,
}

impl SeqStore {
    /// Load from `path`; `at_least` is the highest number known used elsewhere (the spool).
    pub fn open(path: PathBuf, at_least: u64) -> Result<Self> {
        let last = match std::fs::read_to_string(&path) {
            Ok(text) => text.trim().parse::<u64>().map_err(|_| {
                Error::Config(format!(
                    "{}: not a sequence number ({:?}); delete the file only if this host's data \
                     on the hub may be renumbered",
                    path.display(),
                    text.trim()
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(Error::io("reading", path, e)),
        };
        Ok(SeqStore {
            path,
            last: last.max(at_least),
        })
    }

    /// Take the next number; it is on disk before it is returned.
    pub fn next(&mut self) -> Result<u64> {
        let seq = self.last + 1;
        fsutil::write_atomic(&self.path, seq.to_string().as_bytes())?;
        self.last = seq;
        Ok(seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_restart_and_respects_the_spool() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seq");
        let mut s = SeqStore::open(path.clone(), 0).unwrap();
        assert_eq!(s.next().unwrap(), 1);
        assert_eq!(s.next().unwrap(), 2);
        let mut s = SeqStore::open(path.clone(), 0).unwrap();
        assert_eq!(s.next().unwrap(), 3);
        let mut s = SeqStore::open(path.clone(), 10).unwrap();
        assert_eq!(s.next().unwrap(), 11);
        std::fs::write(&path, "junk").unwrap();
        let err = SeqStore::open(path, 0).unwrap_err().to_string();
        assert!(err.contains("not a sequence number"), "{err}");
    }
}
