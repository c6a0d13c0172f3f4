//! `minsheng` — the command-line tool. Glue over the library crates: parse arguments, call, render, exit code.

mod evaluate_cmd;
mod output;
mod plan_cmd;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Minsheng (民生): public-service plans as checked data.
#[derive(Parser)]
#[command(name = "minsheng", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 规划 — list, check and show plans.
    #[command(subcommand)]
    Plan(PlanCmd),
    /// 指标值 — read one target cell with the target grammar.
    #[command(subcommand)]
    Target(TargetCmd),
    /// 评估 — judge a plan against an observations file at a year (序时进度 method, warnings, projections).
    Evaluate {
        /// A shipped plan id or a plan TOML file.
        #[arg(long)]
        plan: String,
        /// Tidy observations CSV (`indicator,region,year,value`, optional `series`, `source`, disaggregations).
        #[arg(long)]
        data: String,
        #[arg(long)]
        year: i32,
        /// annual, midterm or final (default: final in or after the target year, else annual).
        #[arg(long)]
        kind: Option<String>,
        /// The region judged (default: the plan's region).
        #[arg(long)]
        region: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// 行政区划 — the shipped GB/T 2260 region table.
    #[command(subcommand)]
    Region(RegionCmd),
}

#[derive(Subcommand)]
enum PlanCmd {
    /// List the shipped plans.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Check plan files (default: every shipped plan) and print every diagnostic; exit 1 on any error.
    Check {
        /// Plan TOML files; their `source_document` is looked up beside them, then among the shipped seeds.
        files: Vec<String>,
        /// Print diagnostics as JSON lines.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show one plan, one record per indicator.
    Show {
        /// A shipped plan id (see `plan list`) or a path to a plan TOML file.
        plan: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum TargetCmd {
    /// Parse one cell as written (e.g. "控制在5.5%以内") and print its meaning as JSON.
    Parse {
        text: String,
        /// The indicator's unit; a unit written in the cell must agree with it.
        #[arg(long)]
        unit: Option<String>,
    },
}

#[derive(Subcommand)]
enum RegionCmd {
    /// List regions, optionally under one parent or at one level.
    List {
        /// Only the direct children of this code.
        #[arg(long)]
        parent: Option<String>,
        /// province, prefecture or county.
        #[arg(long)]
        level: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show one region by its six-digit code; unknown codes are rejected.
    Show { code: String },
}

/// Output format of a listing.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = io::stdout().lock();
    let result = match cli.command {
        Command::Plan(PlanCmd::List { format }) => plan_cmd::list(&mut out, format),
        Command::Plan(PlanCmd::Check { files, format }) => {
            plan_cmd::check(&mut out, &files, format)
        }
        Command::Plan(PlanCmd::Show { plan, format }) => plan_cmd::show(&mut out, &plan, format),
        Command::Target(TargetCmd::Parse { text, unit }) => {
            plan_cmd::parse_target(&mut out, &text, unit.as_deref())
        }
        Command::Region(RegionCmd::List {
            parent,
            level,
            format,
        }) => plan_cmd::region_list(&mut out, parent.as_deref(), level.as_deref(), format),
        Command::Region(RegionCmd::Show { code }) => plan_cmd::region_show(&mut out, &code),
        Command::Evaluate {
            plan,
            data,
            year,
            kind,
            region,
            format,
        } => evaluate_cmd::run(
            &mut out,
            &evaluate_cmd::Args {
                plan: &plan,
                data: &data,
                year,
                kind: kind.as_deref(),
                region: region.as_deref(),
                format,
            },
        ),
    };
    let flushed = out.flush();
    match result.and_then(|code| flushed.map(|_| code).map_err(anyhow::Error::from)) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`minsheng plan show x | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            let mut err = io::stderr().lock();
            let _ = write!(err, "error: {e}");
            for cause in e.chain().skip(1) {
                let _ = write!(err, ": {cause}");
            }
            let _ = writeln!(err);
            ExitCode::from(2)
        }
    }
}
