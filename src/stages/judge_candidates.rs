//! `judge_candidates` (equation 2): every candidate of a `sample_candidates` artifact scored
//! by the stage's judge on its agent rubric, calls cached in the store's `calls/` (a rerun or
//! a resumed run asks nothing twice). Writes `scores.jsonl` (one row per candidate: its
//! scores, or the failure and its reason) and copies `personas.json`; fails when more items
//! failed than `max_failures` allows, with the count and the first reasons.

use std::collections::BTreeMap;

use crate::judge::{
    CallCache, CallStats, FailureReport, JudgeItem, Judged, MaxFailures, Outcome, Subject, Turn,
    judge_from_spec, persona_profile, rubric_from_spec,
};
use crate::spec::StageKind;
use crate::spec::persona::Persona;
use crate::spec::stages::judge_candidates::{JudgeCandidatesParams, SCORES, ScoreRow};
use crate::spec::stages::sample_candidates::{CANDIDATES, Candidate, PERSONAS, PersonaPrompt};
use crate::stages::context::StageContext;
use crate::stages::output::StageOutput;
use crate::util::{read_json, read_jsonl, write_json, write_jsonl};

/// Bump when what this stage writes changes (reruns `judge_candidates` stages only).
pub const VERSION: u32 = 1;

/// Items sent to the judge per call of the library (the progress bar moves per chunk).
const CHUNK: usize = 32;

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: JudgeCandidatesParams = ctx.params()?;
    let rubric = rubric_from_spec(&params.rubric)?;
    let sampled = ctx.input(StageKind::SampleCandidates)?;
    let candidates: Vec<Candidate> = read_jsonl(&sampled.dir.join(CANDIDATES))?;
    let personas: BTreeMap<&str, &Persona> = params
        .personas
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();
    let items = candidates
        .iter()
        .map(|c| item(ctx, c, &personas))
        .collect::<miette::Result<Vec<JudgeItem>>>()?;

    let cache = CallCache::open(ctx.calls_dir)?;
    let judge = judge_from_spec(&params.judge, ctx.base_dir, Some(cache))?;
    ctx.progress.set_total(items.len() as u64);
    let mut judged: Vec<Judged> = Vec::with_capacity(items.len());
    let mut stats = CallStats::default();
    for chunk in items.chunks(CHUNK) {
        let run = judge.judge(&rubric, chunk)?;
        stats.add(run.stats);
        judged.extend(run.judged);
        ctx.progress.inc(chunk.len() as u64);
    }

    let rows: Vec<ScoreRow> = candidates
        .iter()
        .zip(&judged)
        .map(|(c, j)| row(c, &j.outcome))
        .collect();
    write_jsonl(&ctx.out_dir.join(SCORES), &rows)?;
    let prompts: Vec<PersonaPrompt> = read_json(&sampled.dir.join(PERSONAS))?;
    write_json(&ctx.out_dir.join(PERSONAS), &prompts)?;

    let report = FailureReport::of(&judged);
    let proxy = judge.is_proxy();
    ctx.progress.log(&format!(
        "{} candidates judged: {} scored, {} failed; {} judge calls ({} retried), {} answered from the cache{}",
        report.total,
        report.total - report.failed,
        report.failed,
        stats.calls,
        stats.retries,
        stats.cache_hits,
        if proxy {
            " (heuristic judge: the scores are lexical proxies, not a model's judgement)"
        } else {
            ""
        }
    ));
    report.check(MaxFailures::Fraction(params.max_failures))?;
    let means: Vec<f64> = judged.iter().filter_map(|j| j.outcome.mean()).collect();
    let mean = (!means.is_empty()).then(|| means.iter().sum::<f64>() / means.len() as f64);
    Ok(StageOutput {
        summary: serde_json::json!({
            "candidates": report.total,
            "scored": report.total - report.failed,
            "failed": report.failed,
            "failed_by_kind": report.by_kind,
            "first_failures": report
                .first
                .iter()
                .map(|(id, kind, reason)| serde_json::json!({"id": id, "kind": kind, "reason": reason}))
                .collect::<Vec<_>>(),
            "max_failures": params.max_failures,
            "mean_score": mean,
            "proxy": proxy,
            "judge_calls": stats.calls,
            "cache_hits": stats.cache_hits,
            "corrupt_cache_entries": stats.corrupt_entries,
            "judge_retries": stats.retries,
        }),
    })
}

/// The judge's view of one candidate.
fn item(
    ctx: &StageContext,
    c: &Candidate,
    personas: &BTreeMap<&str, &Persona>,
) -> miette::Result<JudgeItem> {
    let persona = personas.get(c.persona.as_str()).ok_or_else(|| {
        miette::miette!(
            code = "mascot::stage::inputs",
            help = "the candidates were sampled for other personas than this pipeline's; \
                    recompile the experiment",
            "stage `{}`: candidate {}/{}/k{} is by persona `{}`, which the stage does not know",
            ctx.stage.id,
            c.context_id,
            c.persona,
            c.k,
            c.persona
        )
    })?;
    Ok(JudgeItem {
        id: item_id(c),
        context: vec![Turn::user(c.context.clone())],
        emotion: None,
        subject: Subject::Response {
            persona: persona_profile(persona),
            response: c.response.clone(),
        },
    })
}

/// `<context id>/<persona>/k<k>`: names the item in failure reasons.
pub fn item_id(c: &Candidate) -> String {
    format!("{}/{}/k{}", c.context_id, c.persona, c.k)
}

fn row(c: &Candidate, outcome: &Outcome) -> ScoreRow {
    let base = ScoreRow {
        context_id: c.context_id.clone(),
        persona: c.persona.clone(),
        k: c.k,
        context: c.context.clone(),
        response: c.response.clone(),
        status: String::new(),
        scores: None,
        mean: None,
        failure: None,
        reason: None,
    };
    match outcome {
        Outcome::Scored { scores } => ScoreRow {
            status: "scored".into(),
            scores: Some(scores.clone()),
            mean: outcome.mean(),
            ..base
        },
        Outcome::Failed { kind, reason } => ScoreRow {
            status: "failed".into(),
            failure: Some(kind.as_str().into()),
            reason: Some(reason.clone()),
            ..base
        },
    }
}
