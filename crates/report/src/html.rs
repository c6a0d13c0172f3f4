//! The report as one self-contained HTML page: Chinese by default, English through a toggle (every label is
//! written in both languages, `<html class="en">` shows the English ones), printable on A4.
//!
//! The page is also well-formed XML (every element closed, every text escaped), which the tests check.

use std::fmt::{self, Write};

use minsheng_core::plan::Attribute;
use minsheng_core::region::RegionCode;
use minsheng_monitor::equalize::Equalization;
use minsheng_monitor::progress::{Status, Warning};

use crate::model::{self, Counts, Row, comparison_sign, region_name, region_name_str};
use crate::svg::{self, MapPoint};
use crate::text::{
    STATUSES, SYNTHETIC_EN, SYNTHETIC_NOTE_EN, SYNTHETIC_NOTE_ZH, SYNTHETIC_ZH, attribute_en, bi,
    css_string, domain_en, esc, fixed, kind_en, level_en, level_zh, num, pct, status_color,
    status_en, warning_color, warning_en, warning_zh, zh_numeral,
};
use crate::{CompositeSection, EqualizationSection, Input};

const STYLE: &str = include_str!("report.css");

/// A tiny script: the language toggle (also honours `#en` / `#zh` in the address).
const SCRIPT: &str = "(function(){var d=document.documentElement;\
function set(en){d.classList.toggle('en',en);d.setAttribute('lang',en?'en':'zh-CN');}\
set(location.hash==='#en');\
window.addEventListener('hashchange',function(){set(location.hash==='#en');});\
var b=document.getElementById('lang-toggle');\
if(b){b.addEventListener('click',function(){var en=!d.classList.contains('en');set(en);\
history.replaceState(null,'',en?'#en':'#zh');});}})();";

pub fn render(input: &Input<'_>) -> String {
    let mut s = String::with_capacity(256 * 1024);
    // Writing into a String cannot fail.
    let _ = Doc::new(input).write(&mut s);
    s
}

struct Doc<'i, 'a> {
    input: &'i Input<'a>,
    rows: Vec<Row<'a>>,
    section: usize,
}

/// A paragraph in both languages; the arguments are HTML (escaped by the caller).
fn para(class: &str, zh: &str, en: &str) -> String {
    format!(
        "<p class=\"{class} zh\" lang=\"zh-CN\">{zh}</p><p class=\"{class} en\" lang=\"en\">{en}</p>"
    )
}

/// A status lamp and label.
fn status_cell(s: Status) -> String {
    format!(
        "<span class=\"status\"><i class=\"lamp\" style=\"background:{}\"></i>{}</span>",
        status_color(s),
        bi(s.zh(), status_en(s))
    )
}

fn warning_cell(w: Option<Warning>) -> String {
    match w {
        Some(w) => format!(
            "<span class=\"status\"><i class=\"lamp\" style=\"background:{}\"></i>{}</span>",
            warning_color(w),
            bi(warning_zh(w), warning_en(w))
        ),
        None => String::new(),
    }
}

fn synthetic_tag() -> String {
    format!(
        "<span class=\"syn-tag\">{}</span>",
        bi("合成数据", "SYNTHETIC")
    )
}

impl<'i, 'a> Doc<'i, 'a> {
    fn new(input: &'i Input<'a>) -> Doc<'i, 'a> {
        Doc {
            input,
            rows: model::rows(input),
            section: 0,
        }
    }

    fn region_name(&self, code: RegionCode) -> String {
        region_name(self.input.regions, code)
    }

    /// A numbered section heading `一、总体情况` / `1. Summary`.
    fn heading(&mut self, s: &mut String, id: &str, zh: &str, en: &str) -> fmt::Result {
        self.section += 1;
        write!(
            s,
            "<h2 id=\"h-{id}\">{}</h2>",
            bi(
                &format!("{}、{zh}", zh_numeral(self.section)),
                &format!("{}. {en}", self.section)
            )
        )
    }

