//! A small, bounded pool of read connections. Reads run on tokio's blocking threads; a semaphore
//! bounds how many run at once, so memory does not grow with the number of callers.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use crate::{Error, Result};

pub(super) struct Readers {
    path: PathBuf,
    cache_kib: u32,
    idle: Arc<Mutex<Vec<Connection>>>,
    permits: Arc<Semaphore>,
}

impl Readers {
    pub(super) fn new(path: PathBuf, cache_kib: u32, size: usize) -> Self {
        Readers {
            path,
            cache_kib,
            idle: Arc::new(Mutex::new(Vec::new())),
            permits: Arc::new(Semaphore::new(size.max(1))),
        }
    }

    fn open(path: &PathBuf, cache_kib: u32) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| Error::Open {
            path: path.clone(),
            source,
        })?;
        conn.execute_batch(&format!(
            "PRAGMA cache_size = -{cache_kib}; PRAGMA mmap_size = 0; PRAGMA query_only = ON;"
        ))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(conn)
    }

    pub(super) async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Error::Closed)?;
        let idle = self.idle.clone();
        let path = self.path.clone();
        let cache_kib = self.cache_kib;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = match idle.lock().ok().and_then(|mut v| v.pop()) {
                Some(conn) => conn,
                None => Self::open(&path, cache_kib)?,
            };
            let result = f(&conn);
            if let Ok(mut v) = idle.lock() {
                v.push(conn);
            }
            result
        })
        .await
        .map_err(|_| Error::Closed)?
    }

    pub(super) fn close(&self) {
        self.permits.close();
        if let Ok(mut v) = self.idle.lock() {
            v.clear();
        }
    }
}
