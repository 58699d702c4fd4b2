//! `cloudctl render`: write documents and configs from the spec, or check that files on disk match.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use cloudctl_render::RenderedFile;

use super::SpecArg;

/// Render documents and deployable configs from the spec.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Positional words that name a target choose targets; any other word is the spec path.\n\
With no target, every target is rendered.\n\n\
Examples:\n  cloudctl render --out out/                  everything, from the default spec\n  \
cloudctl render docs infra/ --out out/      the documents of the spec in infra/\n  \
cloudctl render docs --out out/ --check     exit 1 with a diff if out/ is stale\n  \
cloudctl render --list                      the targets and what they write"
)]
pub struct Args {
    /// Targets to render (see --list) and, optionally, the spec folder or file.
    #[arg(value_name = "TARGET|PATH")]
    words: Vec<String>,
    /// The spec folder or file (instead of a positional path).
    #[arg(long, value_name = "PATH")]
    spec: Option<PathBuf>,
    /// Output folder.
    #[arg(long, short, value_name = "DIR", required_unless_present = "list")]
    out: Option<PathBuf>,
    /// Folder of templates that replace the embedded ones of the same name (e.g. docs/services.md.j2).
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Do not write: exit 1 with a unified diff when the files in --out differ from what would be rendered.
    #[arg(long)]
    check: bool,
    /// List the targets and the embedded templates, then exit.
    #[arg(long)]
    list: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.list {
        for target in cloudctl_render::targets::ALL {
            println!("{:<10} {}", target.name(), target.describe());
        }
        println!("\nEmbedded templates (override with --templates DIR):");
        for name in cloudctl_render::Engine::embedded_names() {
            println!("  {name}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (targets, path) = split_words(&args)?;
    let spec = SpecArg { path }.load()?;
    let files = cloudctl_render::render(&spec, &targets, args.templates.as_deref())?;
    let out = args.out.as_deref().context("--out is required")?;
    if args.check {
        return check(out, &files);
    }
    let mut changed = 0;
    for file in &files {
        let path = out.join(&file.path);
        if std::fs::read(&path).ok().as_deref() == Some(file.contents.as_bytes()) {
            continue;
        }
        super::files::write_atomic(&path, file.contents.as_bytes(), file.executable)?;
        changed += 1;
    }
    println!(
        "Rendered {} file(s) into {} ({changed} changed).",
        files.len(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn split_words(args: &Args) -> anyhow::Result<(Vec<String>, Option<PathBuf>)> {
    let mut targets = Vec::new();
    let mut path = args.spec.clone();
    for word in &args.words {
        if cloudctl_render::targets::find(word).is_some() {
            targets.push(word.clone());
        } else if path.is_none() && Path::new(word).exists() {
            path = Some(PathBuf::from(word));
        } else {
            let names: Vec<&str> = cloudctl_render::targets::ALL
                .iter()
                .map(|t| t.name())
                .collect();
            bail!(
                "`{word}` is neither a render target ({}) nor an existing spec path",
                names.join(", ")
            );
        }
    }
    Ok((targets, path))
}

fn check(out: &Path, files: &[RenderedFile]) -> anyhow::Result<ExitCode> {
    let mut stale = 0;
    for file in files {
        let path = out.join(&file.path);
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if on_disk == file.contents {
            continue;
        }
        stale += 1;
        let diff = similar::TextDiff::from_lines(&on_disk, &file.contents);
        print!(
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header(&format!("a/{}", file.path), &format!("b/{}", file.path))
        );
    }
    if stale == 0 {
        println!(
            "{} file(s) in {} match the spec.",
            files.len(),
            out.display()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{stale} of {} file(s) in {} differ from the spec; run the same command without --check to update them.",
            files.len(),
            out.display()
        );
        Ok(ExitCode::from(1))
    }
}