    fn write(mut self, s: &mut String) -> fmt::Result {
        let input = self.input;
        let plan = input.plan;
        let title = format!("{} — {} {}", plan.name, input.kind.zh(), input.year);
        s.write_str("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"/>")?;
        s.write_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")?;
        write!(
            s,
            "<meta name=\"generator\" content=\"{}\"/><title>{}</title><style>",
            esc(&input.generated_by),
            esc(&title)
        )?;
        s.write_str(STYLE)?;
        // Page-margin boxes: the running head, page numbers and, for synthetic data, the notice on every page.
        write!(
            s,
            "@page{{@top-left{{content:{};}}@bottom-right{{content:counter(page) \" / \" counter(pages);}}",
            css_string(&format!(
                "{} · {} {}",
                plan.name,
                input.kind.zh(),
                input.year
            ))
        )?;
        if input.synthetic {
            write!(
                s,
                "@top-right{{content:{};color:#b71c1c;font-weight:700;}}",
                css_string(&format!("{SYNTHETIC_ZH} / {SYNTHETIC_EN}"))
            )?;
        }
        s.write_str("}</style></head>")?;
        s.write_str(if input.synthetic {
            "<body class=\"has-banner\">"
        } else {
            "<body>"
        })?;
        s.write_str("<div class=\"toolbar\"><button type=\"button\" id=\"lang-toggle\">")?;
        // Shows the other language's name.
        s.write_str(&bi("English", "中文"))?;
        s.write_str("</button></div>")?;
        if input.synthetic {
            write!(
                s,
                "<div class=\"synthetic-banner\" role=\"alert\">{}</div>",
                bi(
                    &format!("{SYNTHETIC_ZH}：{SYNTHETIC_NOTE_ZH}"),
                    &format!("{SYNTHETIC_EN}: {SYNTHETIC_NOTE_EN}")
                )
            )?;
        }
        s.write_str("<div class=\"page\">")?;
        self.header(s)?;
        self.summary(s)?;
        self.warnings(s)?;
        self.table(s)?;
        self.charts(s)?;
        if !input.equalization.is_empty() {
            self.equalization(s)?;
        }
        if let Some(c) = input.composite {
            self.composite(s, c)?;
        }
        self.methods(s)?;
        self.sources(s)?;
        write!(
            s,
            "<footer class=\"doc-foot\">{}</footer>",
            bi(
                &format!(
                    "本报告由 {} 根据规划文本与监测数据自动生成；指标原文与数值以所引来源为准。",
                    input.generated_by
                ),
                &format!(
                    "Generated by {} from the plan text and the monitoring data; the cited sources prevail.",
                    input.generated_by
                )
            )
        )?;
        s.write_str("</div><script>")?;
        s.write_str(SCRIPT)?;
        s.write_str("</script></body></html>\n")
    }

    fn header(&mut self, s: &mut String) -> fmt::Result {
        let input = self.input;
        let plan = input.plan;
        let region = self.region_name(input.region);
        s.write_str("<header class=\"doc-head\">")?;
        write!(
            s,
            "<div class=\"doc-kind\">{}</div>",
            bi(
                &format!("{} · {}年", input.kind.zh(), input.year),
                &format!("{} · {}", kind_en(input.kind), input.year)
            )
        )?;
        write!(
            s,
            "<h1>{}</h1><p class=\"subtitle\">{}</p><div class=\"redline\"></div>",
            bi(&plan.name, &plan.name_en),
            bi(&plan.name_en, &plan.name)
        )?;
        s.write_str("<dl class=\"meta\">")?;
        let meta: [(&str, &str, String, String); 6] = [
            (
                "评估地区",
                "Region",
                format!("{region}（{}）", input.region),
                format!("{region} ({})", input.region),
            ),
            (
                "评估类型",
                "Kind",
                input.kind.zh().to_string(),
                kind_en(input.kind).to_string(),
            ),
            (
                "评估年度",
                "Year",
                format!("{}年", input.year),
                input.year.to_string(),
            ),
            (
                "规划期",
                "Plan period",
                format!(
                    "{}—{}年（基期{}年，目标年{}年）",
                    plan.base_year, plan.target_year, plan.base_year, plan.target_year
                ),
                format!(
                    "{}–{} (base year {}, target year {})",
                    plan.base_year, plan.target_year, plan.base_year, plan.target_year
                ),
            ),
            (
                "数据文件",
                "Data file",
                input.data_label.clone(),
                input.data_label.clone(),
            ),
            (
                "规划编号 · 生成",
                "Plan id · generated by",
                format!("{} · {}", plan.id, input.generated_by),
                format!("{} · {}", plan.id, input.generated_by),
            ),
        ];
        for (kz, ke, vz, ve) in meta {
            write!(
                s,
                "<div><dt>{}</dt><dd>{}</dd></div>",
                bi(kz, ke),
                bi(&vz, &ve)
            )?;
        }
        s.write_str("</dl></header>")
    }

    fn summary(&mut self, s: &mut String) -> fmt::Result {
        let (domains, all) = model::counts(&self.rows);
        s.write_str("<section id=\"summary\">")?;
        self.heading(s, "summary", "总体情况", "Summary")?;
        // Tiles.
        let n = all.total();
        let share = |k: usize| {
            if n > 0 {
                pct(k as f64 / n as f64)
            } else {
                "—".into()
            }
        };
        s.write_str("<div class=\"tiles\">")?;
        let lagging = all.of(Status::Lagging) + all.of(Status::SeriouslyLagging);
        let tiles: [(String, String, String, String, &str); 6] = [
            (
                "评估指标".into(),
                "Indicators".into(),
                n.to_string(),
                String::new(),
                "#37474f",
            ),
            (
                "已完成".into(),
                "Achieved".into(),
                all.of(Status::Achieved).to_string(),
                share(all.of(Status::Achieved)),
                status_color(Status::Achieved),
            ),
            (
                "符合序时进度".into(),
                "On track".into(),
                all.of(Status::OnTrack).to_string(),
                share(all.of(Status::OnTrack)),
                status_color(Status::OnTrack),
            ),
            (
                "滞后及严重滞后".into(),
                "Lagging, incl. serious".into(),
                lagging.to_string(),
                share(lagging),
                status_color(Status::SeriouslyLagging),
            ),
            (
                "倒退".into(),
                "Regressing".into(),
                all.of(Status::Regressing).to_string(),
                share(all.of(Status::Regressing)),
                status_color(Status::Regressing),
            ),
            (
                "无法评估".into(),
                "Not assessable".into(),
                all.of(Status::NotAssessable).to_string(),
                share(all.of(Status::NotAssessable)),
                status_color(Status::NotAssessable),
            ),
        ];
        for (zh, en, big, small, color) in tiles {
            write!(
                s,
                "<div class=\"tile\" style=\"border-top-color:{color}\"><div class=\"tile-k\">{}</div><div class=\"tile-v\">{}<small>{}</small></div></div>",
                bi(&zh, &en),
                esc(&big),
                esc(&small)
            )?;
        }
        write!(
            s,
            "<div class=\"tile\" style=\"border-top-color:#c62828\"><div class=\"tile-k\">{}</div><div class=\"tile-v\"><span class=\"w-red\">{}</span><small>{}</small> <span class=\"w-yellow\">{}</span><small>{}</small></div></div>",
            bi("预警", "Warnings"),
            all.red,
            bi("红", "red"),
            all.yellow,
            bi("黄", "yellow"),
        )?;
        s.write_str("</div>")?;
        // Findings in one sentence.
        let mut zh_parts = Vec::new();
        let mut en_parts = Vec::new();
        for st in STATUSES {
            let k = all.of(st);
            if k > 0 {
                zh_parts.push(format!("{}{k}项", st.zh()));
                en_parts.push(format!("{k} {}", status_en(st)));
            }
        }
        let input = self.input;
        let region = self.region_name(input.region);
        let zh = format!(
            "{region}{}年{}共评估{n}项指标（成对指标按分项计）：{}；红色预警{}项，黄色预警{}项。",
            input.year,
            input.kind.zh(),
            zh_parts.join("，"),
            all.red,
            all.yellow
        );
        let en = format!(
            "{} {} of {region}: {n} indicators assessed (series of paired indicators counted separately): {}; {} red and {} yellow warnings.",
            kind_en(input.kind),
            input.year,
            en_parts.join(", "),
            all.red,
            all.yellow
        );
        s.write_str(&para("lead", &esc(&zh), &esc(&en)))?;
        // By domain.
        write!(
            s,
            "<h3>{}</h3><table class=\"data domains\"><thead><tr><th>{}</th><th class=\"n\">{}</th>",
            bi("按领域（九大领域）", "By domain (the nine domains)"),
            bi("领域", "Domain"),
            bi("指标", "Indicators")
        )?;
        for st in STATUSES {
            write!(
                s,
                "<th class=\"n\"><i class=\"lamp\" style=\"background:{}\"></i>{}</th>",
                status_color(st),
                bi(short_zh(st), short_en(st))
            )?;
        }
        write!(
            s,
            "<th class=\"n\">{}</th><th class=\"n\">{}</th><th>{}</th></tr></thead><tbody>",
            bi("红色预警", "Red"),
            bi("黄色预警", "Yellow"),
            bi("分布", "Distribution")
        )?;
        for (d, c) in &domains {
            let empty = c.total() == 0;
            write!(
                s,
                "<tr{}><td>{}</td>",
                if empty { " class=\"muted\"" } else { "" },
                bi(d.zh(), domain_en(*d))
            )?;
            if empty {
                write!(
                    s,
                    "<td class=\"n\">0</td><td colspan=\"9\" class=\"none\">{}</td></tr>",
                    bi("本规划未设该领域指标", "no indicators in this plan")
                )?;
                continue;
            }
            write_counts(s, c, &format!("domain-{}", d.as_str()))?;
            s.write_str("</tr>")?;
        }
        write!(
            s,
            "</tbody><tfoot><tr class=\"total\"><td>{}</td>",
            bi("合计", "Total")
        )?;
        write_counts(s, &all, "all")?;
        s.write_str("</tr></tfoot></table></section>")
    }

    fn warnings(&mut self, s: &mut String) -> fmt::Result {
        s.write_str("<section id=\"warnings\">")?;
        self.heading(s, "warnings", "预警指标", "Warnings")?;
        let warned = model::warnings(&self.rows);
        if warned.is_empty() {
            s.write_str(&para(
                "lead",
                "本期无预警指标。",
                "No indicator raises a warning in this evaluation.",
            ))?;
            return s.write_str("</section>");
        }
        write!(
            s,
            "<table class=\"data warnings\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            bi("预警", "Warning"),
            bi("代码", "Code"),
            bi("指标", "Indicator"),
            bi("属性", "Attribute"),
            bi("目标值", "Target"),
            bi("实际值", "Value"),
            bi("完成度", "Completion"),
            bi("状态", "Status"),
            bi("原因", "Reason"),
        )?;
        for r in warned {
            write!(
                s,
                "<tr class=\"row-{}\"><td>{}</td><td class=\"code\">{}</td><td class=\"name\">{}</td><td class=\"attr\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"reason\">{}</td></tr>",
                r.warning().map(|w| w.as_str()).unwrap_or(""),
                warning_cell(r.warning()),
                esc(&r.key()),
                name_cell(r),
                attribute(r.rec.attribute),
                esc(&r.rec.target_raw),
                r.rec.value.map(num).unwrap_or_else(|| "—".into()),
                r.rec
                    .judgement
                    .completion
                    .map(pct)
                    .unwrap_or_else(|| "—".into()),
                status_cell(r.status()),
                bi(&r.rec.judgement.reason_zh, &r.rec.judgement.reason_en),
            )?;
        }
        s.write_str("</tbody></table></section>")
    }

    fn table(&mut self, s: &mut String) -> fmt::Result {
        s.write_str("<section id=\"indicators\" class=\"major wide-page\">")?;
        self.heading(s, "indicators", "指标监测表", "Indicator table")?;
        let input = self.input;
        s.write_str(&para(
            "note",
            &esc(&format!(
                "按序时进度法评估（评估年{}，基期{}年，目标年{}年）。方括号内为规划期累计数；完成度为已完成的规划变化量占比；预测为按最小二乘线性外推至目标年的数值。",
                input.year, input.plan.base_year, input.plan.target_year
            )),
            &esc(&format!(
                "Judged by the time-share method (evaluation year {}, base year {}, target year {}). Bracketed targets are sums over the plan period; completion is the share of the planned change achieved; projection is the least-squares linear extrapolation to the target year.",
                input.year, input.plan.base_year, input.plan.target_year
            )),
        ))?;
        let heads: [(&str, &str, bool); 13] = [
            ("代码", "Code", false),
            ("指标", "Indicator", false),
            ("单位", "Unit", false),
            ("属性", "Attribute", false),
            ("基期值", "Baseline", true),
            ("目标值", "Target", true),
            ("实际值", "Value", true),
            ("序时进度", "Time share", true),
            ("完成度", "Completion", true),
            ("状态", "Status", false),
            ("预警", "Warning", false),
            ("预测", "Projection", true),
            ("说明", "Reason", false),
        ];
        // Fixed layout: the columns keep their widths in both languages and on paper.
        s.write_str("<table class=\"data lights\"><colgroup>")?;
        for w in [
            6.5, 16.0, 4.5, 6.5, 5.5, 9.0, 5.5, 5.5, 6.5, 9.0, 8.0, 6.5, 11.0,
        ] {
            write!(s, "<col style=\"width:{w}%\"/>")?;
        }
        s.write_str("</colgroup><thead><tr>")?;
        for (zh, en, numeric) in heads {
            write!(
                s,
                "<th{}>{}</th>",
                if numeric { " class=\"n\"" } else { "" },
                bi(zh, en)
            )?;
        }
        s.write_str("</tr></thead><tbody>")?;
        let mut category = None;
        for r in &self.rows {
            if category != Some(r.category) {
                category = Some(r.category);
                let domain = r.domain.map(|d| (d.zh(), domain_en(d))).unwrap_or(("", ""));
                write!(
                    s,
                    "<tr class=\"group\"><td colspan=\"13\">{}</td></tr>",
                    bi(
                        &format!("{}（{}）", r.category, domain.0),
                        &format!("{} ({})", r.category, domain.1)
                    )
                )?;
            }
            let j = &r.rec.judgement;
            let target = match r.rec.reference {
                Some((y, v)) => format!(
                    "{}<br/><small>{}</small>",
                    esc(&r.rec.target_raw),
                    bi(
                        &format!("参照值 {}（{y}年）", num(v)),
                        &format!("reference {} ({y})", num(v))
                    )
                ),
                None => esc(&r.rec.target_raw),
            };
            let cagr = match r.rec.projected_cagr {
                Some(c) => format!("<br/><small>CAGR {}</small>", num(c)),
                None => String::new(),
            };
            let projection = match r.rec.projected {
                Some(p) => format!(
                    "{}<small class=\"yr\">{}</small>{cagr}{}",
                    num(p),
                    input.plan.target_year,
                    if r.rec.will_miss == Some(true) {
                        format!(
                            "<br/><span class=\"miss\">{}</span>",
                            bi("预计未达标", "will miss")
                        )
                    } else {
                        String::new()
                    }
                ),
                None if !cagr.is_empty() => cagr,
                None => "—".into(),
            };
            let completion = match j.completion {
                Some(c) if c < 0.0 => format!("<span class=\"neg\">{}</span>", pct(c)),
                Some(c) => pct(c),
                None => "—".into(),
            };
            write!(
                s,
                "<tr class=\"rec{}\" data-status=\"{}\"><td class=\"code\">{}</td><td class=\"name\">{}</td><td class=\"unit\">{}</td><td class=\"attr\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"reason\">{}</td></tr>",
                match r.warning() {
                    Some(Warning::Red) => " row-red",
                    Some(Warning::Yellow) => " row-yellow",
                    None => "",
                },
                r.status().as_str(),
                esc(&r.rec.code),
                name_cell(r),
                esc(r.unit),
                attribute(r.rec.attribute),
                if r.baseline_text.is_empty() {
                    "—".to_string()
                } else {
                    esc(&r.baseline_text)
                },
                target,
                r.rec.value.map(num).unwrap_or_else(|| "—".into()),
                if r.cumulative && r.rec.value.is_some() {
                    format!("<br/><small>{}</small>", bi("累计", "sum"))
                } else {
                    String::new()
                },
                pct(j.time_share),
                completion,
                status_cell(r.status()),
                warning_cell(r.warning()),
                projection,
                bi(&j.reason_zh, &j.reason_en),
            )?;
        }
        s.write_str("</tbody></table></section>")
    }

    fn charts(&mut self, s: &mut String) -> fmt::Result {
        s.write_str("<section id=\"charts\" class=\"major\">")?;
        self.heading(s, "charts", "指标走势图", "Indicator charts")?;
        let input = self.input;
        let plan = input.plan;
        s.write_str("<div class=\"legend\">")?;
        for (sym, zh, en) in [
            ("baseline", "基期值", "baseline"),
            (
                "observed",
                "实际值（末点颜色为状态）",
                "observed (last point coloured by status)",
            ),
            ("target", "目标值", "target"),
            (
                "projection",
                "线性预测至目标年",
                "linear projection to the target year",
            ),
            ("year", "评估年", "evaluation year"),
        ] {
            write!(
                s,
                "<span class=\"leg\">{}{}</span>",
                svg::legend_symbol(sym),
                bi(zh, en)
            )?;
        }
        s.write_str("</div><div class=\"charts\">")?;
        for r in &self.rows {
            let target_label = match (r.target, r.comparison) {
                (Some(t), Some(c)) => format!("{}{}", comparison_sign(c), num(t)),
                (Some(t), None) => num(t),
                _ => String::new(),
            };
            let title = format!(
                "{} {}{}",
                r.key(),
                r.rec.name,
                if r.unit.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", r.unit)
                }
            );
            let chart = svg::chart(&svg::Chart {
                base_year: plan.base_year,
                target_year: plan.target_year,
                year: input.year,
                baseline: r.baseline,
                points: &r.points,
                target: r.target,
                target_label,
                projected: r.rec.projected,
                status: r.status(),
                title: &title,
            });
            let series = r
                .rec
                .series
                .as_ref()
                .map(|x| format!("（{x}）"))
                .unwrap_or_default();
            let series_en = r
                .rec
                .series
                .as_ref()
                .map(|x| format!(" ({x})"))
                .unwrap_or_default();
            write!(
                s,
                "<figure class=\"card\" id=\"chart-{}\"><figcaption><span class=\"t\"><span class=\"code\">{}</span> {}<span class=\"unit\">{}</span></span><span class=\"pill\" style=\"background:{}\">{}</span></figcaption>{chart}",
                esc(&r.key()),
                esc(&r.key()),
                bi(
                    &format!("{}{series}", r.rec.name),
                    &format!(
                        "{}{series_en}",
                        if r.name_en.is_empty() {
                            &r.rec.name
                        } else {
                            r.name_en
                        }
                    )
                ),
                esc(r.unit),
                status_color(r.status()),
                bi(r.status().zh(), status_en(r.status())),
            )?;
            // Caption: the figures behind the chart.
            let mut zh = Vec::new();
            let mut en = Vec::new();
            if r.cumulative {
                zh.push(format!("{}年起累计", plan.base_year + 1));
                en.push(format!("running sum from {}", plan.base_year + 1));
            } else if let Some(b) = r.baseline {
                zh.push(format!("基期 {}：{}", plan.base_year, num(b)));
                en.push(format!("baseline {}: {}", plan.base_year, num(b)));
            }
            if let Some((y, v)) = r.points.last() {
                zh.push(format!("{y}年：{}", num(*v)));
                en.push(format!("{y}: {}", num(*v)));
            }
            zh.push(format!("目标：{}", r.rec.target_raw));
            en.push(format!("target: {}", r.rec.target_raw));
            if let Some((y, v)) = r.rec.reference {
                zh.push(format!("参照 {}（{y}）", num(v)));
                en.push(format!("reference {} ({y})", num(v)));
            }
            write!(
                s,
                "<p class=\"cap\">{}</p></figure>",
                bi(&zh.join(" · "), &en.join(" · "))
            )?;
        }
        s.write_str("</div></section>")
    }

