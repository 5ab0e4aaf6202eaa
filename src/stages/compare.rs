//! `compare`: the report of `crate::stages::report` rendered across every variant (the
//! ablation and size-sweep tables and plots need them side by side), and `comparison.md`,
//! one table of the variants against what each produced. A row
//! is a group of seed replicates (one variant, or the points of a seed sweep); a column is a
//! number the variants' results report in their summaries (`sample_candidates.output_tokens`):
//! per variant, the mean over its results of that kind (one per subset), then, per row, the
//! mean ± sample standard deviation across seeds. Evaluation metrics enter the same way, as
//! the numbers an `evaluate` stage reports in its summary.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::report::stats::Moments;
use crate::spec::StageKind;
use crate::spec::stages::compare::{COMPARISON, CompareParams, ComparedVariant};
use crate::spec::stages::report::{READS, ReportParams};
use crate::stages::context::{InputArtifact, StageContext};
use crate::stages::output::StageOutput;

/// Bump when what this stage writes changes (reruns `compare` stages only).
/// 4: readable column names, small numbers in scientific notation, file mode 0644.
pub const VERSION: u32 = 4;

/// Summary fields that describe how a stage ran rather than what it produced.
const NOT_RESULTS: &[&str] = &["seed", "batch"];

/// One row: a group of replicates and, per column, the per-seed values.
struct Row<'a> {
    group: &'a str,
    variants: Vec<&'a ComparedVariant>,
    columns: BTreeMap<String, Moments>,
}

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: CompareParams = ctx.params()?;
    ctx.progress.set_total(params.variants.len() as u64);
    let mut rows: Vec<Row> = Vec::new();
    for v in &params.variants {
        let values = variant_values(ctx, v)?;
        let at = match rows.iter().position(|r| r.group == v.group) {
            Some(i) => i,
            None => {
                rows.push(Row {
                    group: &v.group,
                    variants: Vec::new(),
                    columns: BTreeMap::new(),
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[at];
        row.variants.push(v);
        for (column, value) in values {
            row.columns.entry(column).or_default().push(value);
        }
        ctx.progress.inc(1);
    }
    let md = render(&params.title, &rows);
    // The report library's writer: the same file mode (0644) as the report's own files.
    crate::report::write::write_atomic(&ctx.out_dir.join(COMPARISON), md.as_bytes())
        .map_err(|e| miette::miette!("cannot write {COMPARISON}: {e}"))?;
    let rows = rows.len();
    let mut summary = crate::stages::report::render(ctx, &report_params(ctx, &params)?)?;
    summary["compared_variants"] = params.variants.len().into();
    summary["rows"] = rows.into();
    Ok(StageOutput { summary })
}

/// The report's view of the comparison: one variant per replicate group (the seed points of
/// a variant are filed under it, so the report shows them as seed replicates: the rows of
/// its evaluations carry their seeds), and per input the groups whose results it is.
fn report_params(ctx: &StageContext, params: &CompareParams) -> miette::Result<ReportParams> {
    let mut inputs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut groups: Vec<String> = Vec::new();
    for v in &params.variants {
        if !groups.contains(&v.group) {
            groups.push(v.group.clone());
        }
        for &i in &v.inputs {
            let input = input_at(ctx, v, i)?;
            let listed = inputs.entry(input.id.clone()).or_default();
            if !listed.contains(&v.group) {
                listed.push(v.group.clone());
            }
        }
    }
    Ok(ReportParams {
        title: params.title.clone(),
        variants: groups,
        inputs,
    })
}

fn input_at<'c>(
    ctx: &'c StageContext,
    v: &ComparedVariant,
    i: usize,
) -> miette::Result<&'c InputArtifact> {
    ctx.inputs.get(i).ok_or_else(|| {
        miette::miette!(
            code = "mascot::stage::inputs",
            help = "the planner writes these positions; recompile the experiment",
            "stage `{}`: variant `{}` names input {i}, but the stage has {}",
            ctx.stage.id,
            v.name,
            ctx.inputs.len()
        )
    })
}

/// One variant's numbers: per `kind.field`, the mean over its results of that kind.
fn variant_values(
    ctx: &StageContext,
    v: &ComparedVariant,
) -> miette::Result<BTreeMap<String, f64>> {
    let mut per: BTreeMap<String, Moments> = BTreeMap::new();
    for &i in &v.inputs {
        let input = input_at(ctx, v, i)?;
        // Training runs and conversations are read for the report's curves and transcripts;
        // their numbers describe how a run went, not its results.
        if input.kind != StageKind::Evaluate && READS.contains(&input.kind) {
            continue;
        }
        for (column, x) in numbers(input.kind.as_str(), &input.summary) {
            per.entry(column).or_default().push(x);
        }
    }
    Ok(per
        .into_iter()
        .filter_map(|(c, m)| m.mean().map(|x| (c, x)))
        .collect())
}

/// The numbers of a stage summary as `kind.field` columns; a nested object's numbers as
/// `kind.field.key` (an evaluation's overall score per system: `evaluate.agent_overall.mascot`).
fn numbers(kind: &str, summary: &serde_json::Value) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let Some(map) = summary.as_object() else {
        return out;
    };
    for (field, value) in map {
        if NOT_RESULTS.contains(&field.as_str()) {
            continue;
        }
        match value {
            serde_json::Value::Object(inner) => {
                for (key, v) in inner {
                    if let Some(x) = v.as_f64() {
                        out.push((format!("{kind}.{field}.{key}"), x));
                    }
                }
            }
            v => {
                if let Some(x) = v.as_f64() {
                    out.push((format!("{kind}.{field}"), x));
                }
            }
        }
    }
    out
}

