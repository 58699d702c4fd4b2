//! The agent's errors.

use std::path::PathBuf;

/// The agent's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in the agent (collector failures are not errors of the agent: they are
/// reported in the sample).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done (`reading`, `creating spool folder`, …).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The configuration is not usable.
    #[error("{0}")]
    Config(String),
    /// A batch could not be encoded.
    #[error(transparent)]
    Encode(#[from] cloudctl_wire::EncodeError),
    /// A collector failed.
    #[error("{0}")]
    Collect(String),
}

impl Error {
    /// An IO error with its action and path.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
