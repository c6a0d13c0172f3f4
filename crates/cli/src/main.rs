//! `minsheng` — the command-line tool. Glue over the library crates: parse arguments, call, render, exit code.

mod access_cmd;
mod coverage_cmd;
mod data;
mod entitle_cmd;
mod equalize_cmd;
mod evaluate_cmd;
mod output;
mod plan_cmd;
mod progress;
mod report_cmd;
mod site_cmd;
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
    /// 可达性 — accessibility: floating-catchment measures on a cost file.
    #[command(subcommand)]
    Access(AccessCmd),
    /// 选址 — where new facilities should go: LSCP, MCLP, p-median, p-center on a long cost file
    /// (`demand,site,cost`), exactly (MIP) or by a heuristic with a bound.
    #[command(subcommand)]
    Site(SiteCmd),
    /// 行政区划 — the shipped GB/T 2260 region table.
    #[command(subcommand)]
    Region(RegionCmd),
    /// 基本公共服务清单 — check, show and compare services catalogues (`catalogues/*.toml`).
    #[command(subcommand)]
    Catalogue(CatalogueCmd),
    /// 待遇匹配 — who is entitled to each catalogue item, who is missed (漏保) or wrongly served (错保).
    #[command(subcommand)]
    Entitle(EntitleCmd),
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

