//! `cloudctl check`: validate a spec and print every finding.

use std::process::ExitCode;

use cloudctl_spec::{Diagnostic, Severity};
use serde::Serialize;

use super::{Format, SpecArg};

/// Validate a spec: schema and semantic rules, every error at once.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 when the spec has no errors (warnings allowed), 1 when it has errors, 2 on a usage error.\n\n\
Examples:\n  cloudctl check                  the built-in default spec (the master plan)\n  \
cloudctl check infra/           a spec folder: every .yaml/.yml/.json file, merged\n  \
cloudctl check my.yaml --format json | jq '.diagnostics[] | select(.severity == \"error\")'"
)]
pub struct Args {
    #[command(flatten)]
    spec: SpecArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Treat warnings as errors (exit 1 when there is any).
    #[arg(long)]
    strict: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    ok: bool,
    errors: usize,
    warnings: usize,
    files: &'a [String],
    diagnostics: &'a [Diagnostic],
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let checked = match args.spec.check() {
        Ok(checked) => checked,
        Err(cloudctl_spec::Error::Invalid(diagnostics)) => {
            return print(&args, &[], &diagnostics);
        }
    };
    let mut diagnostics = checked.diagnostics.clone();
    if checked.is_ok() {
        // The audit of the rendered configs (issue 3): only meaningful for a spec without errors.
        for mut finding in cloudctl_render::audit::audit(&checked.loaded.spec) {
            finding.location = checked.loaded.locate(&finding.path);
            diagnostics.push(finding);
        }
        cloudctl_spec::diag::sort(&mut diagnostics);
    }
    let code = print(&args, &checked.loaded.files, &diagnostics)?;
    if code == ExitCode::SUCCESS && args.format == Format::Text {
        let spec = &checked.loaded.spec;
        let components: usize = spec.services.values().map(|s| s.components.len()).sum();
        println!(
            "{} hosts, {} services, {} components, {} containers.",
            spec.hosts.len(),
            spec.services.len(),
            components,
            spec.containers().count()
        );
    }
    Ok(code)
}

fn print(args: &Args, files: &[String], diagnostics: &[Diagnostic]) -> anyhow::Result<ExitCode> {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    let failed = errors > 0 || (args.strict && warnings > 0);
    match args.format {
        Format::Json => {
            let report = Report {
                ok: !failed,
                errors,
                warnings,
                files,
                diagnostics,
            };
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Format::Text | Format::Md => {
            for diagnostic in diagnostics {
                println!("{diagnostic}");
            }
            let source = match &args.spec.path {
                Some(path) => path.display().to_string(),
                None => "the default spec".to_owned(),
            };
            if failed {
                println!(
                    "\n✗ {source}: {errors} error(s), {warnings} warning(s) in {} file(s)",
                    files.len()
                );
            } else {
                println!(
                    "{}✓ {source} is valid ({warnings} warning(s), {} file(s)).",
                    if diagnostics.is_empty() { "" } else { "\n" },
                    files.len()
                );
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