    fn equalization(&mut self, s: &mut String) -> fmt::Result {
        s.write_str("<section id=\"equalization\" class=\"major\">")?;
        self.heading(
            s,
            "equalization",
            "基本公共服务均等化",
            "Equalization across regions",
        )?;
        s.write_str(&para(
            "lead",
            "下表比较各指标在下级地区之间的差异：差异系数、基尼系数和泰尔指数越小，地区间越均衡；极值比为最高值与最低值之比；达标率为达到标准的地区所占比例。",
            "The tables compare each indicator across the regions below: the smaller the coefficient of variation, the Gini coefficient and the Theil index, the more even the provision; the max/min ratio compares the highest with the lowest region; the share meeting the standard counts the regions that reach it.",
        ))?;
        for (i, e) in self.input.equalization.iter().enumerate() {
            self.equalization_block(s, i, e)?;
        }
        s.write_str("</section>")
    }

    fn equalization_block(&self, s: &mut String, i: usize, e: &EqualizationSection) -> fmt::Result {
        let name_en = self
            .input
            .plan
            .indicator(&e.code)
            .map(|i| i.name_en.as_str())
            .filter(|n| !n.is_empty())
            .unwrap_or(&e.name);
        let (unit_zh, unit_en) = if e.unit.is_empty() {
            (String::new(), String::new())
        } else {
            (format!("（{}）", e.unit), format!(" ({})", e.unit))
        };
        write!(
            s,
            "<div class=\"block\" id=\"eq-{}\"><h3><span class=\"code\">{}</span> {}</h3><p class=\"sub\">{}</p>",
            i + 1,
            esc(&e.code),
            bi(
                &format!("{}{unit_zh}", e.name),
                &format!("{name_en}{unit_en}")
            ),
            bi(
                &format!("{}年 · {}{}个地区", e.year, level_zh(e.level), e.stats.n),
                &format!("{} · {} {}", e.year, e.stats.n, level_en(e.level))
            ),
        )?;
        if e.synthetic {
            s.write_str(&synthetic_tag())?;
        }
        s.write_str("<div class=\"eq-grid\"><div>")?;
        self.stats_table(s, &e.stats, &e.unit, e.target)?;
        s.write_str("</div>")?;
        self.map(s, &format!("eq{}", i + 1), &e.values, &e.unit)?;
        s.write_str("</div>")?;
        if !e.stats.groups.is_empty() {
            write!(
                s,
                "<h4>{}</h4><table class=\"data compact\"><thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
                bi("泰尔指数分组", "Theil index by group"),
                bi("组", "Group"),
                bi("地区数", "Regions"),
                bi("加权均值", "Weighted mean"),
                bi("占加权总量", "Share of total"),
                bi("组内泰尔指数", "Theil T within"),
            )?;
            for g in &e.stats.groups {
                write!(
                    s,
                    "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                    esc(&region_name_str(self.input.regions, &g.id)),
                    g.n,
                    num(g.weighted_mean),
                    pct(g.share),
                    fixed(g.theil_t, 4)
                )?;
            }
            s.write_str("</tbody></table>")?;
        }
        self.values_list(s, &e.values, &e.unit)?;
        s.write_str("</div>")
    }

