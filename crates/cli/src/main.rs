//! `cloudctl`: argument parsing and wiring. Every command's logic lives in a library crate.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Run a personal multi-VM cloud from one spec: check it, plan capacity and cost, render every
/// config and document, and watch the real thing.
#[derive(Debug, Parser)]
#[command(
    name = "cloudctl",
    version,
    propagate_version = true,
    after_help = "Examples:\n  \
        cloudctl check                 validate the built-in default spec\n  \
        cloudctl check infra/          validate the spec in a folder\n  \
        cloudctl plan --format md      capacity and cost as Markdown\n  \
        cloudctl render docs --out out/    the plan's documents in out/docs/\n\n\
        With no PATH, every command uses the default spec built into the binary (the master plan)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Check(commands::check::Args),
    /// Show capacity, cost and the always-on vs on-demand matrix computed from the spec.
    Plan(commands::plan::Args),
    /// Render documents and configs from the spec (or check that files on disk match).
    Render(commands::render::Args),
    /// Print the JSON Schema of spec files or of manifest.json.
    Schema(commands::schema::Args),
    /// Collect this VM's metrics and send them to the hub (or write one snapshot with --once).
    Agent(commands::agent::Args),
    /// Run the hub (ingest, store, read API), manage its tokens, import snapshots.
    Hub(commands::hub::Args),
    /// Start a hub on 127.0.0.1 and an agent for this machine; watch until Ctrl-C.
    Up(commands::up::Args),
    /// Alerts of a running hub: list, history, silence, test-notify.
    Alerts(commands::alerts::Args),
    /// Export a running hub's data: the dashboard snapshot (metrics.json), CSV, JSON, a Markdown report.
    Export(commands::export::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Plan(args) => commands::plan::run(args),
        Command::Render(args) => commands::render::run(args),
        Command::Schema(args) => commands::schema::run(args),
        Command::Agent(args) => commands::agent::run(args),
        Command::Hub(args) => commands::hub::run(args),
        Command::Up(args) => commands::up::run(args),
        Command::Alerts(args) => commands::alerts::run(args),
        Command::Export(args) => commands::export::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}
