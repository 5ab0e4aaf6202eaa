//! `evaluate` (Appendix B.3): every speaker turn of a `generate_conversations` artifact on
//! the agent rubric (its context: the conversation before it) and every conversation on the
//! group rubric, with the stage's judge (model calls cached in the store's `calls/`, retried,
//! the failure policy applied). Writes `scores.jsonl` (one row per judged item, raw Likert
//! scores or failures) and `summary.json` (mean, sample std, n and failures per system x
//! subset x level x criterion plus `overall`, also per MBTI user type and speaker, on the
//! rescaled 0-100 range) through the report library.

use std::path::Path;

use crate::dialogue::ConversationRow;
use crate::judge::{
    CallCache, FailureReport, JudgeItem, Judged, MaxFailures, Rubric, judge_from_spec,
    rubric_from_spec,
};
use crate::report::{
    JudgeInfo, Level, Rubrics, SCORES_FILE, SUMMARY_FILE, ScoreIndex, ScoreRow, summarize,
    write_scores, write_summary,
};
use crate::spec::StageKind;
use crate::spec::judge::JudgeSpec;
use crate::spec::model::ModelSource;
use crate::spec::persona::Persona;
use crate::spec::stages::evaluate::EvaluateParams;
use crate::spec::stages::generate_conversations::{CONVERSATIONS, PERSONAS};
use crate::stages::context::StageContext;
use crate::stages::evaluate_items::{PlannedItem, plan_items, score_row};
use crate::stages::output::StageOutput;
use crate::util::read_jsonl;

/// Bump when what this stage writes changes (reruns `evaluate` stages only).
pub const VERSION: u32 = 2;

/// Items sent to the judge in one call (the progress bar moves per chunk).
pub const CHUNK: usize = 16;

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: EvaluateParams = ctx.params()?;
    let cache = CallCache::open(ctx.calls_dir)?;
    let judge = judge_from_spec(&params.judge, ctx.base_dir, Some(cache))?;
    evaluate_with(ctx, &params, &|rubric: &Rubric, items: &[JudgeItem]| {
        let run = judge.judge(rubric, items)?;
        Ok(run.judged)
    })
}

/// Judges `items` on a rubric: the stage's judge, or a scripted one in tests.
pub type JudgeFn<'a> = dyn Fn(&Rubric, &[JudgeItem]) -> miette::Result<Vec<Judged>> + 'a;

