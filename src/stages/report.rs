//! `report`: a thin adapter over the report library (`crate::report`). It reads every input
//! the planner gives it: `evaluate` artifacts (`scores.jsonl`, `summary.json`), the training
//! stages' `metrics.jsonl` (a stage without one has no curve), the conversations of
//! `generate_conversations` (example transcripts); files each under the variants the plan
//! says contain it; and writes `report.html`, `report.md`, `tables.csv`, `tables/*.csv` and
//! `plots/*.png|svg`. Deterministic: the same inputs give the same bytes.

use std::collections::BTreeMap;
use std::path::Path;

use crate::report::learning::{
    EpisodeHealth, HealthInput, comparison_rows, health_lines, reward_model_rows,
};
use crate::spec::stages::compare_policies;

use crate::dialogue::ConversationRow;
use crate::report::{
    Evaluations, JudgeInfo, METRICS_FILE, MetricsLog, ReportInput, RowLabel, Rubrics, RunStage,
    ScoreIndex, TrainingRun, Transcript, TranscriptTurn, infer_groups, write_report,
};
use crate::spec::StageKind;
use crate::spec::stages::generate_conversations::CONVERSATIONS;
use crate::spec::stages::report::{REPORT_HTML, ReportParams};
use crate::stages::context::{InputArtifact, StageContext};
use crate::stages::output::StageOutput;
use crate::util::read_jsonl;

/// Bump when what this stage writes changes (reruns `report` stages only).
/// 4: a transcript turn cut inside its think block is marked as truncated; "Run health" and
///    "Did training work?" first; `health.json`.
pub const VERSION: u32 = 4;

/// The run health lines (a JSON list of strings), printed by `mascot run` as warnings.
pub const HEALTH: &str = "health.json";

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: ReportParams = ctx.params()?;
    Ok(StageOutput {
        summary: render(ctx, &params)?,
    })
}

