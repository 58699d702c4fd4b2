//! `cloudctl schema`: print or write the JSON Schema of spec files or of manifest.json.

use std::path::PathBuf;
use std::process::ExitCode;

/// Print the JSON Schema of spec files (for editors), or of manifest.json.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Spec files point editors at the schema with a first line such as\n  \
# yaml-language-server: $schema=../schema/cloudctl.schema.json\n\n\
Examples:\n  cloudctl schema --out schema/cloudctl.schema.json\n  cloudctl schema --manifest"
)]
pub struct Args {
    /// The schema of manifest.json instead of the spec's.
    #[arg(long)]
    manifest: bool,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let text = if args.manifest {
        cloudctl_render::manifest::schema()
    } else {
        cloudctl_spec::schema::spec_schema()
    };
    match args.out {
        Some(path) => super::files::write_atomic(&path, text.as_bytes(), false)?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
