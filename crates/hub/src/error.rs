//! The hub library's error type. Storage errors keep "not found" apart from everything else so the
//! API can answer 404 for one and 500 for the other (the mapping to HTTP lives in `api::error`).

use std::path::PathBuf;

/// Everything that can go wrong in the hub library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A named thing (host, token, metric) does not exist.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, e.g. `host "web-1"`.
        what: String,
    },
    /// The caller asked for something the store cannot do as asked.
    #[error("{reason}; {hint}")]
    Invalid {
        /// What is wrong.
        reason: String,
        /// How to fix it.
        hint: String,
    },
    /// The database file could not be opened or prepared.
    #[error("cannot open the database {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// The database was written by a newer cloudctl.
    #[error(
        "the database {path} has schema version {found}, newer than this cloudctl knows ({known})"
    )]
    SchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// Any other SQLite failure.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The store's writer thread stopped (the hub is shutting down or crashed).
    #[error("the store is shutting down")]
    Closed,
    /// A write could not be committed (disk full or failing); the caller should retry later.
    #[error("the write could not be committed: {0}")]
    Unavailable(String),
    /// File or network IO.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A `NotFound` for `what`.
    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound { what: what.into() }
    }

    /// An `Invalid` with a reason and a hint.
    pub fn invalid(reason: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Invalid {
            reason: reason.into(),
            hint: hint.into(),
        }
    }
}

/// The hub library's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
