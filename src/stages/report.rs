//! `report`: a Markdown summary (`report.md`) of what the run produced: per input stage its
//! kind, store key, counts from its summary and a few sample outputs. Deterministic: the same
//! inputs give the same bytes (no timestamps).

use std::fmt::Write;

use crate::spec::StageKind;
use crate::spec::stages::load_dataset::RECORDS;
use crate::spec::stages::report::{REPORT, ReportParams};
use crate::spec::stages::sample_candidates::CANDIDATES;
use crate::spec::stages::simulated_users::USERS;
use crate::stages::context::{InputArtifact, StageContext};
use crate::stages::output::StageOutput;
use crate::util::read_jsonl;

/// Bump when what this stage writes changes (reruns `report` stages only).
pub const VERSION: u32 = 1;

/// Sample outputs shown per stage.
const SAMPLES: usize = 3;
/// Longest sample text shown.
const SAMPLE_CHARS: usize = 240;

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: ReportParams = ctx.params()?;
    ctx.progress.set_total(ctx.inputs.len() as u64);
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", params.title);
    if !params.variants.is_empty() {
        let _ = writeln!(md, "Variants: {}\n", params.variants.join(", "));
    }
    let _ = writeln!(md, "| stage | kind | store key | files | bytes |");
    let _ = writeln!(md, "|---|---|---|---|---|");
    for input in &ctx.inputs {
        let _ = writeln!(
            md,
            "| `{}` | {} | `{}` | {} | {} |",
            input.id,
            input.kind.as_str(),
            &input.key[..input.key.len().min(16)],
            input.files,
            input.bytes
        );
    }
    for input in &ctx.inputs {
        let _ = writeln!(md, "\n## `{}` ({})\n", input.id, input.kind.as_str());
        let _ = writeln!(md, "Store key: `{}`\n", input.key);
        write_counts(&mut md, &input.summary);
        write_samples(&mut md, input)?;
        ctx.progress.inc(1);
    }
    std::fs::write(ctx.out_dir.join(REPORT), &md)
        .map_err(|e| miette::miette!("cannot write {REPORT}: {e}"))?;
    Ok(StageOutput {
        summary: serde_json::json!({ "stages": ctx.inputs.len(), "bytes": md.len() }),
    })
}

/// The scalar fields of a stage summary, as a list.
fn write_counts(md: &mut String, summary: &serde_json::Value) {
    let Some(map) = summary.as_object() else {
        return;
    };
    for (k, v) in map {
        let shown = match v {
            serde_json::Value::Object(_) => v.to_string(),
            serde_json::Value::Array(a) if a.len() <= 16 => v.to_string(),
            serde_json::Value::Array(a) => format!("[{} items]", a.len()),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let _ = writeln!(md, "- {k}: {shown}");
    }
    md.push('\n');
}

fn write_samples(md: &mut String, input: &InputArtifact) -> miette::Result<()> {
    match input.kind {
        StageKind::LoadDataset => {
            let rows: Vec<serde_json::Value> = read_jsonl(&input.dir.join(RECORDS))?;
            let _ = writeln!(md, "Sample contexts:\n");
            for r in rows.iter().take(SAMPLES) {
                let _ = writeln!(
                    md,
                    "- `{}`: {}",
                    r["id"].as_str().unwrap_or_default(),
                    clip(r["context"].as_str().unwrap_or_default())
                );
            }
        }
        StageKind::SampleCandidates => {
            let rows: Vec<serde_json::Value> = read_jsonl(&input.dir.join(CANDIDATES))?;
            let _ = writeln!(md, "Sample candidates:\n");
            for r in rows.iter().take(SAMPLES) {
                let _ = writeln!(
                    md,
                    "- `{}` / {} / k={}: {}",
                    r["context_id"].as_str().unwrap_or_default(),
                    r["persona"].as_str().unwrap_or_default(),
                    r["k"],
                    clip(r["response"].as_str().unwrap_or_default())
                );
            }
        }
        StageKind::SimulatedUsers => {
            let bytes = std::fs::read(input.dir.join(USERS))
                .map_err(|e| miette::miette!("cannot read {USERS} of `{}`: {e}", input.id))?;
            let users: Vec<serde_json::Value> = serde_json::from_slice(&bytes)
                .map_err(|e| miette::miette!("invalid {USERS} of `{}`: {e}", input.id))?;
            let _ = writeln!(md, "Users:\n");
            for u in users.iter().take(SAMPLES) {
                let _ = writeln!(
                    md,
                    "- {} ({}): {}",
                    u["code"].as_str().unwrap_or_default(),
                    u["name"].as_str().unwrap_or_default(),
                    clip(u["description"].as_str().unwrap_or_default())
                );
            }
        }
        _ => {}
    }
    Ok(())
}

fn clip(s: &str) -> String {
    let one_line = s.replace('\n', " / ");
    if one_line.chars().count() > SAMPLE_CHARS {
        let cut: String = one_line.chars().take(SAMPLE_CHARS).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}
