//! `optimize_director` (equation 7): GRPO with LoRA on the director over episodes of `turns`
//! turns, G per (context, simulated user), the episodes shaped as `generate_conversations`
//! plays them (a user reply after every turn but the last when the pipeline has
//! `simulated_users`), the speakers frozen (the `align_personas` adapters when the
//! pipeline has them, else the `train_sft` adapter, else the base; with `adapter: shared` the
//! speakers are the director's own policy, which starts from that adapter), rewarded with
//! `coherence(judge) + eta * diverse()` (judge answers cached in `ctx.calls_dir`). Only the
//! director's directive tokens are trained on. The director, its reference and the
//! speakers share one copy of the base weights; per-persona speakers decode their turns in
//! one mixed-adapter batch. Checkpoints go to `ctx.work_dir`, so a killed
//! run resumes. Writes `adapter/` (PEFT), `metrics.jsonl`, `last_rollouts.jsonl` and
//! `director_summary.json`.

use std::cell::RefCell;
use std::path::PathBuf;

use crate::dialogue::{
    ChatModel, SimulatedUser, config_from_director_params, group_reward_from_spec,
    starts_from_records,
};
use crate::judge::{CallCache, judge_from_spec};
use crate::model::LoadedModel;
use crate::spec::StageKind;
use crate::spec::stages::align_personas::{self, AlignSummary};
use crate::spec::stages::load_dataset::RECORDS;
use crate::spec::stages::optimize_director::{
    DirectorSummary, LAST_ROLLOUTS, METRICS, OptimizeDirectorParams, SUMMARY,
};
use crate::spec::stages::train_sft;
use crate::stages::context::StageContext;
use crate::stages::director_rollouts::{DirectorPrompt, DirectorRollouts, JudgeCoherence, user_of};
use crate::stages::generate_conversations::read_users;
use crate::stages::grpo_run::{StageTrainProgress, grpo_config, paper_lora, without_lora};
use crate::stages::output::StageOutput;
use crate::train::grpo::{GrpoRun, total_steps, train_grpo};
use crate::train::metrics::read_metrics;
use crate::util::{read_jsonl, write_json, write_jsonl};