    /// The statistics of one equalization as a two-column table.
    fn stats_table(
        &self,
        s: &mut String,
        st: &Equalization,
        unit: &str,
        target: Option<f64>,
    ) -> fmt::Result {
        let regions = self.input.regions;
        let u = |v: f64| with_unit(v, unit);
        let theil_part = |p: Option<f64>| match p {
            Some(p) if st.theil_t > 0.0 => {
                format!("{} ({})", fixed(p, 4), pct(p / st.theil_t))
            }
            Some(p) => fixed(p, 4),
            None => "—".into(),
        };
        let max_name = region_name_str(regions, &st.max_id);
        let min_name = region_name_str(regions, &st.min_id);
        let mut rows: Vec<(&str, &str, String)> = vec![
            ("地区数", "Regions", st.n.to_string()),
            ("均值", "Mean", u(st.mean)),
            (
                "人口加权均值",
                "Population-weighted mean",
                u(st.weighted_mean),
            ),
            ("标准差", "Standard deviation", u(st.sd)),
            ("差异系数", "Coefficient of variation", fixed(st.cv, 4)),
            (
                "加权差异系数",
                "Weighted CV (Williamson)",
                fixed(st.weighted_cv, 4),
            ),
            ("基尼系数", "Gini coefficient", fixed(st.gini, 4)),
            (
                "人口加权基尼系数",
                "Weighted Gini",
                fixed(st.weighted_gini, 4),
            ),
            ("泰尔指数 T", "Theil index T", fixed(st.theil_t, 4)),
        ];
        if st.theil_between.is_some() || st.theil_within.is_some() {
            rows.push((
                "　其中：组间",
                "  between groups",
                theil_part(st.theil_between),
            ));
            rows.push((
                "　　　　组内",
                "  within groups",
                theil_part(st.theil_within),
            ));
        }
        rows.extend([
            ("最高值", "Maximum", format!("{} — {max_name}", u(st.max))),
            ("最低值", "Minimum", format!("{} — {min_name}", u(st.min))),
            (
                "极值比（最高/最低）",
                "Max/min ratio",
                st.max_min_ratio
                    .map(|r| fixed(r, 2))
                    .unwrap_or_else(|| "—".into()),
            ),
            (
                "达标率",
                "Share meeting the standard",
                match (st.share_meeting, target) {
                    (Some(sh), Some(t)) => format!("{} (≥ {})", pct(sh), u(t)),
                    (Some(sh), None) => pct(sh),
                    _ => "—".into(),
                },
            ),
        ]);
        write!(
            s,
            "<table class=\"data stats\"><thead><tr><th>{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
            bi("统计量", "Measure"),
            bi("数值", "Value")
        )?;
        for (zh, en, v) in rows {
            write!(
                s,
                "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
                bi(zh, en),
                esc(&v)
            )?;
        }
        s.write_str("</tbody></table>")
    }

