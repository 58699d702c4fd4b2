//! Errors of this crate: configuration that cannot work, and failed notification sends.

/// Errors of rule configuration, silences and notifiers.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration value is unusable; the message names the field and how to fix it.
    #[error("{0}")]
    Config(String),
    /// A notifier could not deliver; the message names the notifier and the cause.
    #[error("notifier `{notifier}`: {message}")]
    Send {
        /// The notifier's name.
        notifier: String,
        /// What went wrong.
        message: String,
    },
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
