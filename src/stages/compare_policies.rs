//! `compare_policies`: a policy before and after its training stage on the same held-out
//! contexts, greedy decoding on both sides, so that every difference is the training's.
//!
//! - `speakers`: every (context, persona) prompt (the persona's system prompt, then the
//!   context, as `align_personas` trains on) answered by pi_SFT (the `train_sft` adapter, or
//!   the base without one) and by the aligned speakers; each reply (without a `<think>`
//!   block) scored by the variant's reward model (`rm`, when it trains one) and by the judge
//!   on the agent rubric (`judge`, the mean criterion score).
//! - `director`: one episode of `turns` turns per context with the frozen speakers the
//!   director was trained with, directed by the untrained director (the base: a fresh LoRA
//!   adds nothing) and by the trained one; per episode the share of directives that name a
//!   persona and parse (`parse_rate`) and the group reward (`group_reward`).
//!
//! Writes `pairs.jsonl` (both sides of every item) and `comparison_summary.json` (per metric
//! the means, the mean paired difference after - before, its bootstrap 95% interval and the
//! verdict).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::dialogue::text::strip_think;
use crate::dialogue::{
    ChatModel, ConversationConfig, ConversationRow, NoProgress, SpeakerOrder, SystemKind,
    group_reward_from_spec, group_rewards, plan_episodes, run_conversations, starts_from_records,
};
use crate::judge::{
    CallCache, JudgeItem, Subject, Turn, judge_from_spec, persona_profile, rubric_from_spec,
};
use crate::model::{ChatMessage, LoadedModel, SamplingConfig};
use crate::report::bootstrap::paired_bootstrap;
use crate::spec::StageKind;
use crate::spec::persona_prompt::persona_system_prompt;
use crate::spec::stages::compare_policies::{
    ComparePoliciesParams, Compared, ComparisonSummary, MetricComparison, PAIRS, SUMMARY,
};
use crate::spec::stages::load_dataset::{ContextRecord, RECORDS};
use crate::spec::stages::{optimize_director, train_reward_model, train_sft};
use crate::stages::context::StageContext;
use crate::stages::director_rollouts::JudgeCoherence;
use crate::stages::grpo_run::without_lora;
use crate::stages::optimize_director::speaker_adapters;
use crate::stages::output::StageOutput;
use crate::train::reward::load_reward_model;
use crate::util::{read_jsonl, write_json, write_jsonl};

/// Bump when what this stage writes changes (reruns `compare_policies` stages only).
/// 2: the diversity term is 0 for an episode with a fallback turn (the director's group
///    reward counts its own selections only).
pub const VERSION: u32 = 2;

/// The interval's level.
pub const LEVEL: f64 = 0.95;

/// Chats per generation call.
const BATCH: usize = 8;

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: ComparePoliciesParams = ctx.params()?;
    if params.personas.is_empty() {
        return Err(miette::miette!(
            code = "mascot::stage::personas",
            help = "give the pipeline at least one persona",
            "stage `{}`: no personas to compare",
            ctx.stage.id
        ));
    }
    let (summary, rows) = match params.compared {
        Compared::Speakers => speakers(ctx, &params)?,
        Compared::Director => director(ctx, &params)?,
    };
    write_jsonl(&ctx.out_dir.join(PAIRS), &rows)?;
    write_json(&ctx.out_dir.join(SUMMARY), &summary)?;
    for m in &summary.metrics {
        ctx.progress.log(&format!(
            "{} {}: {:.4} -> {:.4}, difference {:.4} [{:.4}, {:.4}] over {} items: {}",
            summary.compared.as_str(),
            m.metric,
            m.before,
            m.after,
            m.diff,
            m.low,
            m.high,
            m.n,
            m.verdict
        ));
    }
    // `diff` and `trained` per metric: the numbers the comparison's table averages over seeds.
    let per = |f: fn(&MetricComparison) -> f64| -> serde_json::Map<String, serde_json::Value> {
        summary
            .metrics
            .iter()
            .map(|m| (m.metric.clone(), serde_json::json!(f(m))))
            .collect()
    };
    Ok(StageOutput {
        summary: serde_json::json!({
            "compared": summary.compared,
            "before": summary.before,
            "after": summary.after,
            "metrics": summary.metrics,
            "diff": per(|m| m.diff),
            "trained": per(|m| m.after),
        }),
    })
}

