//! The cloudctl spec: the desired state of a personal cloud (providers, hosts, services and their
//! components, security and monitoring policy), loaded from YAML or JSON files with the location of
//! every value, validated all at once, and described by a JSON Schema. It does no IO beyond reading
//! the spec files it is given, and knows nothing of rendering, networks or storage.

pub mod diag;
pub mod load;
pub mod model;
pub mod schema;
mod suggest;
pub mod units;
pub mod validate;

pub use diag::{Diagnostic, Location, Severity};
pub use load::{Loaded, SourceFile};
pub use model::*;

/// Errors of this crate: a spec that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec has errors; each diagnostic says where and how to fix it.
    #[error("the spec has {} error(s)", .0.iter().filter(|d| d.is_error()).count())]
    Invalid(Vec<Diagnostic>),
}

/// This crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The outcome of checking a spec: the loaded spec and every finding.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The loaded spec.
    pub loaded: Loaded,
    /// Errors and warnings, errors first.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// True when nothing is an error.
    pub fn is_ok(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The spec, when it has no errors; otherwise every diagnostic.
    pub fn into_spec(self) -> Result<Spec> {
        if self.is_ok() {
            Ok(self.loaded.spec)
        } else {
            Err(Error::Invalid(self.diagnostics))
        }
    }
}

/// Loads and validates a spec from sources.
pub fn check(sources: &[SourceFile]) -> Checked {
    let loaded = load::load(sources);
    let diagnostics = validate::validate(&loaded);
    Checked {
        loaded,
        diagnostics,
    }
}

/// Loads and validates the spec at `path` (a folder or a file), or the built-in default spec.
pub fn check_path(path: Option<&std::path::Path>) -> Result<Checked> {
    let sources = match path {
        Some(path) => load::read_sources(path).map_err(Error::Invalid)?,
        None => load::default_sources(),
    };
    Ok(check(&sources))
}

/// The built-in default spec (the master plan), validated.
pub fn default_spec() -> Result<Spec> {
    check(&load::default_sources()).into_spec()
}