/// Bump when what this stage writes changes (reruns `optimize_director` stages only).
/// 2: LoRA dropout masks drawn from the run's seed and step (reproducible runs).
/// 3: the director prompt ends with the answer format, the persona names and an example.
/// 4: the update in micro-batches of 2 completions; the KL reference is the base with the
///    adapters off; persona speakers decoded in one mixed-adapter batch; rollouts of
///    `generate_conversations`' episode shape (simulated users when the pipeline has them,
///    per-role budgets); `batch` counts completions (TRL's step count).
///    the ED situation moved from the conversation block into the system prompts.
/// 5: the update one completion per forward pass (was 2); the diversity term is 0 for an
///    episode with a fallback turn (the fallback's order was rewarded as the director's).
pub const VERSION: u32 = 5;

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: OptimizeDirectorParams = ctx.params()?;
    let stage = ctx.stage.id.as_str();
    if params.personas.is_empty() {
        return Err(miette::miette!(
            code = "mascot::stage::personas",
            help = "give the pipeline at least one persona",
            "stage `{stage}`: no personas to direct"
        ));
    }
    let config = grpo_config(&params.grpo, params.seed, stage)?;
    let cfg = config_from_director_params(&params);
    let (weights, judge_spec) = group_reward_from_spec(&params.reward)?;
    let judge = match &judge_spec {
        Some(spec) => Some(judge_from_spec(
            spec,
            ctx.base_dir,
            Some(CallCache::open(ctx.calls_dir)?),
        )?),
        None => None,
    };

    let shared = params.adapter.as_deref() == Some("shared");
    let (origin, adapters) = speaker_adapters(ctx, &params.personas)?;
    if shared && adapters.len() > 1 {
        return Err(miette::miette!(
            code = "mascot::stage::params",
            help = "`adapter: shared` needs one speaker adapter: align the personas with one \
                    shared adapter (no `per_persona`), or use `adapter: own`",
            "stage `{stage}`: the speakers have one adapter per persona, which the director \
             cannot share"
        ));
    }
    let speaker_spec = without_lora(&params.speaker);
    let mut speakers_owned: Vec<LoadedModel> = Vec::with_capacity(adapters.len().max(1));
    if !shared {
        if adapters.is_empty() {
            speakers_owned.push(LoadedModel::load(&speaker_spec, ctx.base_dir)?);
        }
        for dir in &adapters {
            speakers_owned.push(LoadedModel::load(&speaker_spec, ctx.base_dir)?.with_adapter(dir)?);
        }
    }
    let users: Vec<SimulatedUser> = read_users(ctx)?
        .into_iter()
        .map(SimulatedUser::mbti)
        .collect();
    let user_owned = if users.is_empty() {
        None
    } else {
        let spec = params.user.as_ref().unwrap_or(&params.speaker);
        Some(LoadedModel::load(&without_lora(spec), ctx.base_dir)?)
    };
    let speakers: Vec<&dyn ChatModel> =
        speakers_owned.iter().map(|m| m as &dyn ChatModel).collect();

    let mut rows: Vec<serde_json::Value> = Vec::new();
    for input in ctx
        .inputs
        .iter()
        .filter(|i| i.kind == StageKind::LoadDataset)
    {
        rows.extend(read_jsonl::<serde_json::Value>(&input.dir.join(RECORDS))?);
    }
    let lora = params.director.lora.clone().unwrap_or_else(paper_lora);
    let trainable = LoadedModel::load_trainable(&without_lora(&params.director), ctx.base_dir)?;
    let director = match (shared, adapters.first()) {
        (true, Some(dir)) => trainable.with_adapter(dir)?,
        _ => trainable.with_new_lora(&lora, params.seed)?,
    };
    let counter: &dyn ChatModel = match speakers.first() {
        Some(s) => *s,
        None => &director,
    };
    let window = [
        Some(counter),
        user_owned.as_ref().map(|m| m as &dyn ChatModel),
    ]
    .into_iter()
    .flatten()
    .map(|m| m.context_window())
    .min()
    .unwrap_or(0);
    let budget = cfg.transcript_budget(window);
    let starts = starts_from_records(&rows, counter, budget)?;
    if starts.is_empty() {
        return Err(miette::miette!(
            code = "mascot::stage::inputs",
            help = "load a dataset with at least one record (check its `limit` and subsets)",
            "stage `{stage}`: no contexts to play episodes from"
        ));
    }
    // One prompt per context, played with the user `context index mod |users|` (every user
    // type trains the director, at the cost of a run without users); the id names both.
    let prompts: Vec<DirectorPrompt> = starts
        .iter()
        .enumerate()
        .map(|(i, s)| match user_of(&users, i) {
            Some(u) => (i, format!("{}/{}", s.context_id, u.label())),
            None => (i, s.context_id.clone()),
        })
        .collect();
    let coherence = JudgeCoherence {
        judge: judge.as_ref(),
        personas: &params.personas,
        starts: &starts,
    };
    let mut source = DirectorRollouts {
        cfg,
        personas: &params.personas,
        starts: &starts,
        users: &users,
        user: user_owned.as_ref().map(|m| m as &dyn ChatModel),
        speakers,
        speakers_are_policy: shared,
        coherence: &coherence,
        weights,
        last_rows: RefCell::new(Vec::new()),
    };
    ctx.progress
        .set_total(total_steps(&config, prompts.len()) as u64);
    let mut progress = StageTrainProgress {
        progress: ctx.progress,
        label: String::new(),
    };
    let outcome = train_grpo(
        director,
        &mut source,
        &prompts,
        &config,
        GrpoRun {
            output_dir: ctx.out_dir,
            checkpoint_dir: Some(ctx.work_dir),
        },
        &mut progress,
    )?;
    // A run resumed from its final checkpoint trains nothing and has no last rollouts.
    let last = source.last_rows.into_inner();
    write_jsonl(&ctx.out_dir.join(LAST_ROLLOUTS), &last)?;
    let final_metrics = read_metrics(&ctx.out_dir.join(METRICS))?
        .pop()
        .unwrap_or(serde_json::Value::Null);
    let summary = DirectorSummary {
        contexts: starts.len(),
        steps: outcome.total_steps,
        speakers: origin.into(),
        shared_adapter: shared,
        weights: (weights.coherence, weights.eta),
        final_metrics,
    };
    write_json(&ctx.out_dir.join(SUMMARY), &summary)?;
    Ok(StageOutput {
        summary: serde_json::json!({
            "contexts": summary.contexts,
            "steps": summary.steps,
            "speakers": summary.speakers,
            "adapter": if shared { "shared" } else { "own" },
            "users": users.len(),
            "resumed_from": outcome.resumed_from,
            "final": summary.final_metrics,
        }),
    })
}

/// Where the frozen speakers come from, and their adapter folders: one shared adapter, one
/// per persona in persona order, or none (the base). Also read by `compare_policies`.
pub fn speaker_adapters(
    ctx: &StageContext,
    personas: &[crate::spec::persona::Persona],
) -> miette::Result<(&'static str, Vec<PathBuf>)> {
    if let Some(aligned) = ctx
        .inputs
        .iter()
        .find(|i| i.kind == StageKind::AlignPersonas)
    {
        let path = aligned.dir.join(align_personas::SUMMARY);
        let summary: AlignSummary = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
            .map_err(|e| {
                miette::miette!(
                    code = "mascot::stage::inputs",
                    help = "the align_personas artifact is damaged: run `mascot cache verify`",
                    "stage `{}`: cannot read `{}`: {e}",
                    ctx.stage.id,
                    path.display()
                )
            })?;
        let mut folders = Vec::with_capacity(personas.len());
        for p in personas {
            let folder = summary
                .adapters
                .iter()
                .find(|(name, _)| *name == p.name)
                .map(|(_, f)| f.clone())
                .ok_or_else(|| {
                    miette::miette!(
                        code = "mascot::stage::inputs",
                        help = "align_personas and optimize_director read the pipeline's personas; recompile the experiment",
                        "stage `{}`: the aligned speakers have no adapter for persona `{}`",
                        ctx.stage.id,
                        p.name
                    )
                })?;
            folders.push(folder);
        }
        let shared = folders.windows(2).all(|w| w[0] == w[1]);
        let dirs: Vec<PathBuf> = folders.iter().map(|f| aligned.dir.join(f)).collect();
        let dirs = if shared {
            dirs.into_iter().take(1).collect()
        } else {
            dirs
        };
        return Ok(("align_personas", dirs));
    }
    if let Some(sft) = ctx.inputs.iter().find(|i| i.kind == StageKind::TrainSft) {
        return Ok(("train_sft", vec![sft.dir.join(train_sft::ADAPTER)]));
    }
    Ok(("base", Vec::new()))
}