/// The paired comparison of one metric over the items both sides have a value for.
pub fn compare_metric(
    metric: &str,
    pairs: &[(Option<f64>, Option<f64>)],
    resamples: usize,
    seed: u64,
) -> Option<MetricComparison> {
    let both: Vec<(f64, f64)> = pairs
        .iter()
        .filter_map(|(b, a)| Some(((*b)?, (*a)?)))
        .filter(|(b, a)| b.is_finite() && a.is_finite())
        .collect();
    let diffs: Vec<f64> = both.iter().map(|(b, a)| a - b).collect();
    let interval = paired_bootstrap(&diffs, resamples, LEVEL, seed)?;
    let n = both.len() as f64;
    Some(MetricComparison {
        metric: metric.to_string(),
        n: both.len(),
        before: both.iter().map(|p| p.0).sum::<f64>() / n,
        after: both.iter().map(|p| p.1).sum::<f64>() / n,
        diff: interval.mean,
        low: interval.low,
        high: interval.high,
        verdict: interval.verdict().to_string(),
    })
}

fn contexts(ctx: &StageContext) -> miette::Result<Vec<serde_json::Value>> {
    let mut rows = Vec::new();
    for input in ctx
        .inputs
        .iter()
        .filter(|i| i.kind == StageKind::LoadDataset)
    {
        rows.extend(read_jsonl::<serde_json::Value>(&input.dir.join(RECORDS))?);
    }
    if rows.is_empty() {
        return Err(miette::miette!(
            code = "mascot::stage::inputs",
            help = "load a dataset with at least one record (check its `limit` and subsets)",
            "stage `{}`: no held-out contexts to compare on",
            ctx.stage.id
        ));
    }
    Ok(rows)
}

fn greedy(max_tokens: usize, seed: u64) -> SamplingConfig {
    SamplingConfig {
        max_tokens,
        temperature: 0.0,
        top_k: None,
        top_p: 1.0,
        seed,
        stop: Vec::new(),
    }
}

/// One policy's greedy replies to `chats`, with the model of each chat's persona.
fn replies(
    models: &[LoadedModel],
    model_of: &[usize],
    chats: &[Vec<ChatMessage>],
    cfg: &SamplingConfig,
) -> miette::Result<Vec<String>> {
    let mut out = vec![String::new(); chats.len()];
    for (m, model) in models.iter().enumerate() {
        let mine: Vec<usize> = (0..chats.len()).filter(|i| model_of[*i] == m).collect();
        for part in mine.chunks(BATCH) {
            let batch: Vec<Vec<ChatMessage>> = part.iter().map(|i| chats[*i].clone()).collect();
            for (i, g) in part.iter().zip(model.generate_chat(&batch, cfg)?) {
                out[*i] = strip_think(&g.text).trim().to_string();
            }
        }
    }
    Ok(out)
}