fn render(title: &str, rows: &[Row]) -> String {
    let mut columns: Vec<&String> = rows.iter().flat_map(|r| r.columns.keys()).collect();
    columns.sort();
    columns.dedup();
    let mut md = String::new();
    let _ = writeln!(md, "# {title}: comparison of variants\n");
    let _ = write!(md, "| variant | seeds |");
    for c in &columns {
        let _ = write!(md, " {} |", readable(c));
    }
    let _ = write!(md, "\n|---|---|");
    for _ in &columns {
        md.push_str("---:|");
    }
    md.push('\n');
    for r in rows {
        let seeds: Vec<String> = r.variants.iter().map(|v| v.seed.to_string()).collect();
        let _ = write!(md, "| {} | {} |", r.group, seeds.join(", "));
        for c in &columns {
            let cell = r.columns.get(*c).map(cell).unwrap_or_else(|| "-".into());
            let _ = write!(md, " {cell} |");
        }
        md.push('\n');
    }
    md.push_str(
        "\nEach cell: a number the variant's results report in their summaries, averaged over \
         the variant's stages of that kind (one per subset); with several seeds, the mean ± \
         sample standard deviation across seeds.\n",
    );
    let replicated: Vec<&Row> = rows.iter().filter(|r| r.variants.len() > 1).collect();
    if !replicated.is_empty() {
        md.push_str("\nSeed replicates:\n\n");
        for r in replicated {
            let names: Vec<&str> = r.variants.iter().map(|v| v.name.as_str()).collect();
            let _ = writeln!(md, "- {}: {}", r.group, names.join(", "));
        }
    }
    md
}

/// A column's header: `evaluate.agent_overall.mascot` reads `agent overall: mascot`, another
/// kind's `kind.field.key` reads `kind field: key` (underscores as spaces).
pub fn readable(column: &str) -> String {
    let parts: Vec<String> = column.split('.').map(|p| p.replace('_', " ")).collect();
    let parts = match parts.first().map(String::as_str) {
        Some("evaluate") if parts.len() > 1 => &parts[1..],
        _ => &parts[..],
    };
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [head @ .., last] => format!("{}: {last}", head.join(" ")),
    }
}

/// `mean` for one seed, `mean ± std` for several.
fn cell(m: &Moments) -> String {
    match (m.mean(), m.sample_std()) {
        (Some(mean), Some(std)) => format!("{} ± {}", number(mean), number(std)),
        (Some(mean), None) => number(mean),
        _ => "-".into(),
    }
}

fn number(x: f64) -> String {
    if x != 0.0 && x.abs() < 5e-3 {
        format!("{x:.2e}")
    } else if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

#[cfg(test)]
mod readable_tests {
    use super::{number, readable};

    #[test]
    fn columns_read_as_words_and_small_numbers_are_not_zero() {
        assert_eq!(
            readable("evaluate.agent_overall.mascot"),
            "agent overall: mascot"
        );
        assert_eq!(
            readable("compare_policies.diff.rm"),
            "compare policies diff: rm"
        );
        assert_eq!(readable("steps"), "steps");
        assert_eq!(number(0.00012), "1.20e-4");
        assert_eq!(number(2.0), "2");
        assert_eq!(number(27.784), "27.78");
    }
}