/// Writes the report over every input of `ctx` into its output directory, with `params`
/// saying which variants each input belongs to; returns the stage summary. Shared by
/// `report` (one variant) and `compare` (every variant).
pub fn render(ctx: &StageContext, params: &ReportParams) -> miette::Result<serde_json::Value> {
    ctx.progress.set_total(ctx.inputs.len() as u64 + 1);
    let mut evaluations = Evaluations::new();
    let mut training = Vec::new();
    let mut transcripts = Vec::new();
    let mut stages = Vec::new();
    let mut learning = Vec::new();
    let mut episodes: BTreeMap<(String, String), EpisodeHealth> = BTreeMap::new();
    let mut cells: Vec<(String, usize, usize)> = Vec::new();
    for input in &ctx.inputs {
        let variants = variants_of(params, input);
        if input.kind == StageKind::TrainRewardModel {
            for v in &variants {
                learning.extend(reward_model_rows(v, &input.summary));
            }
        }
        match input.kind {
            StageKind::Evaluate => {
                let labels: Vec<RowLabel> = variants.iter().map(RowLabel::variant).collect();
                evaluations.add_dir(&input.dir, &labels)?;
                cells.extend(cell_sizes(&input.dir, &variants)?);
            }
            StageKind::GenerateConversations => {
                transcripts.extend(read_transcripts(&input.dir, &variants)?);
                episode_health(&input.dir, &variants, &mut episodes)?;
            }
            StageKind::ComparePolicies => {
                let summary: serde_json::Value =
                    crate::util::read_json(&input.dir.join(compare_policies::SUMMARY))?;
                for v in &variants {
                    learning.extend(comparison_rows(v, &summary));
                }
            }
            kind => {
                if let Some(what) = trains(kind) {
                    let path = input.dir.join(METRICS_FILE);
                    if path.is_file() {
                        training.push(TrainingRun {
                            id: input.id.clone(),
                            label: format!("{}: {what} ({})", kind.as_str(), variants.join(", ")),
                            log: MetricsLog::read(&path)?,
                        });
                    } else {
                        ctx.progress
                            .log(&format!("`{}` has no {METRICS_FILE}: no curve", input.id));
                    }
                }
            }
        }
        // The executor's manifest records what building the artifact took.
        let manifest = std::fs::read(input.dir.join("manifest.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(serde_json::Value::Null);
        let (time, peak_memory) = RunStage::resources_of(&manifest);
        stages.push(RunStage {
            id: input.id.clone(),
            kind: input.kind.as_str().to_string(),
            key: input.key.clone(),
            files: input.files,
            bytes: input.bytes,
            counts: RunStage::counts_of(&input.summary),
            time,
            peak_memory,
        });
        ctx.progress.inc(1);
    }
    let evaluated = evaluations.rows();
    let (scores, judge) = match evaluations.finish() {
        Some(found) => found,
        None => (
            ScoreIndex::new(Rubrics::new(Vec::new())?),
            JudgeInfo {
                backend: "none".into(),
                model: None,
            },
        ),
    };
    let mut input = ReportInput::new(params.title.clone(), judge, scores);
    input.variants = params.variants.clone();
    input.groups = infer_groups(&params.variants);
    input.health = health_lines(&HealthInput {
        episodes: &episodes,
        training: &training,
        transcripts: &transcripts,
        cells: &cells,
    });
    input.training = training;
    input.transcripts = transcripts;
    input.stages = stages;
    input.learning = learning;
    let health = serde_json::to_vec_pretty(&input.health).map_err(|e| miette::miette!("{e}"))?;
    crate::report::write::write_atomic(&ctx.out_dir.join(HEALTH), &health)?;
    let files = write_report(ctx.out_dir, &input)?;
    ctx.progress.inc(1);
    let systems: Vec<String> = input
        .variant_order()
        .iter()
        .flat_map(|v| input.scores.systems(v))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(serde_json::json!({
        "html": REPORT_HTML,
        "variants": input.variant_order(),
        "systems": systems,
        "score_rows": evaluated,
        "judge": input.judge.label(),
        "heuristic_judge": input.judge.is_heuristic(),
        "training_runs": input.training.len(),
        "transcripts": input.transcripts.len(),
        "tables": files.tables,
        "plots": files.plots,
        "files": files.files.len(),
    }))
}

/// The variants the plan files an input under; an input the parameters do not list belongs
/// to every variant of the report (a `report` node covers one).
fn variants_of(params: &ReportParams, input: &InputArtifact) -> Vec<String> {
    match params.inputs.get(&input.id) {
        Some(v) if !v.is_empty() => v.clone(),
        _ => params.variants.clone(),
    }
}

/// What a training kind trains, as the report labels its curves.
fn trains(kind: StageKind) -> Option<&'static str> {
    match kind {
        StageKind::TrainSft => Some("speakers, supervised fine-tuning"),
        StageKind::TrainRewardModel => Some("persona reward model, Bradley-Terry"),
        StageKind::AlignPersonas => Some("speakers, GRPO (phase 1)"),
        StageKind::OptimizeDirector => Some("director, GRPO (phase 2)"),
        _ => None,
    }
}

/// The evaluation conversations (rollout 0) of a `generate_conversations` artifact, once per
/// variant: each speaker turn, then the simulated user's reply when there is one.
fn read_transcripts(dir: &Path, variants: &[String]) -> miette::Result<Vec<Transcript>> {
    let rows: Vec<ConversationRow> = read_jsonl(&dir.join(CONVERSATIONS))?;
    let mut out = Vec::new();
    for row in rows.iter().filter(|r| r.rollout == 0) {
        let mut turns = Vec::with_capacity(row.turns.len() * 2);
        for t in &row.turns {
            turns.push(TranscriptTurn {
                speaker: t.speaker.clone(),
                text: t.response.clone(),
                truncated: t.truncated,
            });
            if let Some(reply) = &t.user_reply {
                turns.push(TranscriptTurn {
                    speaker: "User".into(),
                    text: reply.text.clone(),
                    truncated: reply.truncated,
                });
            }
        }
        for variant in variants {
            out.push(Transcript {
                variant: variant.clone(),
                seed: 0,
                system: row.system.clone(),
                subset: row.subset.clone(),
                context_id: row.context_id.clone(),
                context: row.opening.user_message.clone(),
                user_type: row.user_type.clone(),
                turns: turns.clone(),
            });
        }
    }
    Ok(out)
}

/// Adds the director and format counters of a `generate_conversations` artifact's
/// evaluation conversations to `out`, per variant and system.
fn episode_health(
    dir: &Path,
    variants: &[String],
    out: &mut BTreeMap<(String, String), EpisodeHealth>,
) -> miette::Result<()> {
    let rows: Vec<ConversationRow> = read_jsonl(&dir.join(CONVERSATIONS))?;
    for row in rows.iter().filter(|r| r.rollout == 0) {
        for v in variants {
            let e = out.entry((v.clone(), row.system.clone())).or_default();
            e.turns += row.counters.turns;
            e.director_calls += row.counters.director_calls;
            e.parse_failures += row.counters.parse_failures;
            e.fallbacks += row.counters.fallbacks;
            e.format_fallbacks += row.counters.format_fallbacks;
        }
    }
    Ok(())
}

/// Per variant: the smallest and largest item count of an evaluation's overall cells.
fn cell_sizes(dir: &Path, variants: &[String]) -> miette::Result<Vec<(String, usize, usize)>> {
    let summary = crate::report::read_summary(&dir.join(crate::report::SUMMARY_FILE))?;
    let ns: Vec<usize> = summary
        .cells
        .iter()
        .filter(|c| {
            c.criterion == crate::report::OVERALL && c.user_type.is_none() && c.speaker.is_none()
        })
        .map(|c| c.n)
        .collect();
    let (Some(lo), Some(hi)) = (ns.iter().min(), ns.iter().max()) else {
        return Ok(Vec::new());
    };
    Ok(variants.iter().map(|v| (v.clone(), *lo, *hi)).collect())
}
