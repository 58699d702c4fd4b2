//! `cloudctl plan`: capacity, cost and availability computed from the spec.

use std::process::ExitCode;

use cloudctl_plan::{Plan, Resource, ResourceUse, Status};
use cloudctl_spec::units::human_bytes;
use comfy_table::{Cell, Color, Table, presets::UTF8_FULL_CONDENSED};

use super::{Format, SpecArg};

/// Show capacity per VM, monthly cost and the always-on vs on-demand matrix.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cloudctl plan                         tables for the default spec\n  \
cloudctl plan infra/ --format md      the same as Markdown (what `render docs` writes)\n  \
cloudctl plan --format json | jq .cost.total_monthly"
)]
pub struct Args {
    #[command(flatten)]
    spec: SpecArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let spec = args.spec.load()?;
    let plan = cloudctl_plan::plan(&spec);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&plan)?),
        Format::Md => print!("{}", cloudctl_render::plan_markdown(&spec)?),
        Format::Text => print_tables(&plan),
    }
    Ok(ExitCode::SUCCESS)
}

fn amount(usage: &ResourceUse, value: f64) -> String {
    match usage.resource {
        Resource::Cpu => format!("{}", (value * 1000.0).round() / 1000.0),
        Resource::Bandwidth => format!("{}/mo", human_bytes(value)),
        _ => human_bytes(value),
    }
}

fn print_tables(plan: &Plan) {
    let mut capacity = Table::new();
    capacity.load_style(UTF8_FULL_CONDENSED);
    capacity.set_header([
        "VM",
        "Tier",
        "Runs",
        "RAM",
        "CPU (vCPU)",
        "Storage",
        "Bandwidth",
        "Services",
    ]);
    for host in &plan.capacity {
        let mut row = vec![
            Cell::new(&host.host),
            Cell::new(format!("{:?}", host.tier).to_lowercase()),
            Cell::new(host.availability),
        ];
        for usage in &host.resources {
            let text = format!(
                "{} / {}\n{:.0}%",
                amount(usage, usage.allocated),
                amount(usage, usage.capacity),
                usage.percent
            );
            let color = match usage.status {
                Status::Ok => Color::Green,
                Status::Tight => Color::Yellow,
                Status::Over => Color::Red,
            };
            row.push(Cell::new(text).fg(color));
        }
        row.push(Cell::new(format!(
            "{} ({} containers)",
            host.services.len(),
            host.containers
        )));
        capacity.add_row(row);
    }
    println!("Capacity (allocated / capacity, % used)\n{capacity}\n");

    let mut cost = Table::new();
    cost.load_style(UTF8_FULL_CONDENSED);
    cost.set_header([
        "VM / item",
        "Provider",
        "Price",
        "24/7 per month",
        "Hours/day",
        "Expected per month",
    ]);
    for host in &plan.cost.hosts {
        cost.add_row([
            host.host.clone(),
            host.provider.clone(),
            host.price.clone(),
            format!("${:.2}", host.always_on_monthly),
            format!("{}", host.hours_per_day),
            format!("${:.2}", host.expected_monthly),
        ]);
    }
    for item in &plan.cost.items {
        let counted = if item.counted {
            format!("${:.2}", item.monthly)
        } else {
            "planned".into()
        };
        cost.add_row([
            item.title.clone(),
            item.provider.clone(),
            item.price.clone(),
            counted.clone(),
            "-".into(),
            counted,
        ]);
    }
    println!("Cost\n{cost}");
    println!(
        "Total: ${:.2}/month (${:.2}/year); ${:.2}/month if every VM ran 24/7 — waking on demand saves ${:.2}/month.\n",
        plan.cost.total_monthly,
        plan.cost.total_yearly,
        plan.cost.always_on_monthly,
        plan.cost.savings_monthly
    );

    let mut matrix = Table::new();
    matrix.load_style(UTF8_FULL_CONDENSED);
    matrix.set_header([
        "Service", "VM", "Decision", "VM runs", "Traffic", "Reason", "Status",
    ]);
    for row in &plan.matrix {
        matrix.add_row([
            row.title.clone(),
            row.host.clone(),
            row.decision.to_owned(),
            row.host_availability.unwrap_or("external").to_owned(),
            row.traffic.clone().unwrap_or_else(|| "-".into()),
            row.reason.clone().unwrap_or_else(|| "-".into()),
            row.status.to_owned(),
        ]);
    }
    println!("Always-on vs on-demand\n{matrix}");
}
