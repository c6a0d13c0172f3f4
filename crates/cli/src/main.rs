//! `minsheng` — the command-line tool. Glue over the library crates: parse arguments, call, render, exit code.

mod data;
mod equalize_cmd;
mod evaluate_cmd;
mod output;
mod plan_cmd;
mod report_cmd;
mod synth_cmd;

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
        /// Tidy observations, CSV or XLSX (`indicator,region,year,value`, optional `series`, `source`,
        /// disaggregations; `file.xlsx#Sheet` picks a sheet). Repeat for several files. County data are rolled up.
        #[arg(long, required = true)]
        data: Vec<String>,
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
    /// 均等化 — one indicator (or `composite`, the composite attainment index) across the prefectures or counties
    /// of a region: mean, weighted mean, CV, Gini, Theil T (between/within parents), max/min, share meeting.
    Equalize {
        #[arg(long)]
        plan: String,
        /// Observations, CSV or XLSX; repeat for several files. County data are rolled up first.
        #[arg(long, required = true)]
        data: Vec<String>,
        /// An indicator code, or `composite`.
        #[arg(long)]
        indicator: String,
        /// The series of a paired indicator.
        #[arg(long)]
        series: Option<String>,
        #[arg(long)]
        year: i32,
        /// prefecture or county.
        #[arg(long)]
        level: String,
        /// The region whose units are compared (default: the plan's region).
        #[arg(long)]
        region: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// 合成数据 — SYNTHETIC county observations calibrated to the plan's provincial figures (for demos and tests).
    Synth {
        #[arg(long)]
        plan: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Years, e.g. `2020,2025` or `2020-2023` (default: the whole plan period).
        #[arg(long)]
        years: Option<String>,
        /// The province's resident population (default: the 2020 census figure).
        #[arg(long)]
        population: Option<f64>,
        /// Output CSV file (default: standard output).
        #[arg(long)]
        out: Option<String>,
    },
    /// 行政区划 — the shipped GB/T 2260 region table.
    #[command(subcommand)]
    Region(RegionCmd),
    /// 评估报告 — the evaluation as a self-contained HTML report (charts, warnings, method notes; prints on A4)
    /// and optionally an XLSX workbook with the same tables.
    Report {
        /// A shipped plan id or a plan TOML file.
        #[arg(long)]
        plan: String,
        /// Observations, CSV or XLSX, as for `evaluate`; repeat for several files.
        #[arg(long, required = true)]
        data: Vec<String>,
        #[arg(long)]
        year: i32,
        /// annual, midterm or final (default: final in or after the target year, else annual).
        #[arg(long)]
        kind: Option<String>,
        /// The region judged (default: the plan's region).
        #[arg(long)]
        region: Option<String>,
        /// The HTML file to write.
        #[arg(long)]
        out: String,
        /// Also write the tables as an XLSX workbook.
        #[arg(long)]
        xlsx: Option<String>,
    },
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
        Command::Equalize {
            plan,
            data,
            indicator,
            series,
            year,
            level,
            region,
            format,
        } => equalize_cmd::run(
            &mut out,
            &equalize_cmd::Args {
                plan: &plan,
                data: &data,
                indicator: &indicator,
                series: series.as_deref(),
                year,
                level: &level,
                region: region.as_deref(),
                format,
            },
        ),
        Command::Synth {
            plan,
            seed,
            years,
            population,
            out: file,
        } => synth_cmd::run(
            &mut out,
            &synth_cmd::Args {
                plan: &plan,
                seed,
                years: years.as_deref(),
                population,
                out: file.as_deref(),
            },
        ),
        Command::Report {
            plan,
            data,
            year,
            kind,
            region,
            out: html,
            xlsx,
        } => report_cmd::run(
            &mut out,
            &report_cmd::Args {
                plan: &plan,
                data: &data,
                year,
                kind: kind.as_deref(),
                region: region.as_deref(),
                out: &html,
                xlsx: xlsx.as_deref(),
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