fn speakers(
    ctx: &StageContext,
    params: &ComparePoliciesParams,
) -> miette::Result<(ComparisonSummary, Vec<serde_json::Value>)> {
    let records: Vec<ContextRecord> = contexts(ctx)?
        .into_iter()
        .map(serde_json::from_value)
        .collect::<Result<_, _>>()
        .map_err(|e| miette::miette!("stage `{}`: invalid context record: {e}", ctx.stage.id))?;
    let mut chats = Vec::new();
    let mut items: Vec<(String, usize)> = Vec::new();
    for c in &records {
        for (pi, p) in params.personas.iter().enumerate() {
            chats.push(vec![
                ChatMessage::new("system", persona_system_prompt(p)),
                ChatMessage::new("user", c.context.clone()),
            ]);
            items.push((c.id.clone(), pi));
        }
    }
    let base_spec = without_lora(&params.speaker);
    let cfg = greedy(params.max_tokens, params.seed);
    ctx.progress.set_total(4);

    // Before: pi_SFT, or the base.
    let sft = ctx.inputs.iter().find(|i| i.kind == StageKind::TrainSft);
    let before_model = {
        let base = LoadedModel::load(&base_spec, ctx.base_dir)?;
        match sft {
            Some(s) => base.with_adapter(&s.dir.join(train_sft::ADAPTER))?,
            None => base,
        }
    };
    let before = replies(
        std::slice::from_ref(&before_model),
        &vec![0; chats.len()],
        &chats,
        &cfg,
    )?;
    drop(before_model);
    ctx.progress.inc(1);

    // After: the aligned adapters (one shared, or one per persona).
    let (_, dirs) = speaker_adapters(ctx, &params.personas)?;
    let mut models = Vec::with_capacity(dirs.len());
    for dir in &dirs {
        models.push(LoadedModel::load(&base_spec, ctx.base_dir)?.with_adapter(dir)?);
    }
    let model_of: Vec<usize> = items
        .iter()
        .map(|(_, p)| if models.len() > 1 { *p } else { 0 })
        .collect();
    let after = replies(&models, &model_of, &chats, &cfg)?;
    drop(models);
    ctx.progress.inc(1);

    // The reward model's scores, when the variant trains one.
    let rm = match ctx
        .inputs
        .iter()
        .find(|i| i.kind == StageKind::TrainRewardModel)
    {
        Some(input) => {
            let model = load_reward_model(
                &input.dir.join(train_reward_model::MODEL_DIR),
                &params.speaker.device,
            )?;
            let score = |replies: &[String]| -> miette::Result<Vec<f64>> {
                let mut out = Vec::with_capacity(replies.len());
                let scored: Vec<Vec<ChatMessage>> = chats
                    .iter()
                    .zip(replies)
                    .map(|(c, r)| {
                        let mut chat = c.clone();
                        chat.push(ChatMessage::new("assistant", r.clone()));
                        chat
                    })
                    .collect();
                for part in scored.chunks(BATCH) {
                    out.extend(model.score_chats(part)?.into_iter().map(f64::from));
                }
                Ok(out)
            };
            Some((score(&before)?, score(&after)?))
        }
        None => None,
    };
    ctx.progress.inc(1);

    // The judge's mean agent score.
    let rubric = rubric_from_spec(&params.rubric)?;
    let judge = judge_from_spec(
        &params.judge,
        ctx.base_dir,
        Some(CallCache::open(ctx.calls_dir)?),
    )?;
    let context_of: BTreeMap<&str, &str> = records
        .iter()
        .map(|c| (c.id.as_str(), c.context.as_str()))
        .collect();
    let judged = |replies: &[String], side: &str| -> miette::Result<Vec<Option<f64>>> {
        let items: Vec<JudgeItem> = items
            .iter()
            .zip(replies)
            .map(|((id, p), r)| JudgeItem {
                id: format!("{id}/{}/{side}", params.personas[*p].name),
                context: vec![Turn::user(context_of[id.as_str()].to_string())],
                emotion: None,
                subject: Subject::Response {
                    persona: persona_profile(&params.personas[*p]),
                    response: r.clone(),
                },
            })
            .collect();
        let run = judge.judge(&rubric, &items)?;
        Ok(run.judged.iter().map(|j| j.outcome.mean()).collect())
    };
    let judge_before = judged(&before, "before")?;
    let judge_after = judged(&after, "after")?;
    ctx.progress.inc(1);

    let mut metrics = Vec::new();
    if let Some((b, a)) = &rm {
        let pairs: Vec<_> = b.iter().zip(a).map(|(b, a)| (Some(*b), Some(*a))).collect();
        metrics.extend(compare_metric("rm", &pairs, params.resamples, params.seed));
    }
    let pairs: Vec<_> = judge_before
        .iter()
        .zip(&judge_after)
        .map(|(b, a)| (*b, *a))
        .collect();
    metrics.extend(compare_metric(
        "judge",
        &pairs,
        params.resamples,
        params.seed.wrapping_add(1),
    ));
    let rows: Vec<serde_json::Value> = items
        .iter()
        .enumerate()
        .map(|(i, (id, p))| {
            serde_json::json!({
                "id": id,
                "persona": params.personas[*p].name,
                "before": {
                    "reply": before[i],
                    "rm": rm.as_ref().map(|r| r.0[i]),
                    "judge": judge_before[i],
                },
                "after": {
                    "reply": after[i],
                    "rm": rm.as_ref().map(|r| r.1[i]),
                    "judge": judge_after[i],
                },
            })
        })
        .collect();
    Ok((
        ComparisonSummary {
            compared: Compared::Speakers,
            before: if sft.is_some() { "sft" } else { "base" }.into(),
            after: "align_personas".into(),
            items: items.len(),
            resamples: params.resamples,
            metrics,
        },
        rows,
    ))
}

/// The share of an episode's directives that named a persona and parsed (no fallback).
pub fn parse_rate(row: &ConversationRow) -> Option<f64> {
    let directives: Vec<_> = row
        .turns
        .iter()
        .filter_map(|t| t.directive.as_ref())
        .collect();
    if directives.is_empty() {
        return None;
    }
    let parsed = directives
        .iter()
        .filter(|d| d.failure.is_none() && !d.fallback)
        .count();
    Some(parsed as f64 / directives.len() as f64)
}