    fn map(
        &self,
        s: &mut String,
        id: &str,
        values: &[(RegionCode, f64)],
        unit: &str,
    ) -> fmt::Result {
        let mut points = Vec::new();
        let mut missing = 0;
        for (code, v) in values {
            match self
                .input
                .regions
                .get(*code)
                .and_then(|r| r.point.map(|p| (r, p)))
            {
                Some((r, (lon, lat))) => points.push(MapPoint {
                    name: r.name.clone(),
                    code: code.to_string(),
                    lon,
                    lat,
                    value: *v,
                }),
                None => missing += 1,
            }
        }
        write!(
            s,
            "<figure class=\"mapfig\">{}<figcaption class=\"fine\">{}</figcaption></figure>",
            svg::dot_map(id, &points, unit),
            bi(
                &format!(
                    "圆点为各地区代表点位（GCJ-02 坐标，非行政边界），等距圆柱投影，经度按 cos(纬度) 校正；鼠标悬停显示地区名称与数值。{}",
                    if missing > 0 {
                        format!("另有{missing}个地区无坐标，未在图中显示。")
                    } else {
                        String::new()
                    }
                ),
                &format!(
                    "Dots are representative points of the regions (GCJ-02 coordinates, not boundaries), equirectangular projection with longitudes scaled by cos(latitude); hover for names and values.{}",
                    if missing > 0 {
                        format!(" {missing} regions without coordinates are not shown.")
                    } else {
                        String::new()
                    }
                )
            )
        )
    }