/// The stage body with the judge given.
pub fn evaluate_with(
    ctx: &StageContext,
    params: &EvaluateParams,
    judge: &JudgeFn<'_>,
) -> miette::Result<StageOutput> {
    let input = ctx.input(StageKind::GenerateConversations)?;
    let rows: Vec<ConversationRow> = read_jsonl(&input.dir.join(CONVERSATIONS))?;
    let personas = read_personas(&input.dir.join(PERSONAS))?;
    let seed = input.summary["seed"].as_u64().ok_or_else(|| {
        miette::miette!(
            code = "mascot::stage::inputs",
            help = "the generate_conversations stage records its seed in its summary; rerun it",
            "stage `{}`: the summary of `{}` has no seed",
            ctx.stage.id,
            input.id
        )
    })?;
    let rubrics = Rubrics::new(params.rubrics.clone())?;
    let agent = rubrics.get(Level::Agent);
    let group = rubrics.get(Level::Group);
    let planned = plan_items(&rows, &personas, seed, agent.is_some(), group.is_some()).map_err(
        |reason| {
            miette::miette!(
                code = "mascot::stage::inputs",
                help = "personas.json lists who speaks in conversations.jsonl; rerun generate_conversations",
                "stage `{}`: {reason}",
                ctx.stage.id
            )
        },
    )?;
    ctx.progress.set_total(planned.len() as u64);

    let mut scores: Vec<ScoreRow> = Vec::with_capacity(planned.len());
    let mut judged_all: Vec<Judged> = Vec::with_capacity(planned.len());
    for level in rubrics.levels() {
        let Some(spec) = rubrics.get(level) else {
            continue;
        };
        let rubric = rubric_from_spec(spec)?;
        let of_level: Vec<&PlannedItem> = planned.iter().filter(|p| p.row.level == level).collect();
        for chunk in of_level.chunks(CHUNK) {
            let items: Vec<_> = chunk.iter().map(|p| p.item.clone()).collect();
            let judged = judge(&rubric, &items)?;
            if judged.len() != items.len() {
                return Err(miette::miette!(
                    "stage `{}`: the judge returned {} outcomes for {} items",
                    ctx.stage.id,
                    judged.len(),
                    items.len()
                ));
            }
            for (p, j) in chunk.iter().zip(judged) {
                scores.push(score_row(p, &j, spec));
                judged_all.push(j);
            }
            ctx.progress.inc(chunk.len() as u64);
        }
    }
    let failures = FailureReport::of(&judged_all);
    let max = params
        .max_failures
        .map_or(MaxFailures::default(), MaxFailures::Fraction);
    failures.check(max)?;
    if failures.failed > 0 {
        ctx.progress.log(&format!(
            "{} of {} judgements failed (counted per cell, never averaged in)",
            failures.failed, failures.total
        ));
    }

    let index = ScoreIndex::from_rows(rubrics, &scores)?;
    let info = judge_info(&params.judge);
    let summary = summarize(&index, &info);
    write_scores(&ctx.out_dir.join(SCORES_FILE), &scores)?;
    write_summary(&ctx.out_dir.join(SUMMARY_FILE), &summary)?;

    // Per system, the overall score pooled over subsets: the subset cells' means weighted
    // by their item counts, which is the mean over every judged item.
    let overall = |level: Level| {
        let mut pooled: std::collections::BTreeMap<&str, (f64, usize)> = Default::default();
        for c in summary.cells.iter().filter(|c| {
            c.level == level
                && c.criterion == crate::report::OVERALL
                && c.user_type.is_none()
                && c.speaker.is_none()
        }) {
            if let Some(mean) = c.mean {
                let (sum, n) = pooled.entry(c.system.as_str()).or_default();
                *sum += mean * c.n as f64;
                *n += c.n;
            }
        }
        pooled
            .into_iter()
            .filter(|(_, (_, n))| *n > 0)
            .map(|(system, (sum, n))| (system.to_string(), serde_json::json!(sum / n as f64)))
            .collect::<serde_json::Map<String, serde_json::Value>>()
    };
    Ok(StageOutput {
        summary: serde_json::json!({
            "conversations": rows.len(),
            "agent_items": scores.iter().filter(|r| r.level == Level::Agent).count(),
            "group_items": scores.iter().filter(|r| r.level == Level::Group).count(),
            "failed": failures.failed,
            "failed_by_kind": failures.by_kind,
            "judge": info.label(),
            "proxy": info.is_heuristic(),
            "agent_overall": overall(Level::Agent),
            "group_overall": overall(Level::Group),
        }),
    })
}

fn read_personas(path: &Path) -> miette::Result<Vec<Persona>> {
    let bytes =
        std::fs::read(path).map_err(|e| miette::miette!("cannot read {}: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        miette::miette!(
            code = "mascot::stage::inputs",
            help = "personas.json is written by generate_conversations; rerun it",
            "{}:{}:{}: invalid personas: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// Who judged, for the report (and its "scores are proxies" note).
pub fn judge_info(spec: &JudgeSpec) -> JudgeInfo {
    match spec {
        JudgeSpec::Heuristic => JudgeInfo {
            backend: "heuristic".into(),
            model: None,
        },
        JudgeSpec::Openai { model, .. } => JudgeInfo {
            backend: "openai".into(),
            model: Some(model.clone()),
        },
        JudgeSpec::Local { model, .. } => JudgeInfo {
            backend: "local".into(),
            model: Some(match &model.source {
                ModelSource::Tiny(_) => "tiny".to_string(),
                ModelSource::HfDir { path } | ModelSource::Gguf { path } => {
                    crate::util::slash(path)
                }
                ModelSource::Hf { repo, .. } => repo.to_string(),
            }),
        },
    }
}