fn director(
    ctx: &StageContext,
    params: &ComparePoliciesParams,
) -> miette::Result<(ComparisonSummary, Vec<serde_json::Value>)> {
    let reward = params.reward.as_ref().ok_or_else(|| {
        miette::miette!(
            code = "mascot::stage::params",
            help = "add `reward: <group reward>` to `compare_policies`",
            "stage `{}`: the director comparison needs a group reward",
            ctx.stage.id
        )
    })?;
    let (weights, judge_spec) = group_reward_from_spec(reward)?;
    let judge = match &judge_spec {
        Some(spec) => Some(judge_from_spec(
            spec,
            ctx.base_dir,
            Some(CallCache::open(ctx.calls_dir)?),
        )?),
        None => None,
    };
    let speaker_spec = without_lora(&params.speaker);
    let (_, adapters) = speaker_adapters(ctx, &params.personas)?;
    let mut speakers_owned: Vec<LoadedModel> = Vec::new();
    if adapters.is_empty() {
        speakers_owned.push(LoadedModel::load(&speaker_spec, ctx.base_dir)?);
    }
    for dir in &adapters {
        speakers_owned.push(LoadedModel::load(&speaker_spec, ctx.base_dir)?.with_adapter(dir)?);
    }
    let speakers: Vec<&dyn ChatModel> =
        speakers_owned.iter().map(|m| m as &dyn ChatModel).collect();
    let cfg = ConversationConfig {
        system: SystemKind::Mascot,
        order: SpeakerOrder::Director,
        turns: params.turns,
        max_tokens: params.max_tokens,
        director_max_tokens: params.max_tokens,
        temperature: 0.0,
        director_temperature: Some(0.0),
        seed: params.seed,
        ..ConversationConfig::default()
    };
    let records = contexts(ctx)?;
    let budget = cfg.transcript_budget(speakers[0].context_window());
    let starts = starts_from_records(&records, speakers[0], budget)?;
    let episodes = plan_episodes(&starts, &[], 1);
    let coherence = JudgeCoherence {
        judge: judge.as_ref(),
        personas: &params.personas,
        starts: &starts,
    };
    let trained: PathBuf = ctx
        .input(StageKind::OptimizeDirector)?
        .dir
        .join(optimize_director::ADAPTER);
    let director_spec = without_lora(&params.director);
    ctx.progress.set_total(2);
    let mut sides = Vec::with_capacity(2);
    for adapter in [None, Some(&trained)] {
        let base = LoadedModel::load(&director_spec, ctx.base_dir)?;
        let director = match adapter {
            Some(dir) => base.with_adapter(dir)?,
            None => base,
        };
        let models = crate::dialogue::Models {
            director: Some(&director as &dyn ChatModel),
            speakers: speakers.clone(),
            user: None,
        };
        let rows = run_conversations(&cfg, &params.personas, &episodes, &models, &NoProgress)?;
        let rewards = group_rewards(&rows, &coherence, weights, params.personas.len())?;
        sides.push((rows, rewards));
        ctx.progress.inc(1);
    }
    let (before, after) = (&sides[0], &sides[1]);
    let parse: Vec<_> = before
        .0
        .iter()
        .zip(&after.0)
        .map(|(b, a)| (parse_rate(b), parse_rate(a)))
        .collect();
    let group: Vec<_> = before
        .1
        .iter()
        .zip(&after.1)
        .map(|(b, a)| (Some(b.total), Some(a.total)))
        .collect();
    let mut metrics = Vec::new();
    metrics.extend(compare_metric(
        "parse_rate",
        &parse,
        params.resamples,
        params.seed,
    ));
    metrics.extend(compare_metric(
        "group_reward",
        &group,
        params.resamples,
        params.seed.wrapping_add(1),
    ));
    let side = |row: &ConversationRow, reward: f64| {
        serde_json::json!({
            "parse_rate": parse_rate(row),
            "group_reward": reward,
            "directives": row.turns.iter().map(|t| serde_json::json!({
                "speaker": t.speaker,
                "directive": t.directive.as_ref().map(|d| d.raw.clone()),
                "fallback": t.directive.as_ref().map(|d| d.fallback),
                "response": t.response,
            })).collect::<Vec<_>>(),
        })
    };
    let rows: Vec<serde_json::Value> = (0..before.0.len())
        .map(|i| {
            serde_json::json!({
                "id": before.0[i].context_id,
                "before": side(&before.0[i], before.1[i].total),
                "after": side(&after.0[i], after.1[i].total),
            })
        })
        .collect();
    Ok((
        ComparisonSummary {
            compared: Compared::Director,
            before: "untrained".into(),
            after: "optimize_director".into(),
            items: rows.len(),
            resamples: params.resamples,
            metrics,
        },
        rows,
    ))
}