    /// Region values ranked from the highest, in columns.
    fn values_list(&self, s: &mut String, values: &[(RegionCode, f64)], unit: &str) -> fmt::Result {
        let ranked = model::ranked(self.input.regions, values);
        write!(
            s,
            "<h4>{}</h4><ol class=\"ranking\">",
            bi(
                &format!(
                    "各地区数值（由高到低{}）",
                    if unit.is_empty() {
                        String::new()
                    } else {
                        format!("，单位：{unit}")
                    }
                ),
                &format!(
                    "Values by region (highest first{})",
                    if unit.is_empty() {
                        String::new()
                    } else {
                        format!(", {unit}")
                    }
                )
            )
        )?;
        for (code, name, v) in ranked {
            write!(
                s,
                "<li><span class=\"rn\" title=\"{code}\">{}</span><span class=\"rv\">{}</span></li>",
                esc(&name),
                num(v)
            )?;
        }
        s.write_str("</ol>")
    }

    fn composite(&mut self, s: &mut String, c: &CompositeSection) -> fmt::Result {
        s.write_str("<section id=\"composite\" class=\"major\">")?;
        self.heading(s, "composite", "综合指数", "Composite index")?;
        write!(
            s,
            "<p class=\"sub\">{}</p>",
            bi(
                &format!(
                    "{}年 · {}{}个地区 · 0—100分",
                    c.year,
                    level_zh(c.level),
                    c.scores.len()
                ),
                &format!(
                    "{} · {} {} · scores 0–100",
                    c.year,
                    c.scores.len(),
                    level_en(c.level)
                )
            )
        )?;
        if c.synthetic {
            s.write_str(&synthetic_tag())?;
        }
        let total: f64 = c.weights.iter().map(|w| w.2).sum();
        write!(
            s,
            "<div class=\"eq-grid\"><div><h4>{}</h4><table class=\"data compact\"><thead><tr><th>{}</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
            bi("权重", "Weights"),
            bi("代码", "Code"),
            bi("指标", "Indicator"),
            bi("权重", "Weight"),
            bi("占比", "Share"),
        )?;
        for (code, name, w) in &c.weights {
            write!(
                s,
                "<tr><td class=\"code\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(code),
                esc(name),
                num(*w),
                if total > 0.0 {
                    pct(w / total)
                } else {
                    "—".into()
                }
            )?;
        }
        s.write_str("</tbody></table>")?;
        if let Some(st) = &c.stats {
            write!(
                s,
                "<h4>{}</h4>",
                bi("得分的均等化统计", "Equalization of the scores")
            )?;
            self.stats_table(s, st, "", None)?;
        }
        s.write_str("</div>")?;
        self.map(s, "composite", &c.scores, "")?;
        s.write_str("</div>")?;
        self.values_list(s, &c.scores, "")?;
        s.write_str("</section>")
    }

