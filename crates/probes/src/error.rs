//! Errors of building probes from their configuration. A failing check is not an error of this
//! kind: it is a [`crate::Failure`] inside a [`crate::ProbeResult`].

/// Errors found while turning a [`crate::ProbeDef`] into a runnable probe.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A probe's configuration is unusable; the message says which field and how to fix it.
    #[error("probe `{probe}`: {message}")]
    Config {
        /// The probe's name.
        probe: String,
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl Error {
    /// A configuration error for the named probe.
    pub fn config(probe: &str, message: impl Into<String>) -> Self {
        Error::Config {
            probe: probe.to_owned(),
            message: message.into(),
        }
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
