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
        cloudctl render docs --out out/docs\n\n\
        With no PATH, every command uses the default spec built into the binary (the master plan)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Check(commands::check::Args),
    /// Collect this VM's metrics and send them to the hub (or write one snapshot with --once).
    Agent(commands::agent::Args),
    /// Run the hub (ingest, store, read API), manage its tokens, import snapshots.
    Hub(commands::hub::Args),
    /// Start a hub on 127.0.0.1 and an agent for this machine; watch until Ctrl-C.
    Up(commands::up::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Agent(args) => commands::agent::run(args),
        Command::Hub(args) => commands::hub::run(args),
        Command::Up(args) => commands::up::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}