    fn methods(&mut self, s: &mut String) -> fmt::Result {
        s.write_str("<section id=\"methods\" class=\"major\">")?;
        self.heading(s, "methods", "方法说明", "Method notes")?;
        s.write_str("<ol class=\"notes\">")?;
        for n in model::method_notes(self.input) {
            write!(
                s,
                "<li><span class=\"zh\" lang=\"zh-CN\"><b>{}。</b>{}</span><span class=\"en\" lang=\"en\"><b>{}.</b> {}</span></li>",
                esc(n.title_zh),
                esc(&n.zh),
                esc(n.title_en),
                esc(&n.en)
            )?;
        }
        s.write_str("</ol></section>")
    }

    fn sources(&mut self, s: &mut String) -> fmt::Result {
        s.write_str("<section id=\"sources\">")?;
        self.heading(s, "sources", "数据来源", "Data sources")?;
        let input = self.input;
        let plan = input.plan;
        let obs = input.observations;
        let years = (
            obs.iter().map(|o| o.year).min(),
            obs.iter().map(|o| o.year).max(),
        );
        let n_regions = obs
            .iter()
            .map(|o| o.region)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let years_zh = match years {
            (Some(a), Some(b)) if a == b => format!("{a}年"),
            (Some(a), Some(b)) => format!("{a}—{b}年"),
            _ => String::new(),
        };
        let years_en = match years {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) => format!("{a}–{b}"),
            _ => String::new(),
        };
        s.write_str("<ul class=\"sources\">")?;
        write!(
            s,
            "<li>{}</li>",
            bi(
                &format!(
                    "规划文本：{}（{}），源文件 {}。",
                    plan.name, plan.id, plan.source_document
                ),
                &format!(
                    "Plan: {} ({}), source document {}.",
                    plan.name_en, plan.id, plan.source_document
                )
            )
        )?;
        write!(
            s,
            "<li>{}</li>",
            bi(
                &format!(
                    "监测数据：{}，{}条观测值，{}个地区，{years_zh}。",
                    input.data_label,
                    obs.len(),
                    n_regions
                ),
                &format!(
                    "Monitoring data: {}, {} observations, {} regions, {years_en}.",
                    input.data_label,
                    obs.len(),
                    n_regions
                )
            )
        )?;
        let refs: Vec<&Row<'_>> = self
            .rows
            .iter()
            .filter(|r| r.rec.reference.is_some())
            .collect();
        for r in refs {
            if let Some((y, v)) = r.rec.reference {
                write!(
                    s,
                    "<li>{}</li>",
                    bi(
                        &format!("参照值：{} {}，{y}年 {}。", r.key(), r.rec.name, num(v)),
                        &format!(
                            "Reference figure: {} {}, {y}: {}.",
                            r.key(),
                            r.rec.name,
                            num(v)
                        )
                    )
                )?;
            }
        }
        if !input.equalization.is_empty() || input.composite.is_some() {
            write!(
                s,
                "<li>{}</li>",
                bi(
                    "行政区划与点位：GB/T 2260 行政区划代码表（随程序发布，见 data/regions/SOURCES.md）。",
                    "Regions and points: the GB/T 2260 region table shipped with the program (see data/regions/SOURCES.md)."
                )
            )?;
        }
        s.write_str("</ul>")?;
        let sources = model::sources(input);
        if !sources.is_empty() {
            write!(
                s,
                "<h3>{}</h3><table class=\"data compact srcs\"><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>",
                bi("观测值来源", "Sources of the observations"),
                bi("来源", "Source"),
                bi("指标", "Indicators")
            )?;
            for (src, codes) in sources {
                write!(
                    s,
                    "<tr><td>{}</td><td class=\"code\">{}</td></tr>",
                    esc(&src),
                    esc(&codes.join(", "))
                )?;
            }
            s.write_str("</tbody></table>")?;
        }
        s.write_str("</section>")
    }
}

