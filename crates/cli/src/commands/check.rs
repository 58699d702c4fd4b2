//! `cloudctl check`: validate a spec.

use std::path::PathBuf;
use std::process::ExitCode;

/// Validate a spec: schema and semantic rules, every error at once.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Spec folder or file; the built-in default spec when omitted.
    path: Option<PathBuf>,
}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("check is being built")
}