#[derive(Subcommand)]
enum AccessCmd {
    /// 服务圈覆盖 — who is within each service circle (15分钟生活圈 …) per population group and region, supply
    /// norms (千人指标) and population-threshold rules; on a road network (OSM PBF) or by straight line.
    Coverage {
        /// Population points: CSV (`id,lon,lat,<group columns>`, optional `region`) or GeoJSON points.
        #[arg(long)]
        points: String,
        /// Facilities: CSV (`id,type,lon,lat[,capacity][,region]`) or GeoJSON points; types from the circles file.
        #[arg(long)]
        facilities: String,
        /// Region polygons (GeoJSON) for per-region figures (default: the `region` columns, if any).
        #[arg(long)]
        regions: Option<String>,
        #[arg(long, default_value = "code")]
        region_code: String,
        #[arg(long, default_value = "name")]
        region_name: String,
        /// A road network (OSM PBF); walk circles use the walk profile, drive circles the drive profile.
        #[arg(long)]
        network: Option<String>,
        /// Service circles, norms and thresholds (default: the shipped data/norms/service-circles.toml).
        #[arg(long)]
        circles: Option<String>,
        /// Only these circles (repeat; default: every circle whose facility type and group are in the data).
        #[arg(long = "circle")]
        only: Vec<String>,
        /// Without a network: road distance over straight-line distance.
        #[arg(long, default_value_t = minsheng_access::network::DEFAULT_CIRCUITY)]
        circuity: f64,
        /// Without a network: walking speed, km/h.
        #[arg(long, default_value_t = 4.5)]
        walk_kmh: f64,
        /// Without a network: driving speed, km/h.
        #[arg(long, default_value_t = 30.0)]
        drive_kmh: f64,
        /// Coverage target (%) for circles whose seed gives none; regions below it are listed as underserved.
        #[arg(long)]
        target: Option<f64>,
        /// The administrative level of the regions (province, prefecture, county, township, street, community,
        /// village): the population-threshold rules of that level are checked per region.
        #[arg(long)]
        level: Option<String>,
        /// The year the data describe (needed for --observations).
        #[arg(long)]
        year: Option<i32>,
        /// Write the figures as tidy observations (`indicator,region,year,value,unit,source`).
        #[arg(long)]
        observations: Option<String>,
        /// Write the points with their cost and coverage per circle as GeoJSON.
        #[arg(long)]
        geojson: Option<String>,
        /// Write an HTML page with maps and downloadable tables.
        #[arg(long)]
        html: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// 供需比 — floating-catchment accessibility (FCA, 2SFCA, E2SFCA, 3SFCA), cumulative opportunities and
    /// nearest supply per demand location, with PySAL `access` semantics (costs from demand to supply).
    Fca {
        /// Long cost file from demand locations to supply sites.
        #[arg(long)]
        costs: String,
        #[arg(long, default_value = "demand")]
        demand_col: String,
        #[arg(long, default_value = "site")]
        site_col: String,
        #[arg(long, default_value = "cost")]
        cost_col: String,
        /// Demand file: id in the first column (or `--demand-id-col`), people in `--weight-col`.
        #[arg(long)]
        demand: String,
        /// The demand file's id column (default: its first column).
        #[arg(long)]
        demand_id_col: Option<String>,
        #[arg(long, default_value = "weight")]
        weight_col: String,
        /// Supply file: site id in the first column, supply (doctors, beds, places…) in `--supply-col`.
        #[arg(long)]
        supply: String,
        #[arg(long, default_value = "supply")]
        supply_col: String,
        /// For `--measure fca`: costs between demand locations (same column names as `--costs`).
        #[arg(long)]
        neighbors: Option<String>,
        /// Measures to compute (repeat for several columns).
        #[arg(long = "measure", value_enum, default_values_t = [access_cmd::Measure::TwoStage])]
        measures: Vec<access_cmd::Measure>,
        #[arg(long, value_enum, default_value_t = access_cmd::WeightKind::None)]
        weight: access_cmd::WeightKind,
        /// Gravity weight: scale.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Gravity weight: exponent (−1 for 1/cost).
        #[arg(long, default_value_t = -1.0, allow_hyphen_values = true)]
        alpha: f64,
        /// Gravity weight: costs below this count as this.
        #[arg(long, default_value_t = 0.0)]
        min_dist: f64,
        /// Gaussian weight: σ.
        #[arg(long)]
        sigma: Option<f64>,
        /// Step weight: `bound:weight,…` (a cost equal to a bound takes its weight).
        #[arg(long)]
        steps: Option<String>,
        /// Pairs costing more than this are out of reach (default: every listed pair counts).
        #[arg(long)]
        max_cost: Option<f64>,
        /// Divide by the demand-weighted mean (access' normalize=True).
        #[arg(long)]
        normalize: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// What every siting model reads.
#[derive(clap::Args)]
struct SiteInput {
    /// Long cost file: one row per reachable (demand, site) pair; pairs not listed are unreachable.
    #[arg(long)]
    costs: String,
    #[arg(long, default_value = "demand")]
    demand_col: String,
    #[arg(long, default_value = "site")]
    site_col: String,
    #[arg(long, default_value = "cost")]
    cost_col: String,
    /// Demand file: the demand id in the first column (or `--demand-id-col`) and a weight column (default: every
    /// weight 1).
    #[arg(long)]
    demand: Option<String>,
    /// The demand file's id column (default: its first column).
    #[arg(long)]
    demand_id_col: Option<String>,
    #[arg(long, default_value = "weight")]
    weight_col: String,
    /// Sites already open (现有设施), one id per line (first column; a header line is allowed). They stay open and
    /// `--p` counts the new sites added to them (补短板).
    #[arg(long)]
    existing: Option<String>,
    /// Site capacities (first column the site id, `--capacity-col` the capacity in demand weight); sites not
    /// listed have none. Makes the model capacitated.
    #[arg(long)]
    capacity: Option<String>,
    #[arg(long, default_value = "capacity")]
    capacity_col: String,
    /// Solve the mixed-integer program (proves optimality; slow on large instances).
    #[arg(long, conflicts_with = "heuristic")]
    exact: bool,
    /// Greedy and interchange with a valid bound (large instances). Default: heuristic, then the MIP when the
    /// instance is small and the heuristic is not proven optimal.
    #[arg(long)]
    heuristic: bool,
    /// Time limit of the MIP in seconds (the best solution so far is then reported as feasible).
    #[arg(long)]
    time_limit: Option<f64>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Subcommand)]
enum CatalogueCmd {
    /// Load and check catalogues (default: the shipped ones): attributes, rules, parameters, seed quotes.
    Check { files: Vec<String> },
    /// The items and parameters of a catalogue (a shipped id or a TOML file).
    Show {
        #[arg(default_value = minsheng_entitle::shipped::DEFAULT)]
        catalogue: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// What changed between two catalogues: items added, removed or withdrawn, attributes changed, standards
    /// raised or lowered.
    Diff {
        a: String,
        b: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// A person list of `entitle run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ListArg {
    /// entitled.csv: every entitled unit per item
    Entitled,
    /// missed.csv (漏保): entitled, not receiving
    Missed,
    /// wrong.csv (错保): receiving, not entitled
    Wrong,
    /// undetermined.csv (无法判定): a parameter has no value
    Undetermined,
}

#[derive(Clone, Copy, ValueEnum)]
enum OnErrorArg {
    /// Any bad row refuses the whole registry.
    Refuse,
    /// Bad rows go to quarantine.csv in --out with their reasons; the rest is used.
    Quarantine,
}

#[derive(Subcommand)]
enum EntitleCmd {
    /// Match a registry against a catalogue on a date; writes entitled, missed (漏保), wrong (错保), undetermined,
    /// coverage and observations files into --out.
    Run {
        /// A shipped catalogue id or a catalogue TOML file.
        #[arg(long, default_value = minsheng_entitle::shipped::DEFAULT)]
        catalogue: String,
        /// A registry directory (persons.csv or persons.parquet, and recipients.csv / parameters.csv when present) or a persons file (.csv or .parquet).
        #[arg(long)]
        registry: String,
        /// Who receives each item (`item,person_id`); default: recipients.csv in the registry directory.
        #[arg(long)]
        recipients: Option<String>,
        /// Parameter values (`param,region,from,value`); default: parameters.csv in the registry directory.
        #[arg(long)]
        params: Option<String>,
        /// The date of the evaluation (ages, parameters in force).
        #[arg(long)]
        date: String,
        #[arg(long)]
        out: String,
        #[arg(long, value_enum, default_value_t = OnErrorArg::Refuse)]
        on_error: OnErrorArg,
        /// Write citizen ids in full into the files (default: masked, 530102********1234).
        #[arg(long)]
        reveal_ids: bool,
        /// Which person lists to write (coverage.csv and observations.csv are always written); leaving out
        /// `entitled` saves most of the output at province scale, where it has a row per entitled person and item.
        #[arg(long, value_enum, value_delimiter = ',', default_values_t = [ListArg::Entitled, ListArg::Missed, ListArg::Wrong, ListArg::Undetermined])]
        lists: Vec<ListArg>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Every rule for one person: the values it read and the outcome.
    Explain {
        #[arg(long, default_value = minsheng_entitle::shipped::DEFAULT)]
        catalogue: String,
        #[arg(long)]
        registry: String,
        #[arg(long)]
        params: Option<String>,
        #[arg(long)]
        date: String,
        #[arg(long)]
        person: String,
        /// Only this item.
        #[arg(long)]
        item: Option<String>,
        #[arg(long)]
        reveal_ids: bool,
    },
    /// Run YAML test cases (OpenFisca-style); a directory stands for the .yaml files below it.
    Test {
        #[arg(required = true)]
        files: Vec<String>,
        /// The catalogue when a case names none (default: the directory name if shipped, else yunnan-14).
        #[arg(long)]
        catalogue: Option<String>,
    },
    /// Write a SYNTHETIC registry (persons, recipients with gaps, parameters) for demos and benches.
    Synth {
        #[arg(long, default_value = minsheng_entitle::shipped::DEFAULT)]
        catalogue: String,
        #[arg(long)]
        people: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The date the registry describes.
        #[arg(long, default_value = "2025-06-30")]
        date: String,
        #[arg(long)]
        out: String,
    },
}

#[derive(Subcommand)]
enum SiteCmd {
    /// 集合覆盖 — the fewest sites that cover every demand point within the radius.
    Lscp {
        #[command(flatten)]
        input: SiteInput,
        #[arg(long)]
        radius: f64,
    },
    /// 最大覆盖 — p new sites covering the most demand weight within the radius.
    Mclp {
        #[command(flatten)]
        input: SiteInput,
        #[arg(long)]
        radius: f64,
        #[arg(long)]
        p: usize,
    },
    /// p 中位 — p new sites minimising the weighted total cost to the nearest open site.
    Pmedian {
        #[command(flatten)]
        input: SiteInput,
        #[arg(long)]
        p: usize,
    },
    /// p 中心 — p new sites minimising the largest cost to the nearest open site.
    Pcenter {
        #[command(flatten)]
        input: SiteInput,
        #[arg(long)]
        p: usize,
    },
}

fn site(out: &mut dyn Write, cmd: SiteCmd) -> anyhow::Result<ExitCode> {
    use minsheng_access::site::{Method, Model};
    let (input, model) = match cmd {
        SiteCmd::Lscp { input, radius } => (input, Model::Lscp { radius }),
        SiteCmd::Mclp { input, radius, p } => (input, Model::Mclp { radius, p }),
        SiteCmd::Pmedian { input, p } => (input, Model::PMedian { p }),
        SiteCmd::Pcenter { input, p } => (input, Model::PCenter { p }),
    };
    let method = if input.exact {
        Method::Exact
    } else if input.heuristic {
        Method::Heuristic
    } else {
        Method::Auto
    };
    site_cmd::run(
        out,
        &site_cmd::Args {
            model,
            costs: &input.costs,
            columns: minsheng_access::input::CostColumns {
                demand: input.demand_col,
                site: input.site_col,
                cost: input.cost_col,
            },
            demand: input.demand.as_deref(),
            id_col: input.demand_id_col.as_deref(),
            weight_col: &input.weight_col,
            existing: input.existing.as_deref(),
            capacity: input.capacity.as_deref(),
            capacity_col: &input.capacity_col,
            method,
            time_limit: input.time_limit,
            json: input.format == Format::Json,
        },
    )
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
        Command::Site(cmd) => site(&mut out, cmd),
        Command::Catalogue(CatalogueCmd::Check { files }) => entitle_cmd::check(&mut out, &files),
        Command::Catalogue(CatalogueCmd::Show { catalogue, format }) => {
            entitle_cmd::show(&mut out, &catalogue, format)
        }
        Command::Catalogue(CatalogueCmd::Diff { a, b, format }) => {
            entitle_cmd::diff(&mut out, &a, &b, format)
        }
        Command::Entitle(EntitleCmd::Run {
            catalogue,
            registry,
            recipients,
            params,
            date,
            out: dir,
            on_error,
            reveal_ids,
            lists,
            format,
        }) => entitle_cmd::run_cmd(
            &mut out,
            &entitle_cmd::RunArgs {
                catalogue: &catalogue,
                registry: &registry,
                recipients: recipients.as_deref(),
                params: params.as_deref(),
                date: &date,
                out: &dir,
                on_error: match on_error {
                    OnErrorArg::Refuse => minsheng_entitle::registry::OnError::Refuse,
                    OnErrorArg::Quarantine => minsheng_entitle::registry::OnError::Quarantine,
                },
                reveal_ids,
                lists: minsheng_entitle::run::Lists {
                    entitled: lists.contains(&ListArg::Entitled),
                    missed: lists.contains(&ListArg::Missed),
                    wrong: lists.contains(&ListArg::Wrong),
                    undetermined: lists.contains(&ListArg::Undetermined),
                },
                format,
            },
        ),
        Command::Entitle(EntitleCmd::Explain {
            catalogue,
            registry,
            params,
            date,
            person,
            item,
            reveal_ids,
        }) => entitle_cmd::explain_cmd(
            &mut out,
            &entitle_cmd::Inputs {
                catalogue: &catalogue,
                registry: &registry,
                recipients: None,
                params: params.as_deref(),
                date: &date,
            },
            &person,
            item.as_deref(),
            reveal_ids,
        ),
        Command::Entitle(EntitleCmd::Test { files, catalogue }) => {
            entitle_cmd::test_cmd(&mut out, &files, catalogue.as_deref())
        }
        Command::Entitle(EntitleCmd::Synth {
            catalogue,
            people,
            seed,
            date,
            out: dir,
        }) => entitle_cmd::synth_cmd(&mut out, &catalogue, people, seed, &date, &dir),
        Command::Access(AccessCmd::Coverage {
            points,
            facilities,
            regions,
            region_code,
            region_name,
            network,
            circles,
            only,
            circuity,
            walk_kmh,
            drive_kmh,
            target,
            level,
            year,
            observations,
            geojson,
            html,
            format,
        }) => coverage_cmd::run(
            &mut out,
            &coverage_cmd::Args {
                points: &points,
                facilities: &facilities,
                regions: regions.as_deref(),
                region_code: &region_code,
                region_name: &region_name,
                network: network.as_deref(),
                circles: circles.as_deref(),
                only: &only,
                circuity,
                walk_kmh,
                drive_kmh,
                target,
                level: level.as_deref(),
                year,
                observations: observations.as_deref(),
                geojson: geojson.as_deref(),
                html: html.as_deref(),
                format,
            },
        ),
        Command::Access(AccessCmd::Fca {
            costs,
            demand_col,
            site_col,
            cost_col,
            demand,
            demand_id_col,
            weight_col,
            supply,
            supply_col,
            neighbors,
            measures,
            weight,
            scale,
            alpha,
            min_dist,
            sigma,
            steps,
            max_cost,
            normalize,
            format,
        }) => access_cmd::fca(
            &mut out,
            &access_cmd::FcaArgs {
                costs: &costs,
                columns: minsheng_access::input::CostColumns {
                    demand: demand_col,
                    site: site_col,
                    cost: cost_col,
                },
                demand: &demand,
                id_col: demand_id_col.as_deref(),
                weight_col: &weight_col,
                supply: &supply,
                supply_col: &supply_col,
                neighbors: neighbors.as_deref(),
                measures: &measures,
                weight,
                scale,
                alpha,
                min_dist,
                sigma,
                steps: steps.as_deref(),
                max_cost,
                normalize,
                format,
            },
        ),
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
