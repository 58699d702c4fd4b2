//! One module per subcommand, and the arguments they share.

pub mod agent;
pub mod alerts;
pub mod check;
pub mod export;
pub mod files;
pub mod hub;
pub mod plan;
pub mod render;
pub mod schema;
pub mod up;

use std::path::PathBuf;

/// Output formats shared by commands that print reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable text (tables in a terminal).
    Text,
    /// Markdown.
    Md,
    /// JSON, for scripts.
    Json,
}

/// The spec to use: a folder or file, or the built-in default spec.
#[derive(Debug, Clone, clap::Args)]
pub struct SpecArg {
    /// Spec folder (every .yaml, .yml and .json file in it, merged) or file. Default: the
    /// built-in master plan (the `infra/` folder this binary was built with).
    #[arg(value_name = "PATH", env = "CLOUDCTL_SPEC")]
    pub path: Option<PathBuf>,
}

impl SpecArg {
    /// Loads and validates the spec.
    pub fn check(&self) -> cloudctl_spec::Result<cloudctl_spec::Checked> {
        cloudctl_spec::check_path(self.path.as_deref())
    }

    /// Loads the spec and fails with every error when it is invalid; warnings go to stderr.
    pub fn load(&self) -> anyhow::Result<cloudctl_spec::Spec> {
        let checked = self.check().map_err(invalid)?;
        for warning in checked.diagnostics.iter().filter(|d| !d.is_error()) {
            tracing::debug!(%warning, "Spec warning");
        }
        checked.into_spec().map_err(invalid)
    }
}

fn invalid(error: cloudctl_spec::Error) -> anyhow::Error {
    let cloudctl_spec::Error::Invalid(diagnostics) = &error;
    let listing: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    anyhow::anyhow!(
        "{error}; run `cloudctl check` for details:\n{}",
        listing.join("\n")
    )
}