/// A value with its unit: `96%`, `6.8 张`.
fn with_unit(v: f64, unit: &str) -> String {
    match unit {
        "" => num(v),
        "%" | "‰" => format!("{}{unit}", num(v)),
        _ => format!("{} {unit}", num(v)),
    }
}

/// Name cell: the indicator's name in both languages and the series of a pair.
fn name_cell(r: &Row<'_>) -> String {
    let en = if r.name_en.is_empty() {
        r.rec.name.as_str()
    } else {
        r.name_en
    };
    let series = match &r.rec.series {
        Some(x) => format!(" <span class=\"series\">{}</span>", esc(x)),
        None => String::new(),
    };
    format!("{}{series}", bi(&r.rec.name, en))
}

fn attribute(a: Attribute) -> String {
    bi(a.zh(), attribute_en(a))
}

/// Short status labels for column heads.
fn short_zh(s: Status) -> &'static str {
    match s {
        Status::OnTrack => "符合进度",
        other => other.zh(),
    }
}

fn short_en(s: Status) -> &'static str {
    match s {
        Status::Achieved => "Achieved",
        Status::OnTrack => "On track",
        Status::Lagging => "Lagging",
        Status::SeriouslyLagging => "Ser. lagging",
        Status::Regressing => "Regressing",
        Status::NotAssessable => "N/A",
    }
}

/// The count cells of a summary row: total, each status, red, yellow and the bar.
fn write_counts(s: &mut String, c: &Counts, key: &str) -> fmt::Result {
    write!(
        s,
        "<td class=\"n\" data-count=\"{key}-total\">{}</td>",
        c.total()
    )?;
    for st in STATUSES {
        let k = c.of(st);
        write!(
            s,
            "<td class=\"n{}\" data-count=\"{key}-{}\">{}</td>",
            if k == 0 { " zero" } else { "" },
            st.as_str(),
            k
        )?;
    }
    write!(
        s,
        "<td class=\"n{}\">{}</td><td class=\"n{}\">{}</td><td>{}</td>",
        if c.red == 0 { " zero" } else { " w-red" },
        c.red,
        if c.yellow == 0 { " zero" } else { " w-yellow" },
        c.yellow,
        svg::status_bar(&model::status_counts(c), 140.0)
    )
}
