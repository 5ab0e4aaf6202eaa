//! `align_personas` (equations 4 and 5): GRPO with LoRA on the speaker over every (context,
//! persona) prompt, rewarded by the stage's reward expression (`rm(...)`: the
//! `train_reward_model` artifact's model; `format(...)`: the format reward). Starts from the
//! `train_sft` adapter when the pipeline has one, else from a fresh adapter on the base.
//! Checkpoints go to `ctx.work_dir`, so a killed run resumes. Writes `adapter/` (PEFT),
//! `metrics.jsonl` and `align_summary.json`; with `per_persona`, `personas/<slug>/` each.

use std::path::Path;

use crate::model::{ChatMessage, LoadedModel};
use crate::spec::StageKind;
use crate::spec::persona_prompt::persona_system_prompt;
use crate::spec::reward::{RewardSignal, RewardSpec};
use crate::spec::stages::align_personas::{
    ADAPTER, AlignPersonasParams, AlignSummary, METRICS, PERSONAS_DIR, SUMMARY,
};
use crate::spec::stages::load_dataset::{ContextRecord, RECORDS};
use crate::spec::stages::{train_reward_model, train_sft};
use crate::stages::context::StageContext;
use crate::stages::grpo_run::{StageTrainProgress, grpo_config, paper_lora, without_lora};
use crate::stages::output::StageOutput;
use crate::train::grpo::per_persona::persona_slugs;
use crate::train::grpo::{
    ChatRollouts, FormatReward, GrpoError, GrpoRun, PolicyPrompt, RewardModelReward,
    WeightedReward, total_steps, train_grpo, train_per_persona,
};
use crate::train::metrics::read_metrics;
use crate::train::reward::{ADAPTER_DIR, load_reward_adapter, load_reward_model};
use crate::util::{read_jsonl, write_json};

/// Bump when what this stage writes changes (reruns `align_personas` stages only).
/// 2: LoRA dropout masks drawn from the run's seed and step (reproducible runs).
/// 3: the KL reference is the base with the adapters off (TRL/PEFT), not the SFT policy;
///    the update in micro-batches of 2 completions; `batch` counts completions (TRL's
///    per_device_train_batch_size), incomplete last generation batches of an epoch are
///    dropped (TRL's step count).
/// 4: the update one completion per forward pass (was 2); a LoRA reward model scores over
///    the process's shared base with its adapter (was: a merged copy of the base).
pub const VERSION: u32 = 4;

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: AlignPersonasParams = ctx.params()?;
    let stage = ctx.stage.id.as_str();
    if params.personas.is_empty() {
        return Err(miette::miette!(
            code = "mascot::stage::personas",
            help = "give the pipeline at least one persona",
            "stage `{stage}`: no personas to align"
        ));
    }
    let config = grpo_config(&params.grpo, params.seed, stage)?;
    let prompts = prompt_rows(ctx, &params)?;
    let sft = ctx
        .inputs
        .iter()
        .find(|i| i.kind == StageKind::TrainSft)
        .map(|i| i.dir.join(train_sft::ADAPTER));
    let base_spec = without_lora(&params.model);
    let load_policy = |_: &str| -> Result<LoadedModel, GrpoError> {
        let base = LoadedModel::load_trainable(&base_spec, ctx.base_dir)?;
        Ok(match &sft {
            Some(dir) => base.with_adapter(dir)?,
            None => {
                let lora = params.model.lora.clone().unwrap_or_else(paper_lora);
                base.with_new_lora(&lora, params.seed)?
            }
        })
    };
    let policy = load_policy("")?;
    let mut source = ChatRollouts {
        terms: reward_terms(ctx, &params.reward, &policy)?,
    };
    let reward_terms: Vec<(String, f64)> = source
        .terms
        .iter()
        .map(|t| (t.reward.name().to_string(), t.weight))
        .collect();
    let per_persona = params.per_persona.unwrap_or(false);
    let run = GrpoRun {
        output_dir: ctx.out_dir,
        checkpoint_dir: Some(ctx.work_dir),
    };
    let mut progress = StageTrainProgress {
        progress: ctx.progress,
        label: String::new(),
    };
    let (steps, adapters) = if per_persona {
        drop(policy);
        let total: usize = params
            .personas
            .iter()
            .map(|p| {
                let n = prompts.iter().filter(|r| r.persona == p.name).count();
                total_steps(&config, n)
            })
            .sum();
        ctx.progress.set_total(total as u64);
        let outcomes = train_per_persona(
            load_policy,
            &mut source,
            &prompts,
            &config,
            run,
            &mut progress,
        )?;
        let adapters = outcomes
            .iter()
            .map(|o| {
                (
                    o.persona.clone(),
                    format!("{PERSONAS_DIR}/{}/{ADAPTER}", o.slug),
                )
            })
            .collect();
        (outcomes.iter().map(|o| o.total_steps).sum(), adapters)
    } else {
        ctx.progress
            .set_total(total_steps(&config, prompts.len()) as u64);
        let outcome = train_grpo(policy, &mut source, &prompts, &config, run, &mut progress)?;
        let adapters = params
            .personas
            .iter()
            .map(|p| (p.name.clone(), ADAPTER.to_string()))
            .collect();
        (outcome.total_steps, adapters)
    };
    let final_metrics = last_metrics(ctx, &params, per_persona)?;
    let summary = AlignSummary {
        prompts: prompts.len(),
        steps,
        start: if sft.is_some() { "sft" } else { "base" }.into(),
        reward_terms,
        adapters,
        final_metrics,
    };
    write_json(&ctx.out_dir.join(SUMMARY), &summary)?;
    Ok(StageOutput {
        summary: serde_json::json!({
            "prompts": summary.prompts,
            "steps": summary.steps,
            "start": summary.start,
            "per_persona": per_persona,
            "final": summary.final_metrics,
        }),
    })
}

/// Every (context, persona) prompt: the persona's system prompt, then the context.
fn prompt_rows(
    ctx: &StageContext,
    params: &AlignPersonasParams,
) -> miette::Result<Vec<PolicyPrompt>> {
    let mut contexts: Vec<ContextRecord> = Vec::new();
    for input in ctx
        .inputs
        .iter()
        .filter(|i| i.kind == StageKind::LoadDataset)
    {
        contexts.extend(read_jsonl::<ContextRecord>(&input.dir.join(RECORDS))?);
    }
    if contexts.is_empty() {
        return Err(miette::miette!(
            code = "mascot::stage::inputs",
            help = "load a dataset with at least one record (check its `limit` and subsets)",
            "stage `{}`: no contexts to align on",
            ctx.stage.id
        ));
    }
    let mut rows = Vec::with_capacity(contexts.len() * params.personas.len());
    for c in &contexts {
        for p in &params.personas {
            rows.push(PolicyPrompt {
                id: c.id.clone(),
                persona: p.name.clone(),
                messages: vec![
                    ChatMessage::new("system", persona_system_prompt(p)),
                    ChatMessage::new("user", c.context.clone()),
                ],
            });
        }
    }
    Ok(rows)
}

/// The reward terms of an agent-level reward: `rm` (the upstream reward model) and `format`.
fn reward_terms(
    ctx: &StageContext,
    reward: &RewardSpec,
    policy: &LoadedModel,
) -> miette::Result<Vec<WeightedReward>> {
    let mut terms = Vec::with_capacity(reward.terms.len());
    for term in &reward.terms {
        let reward: Box<dyn crate::train::grpo::RewardFn> = match &term.signal {
            RewardSignal::Rm { base } => {
                let rm = ctx.input(StageKind::TrainRewardModel)?;
                let model_dir = rm.dir.join(train_reward_model::MODEL_DIR);
                let adapter_dir = model_dir.join(ADAPTER_DIR);
                // A LoRA reward model rides on the process's one copy of its base.
                let model = if adapter_dir.join("adapter_config.json").is_file() {
                    let base = LoadedModel::load(&without_lora(base), ctx.base_dir)?;
                    load_reward_adapter(base, &adapter_dir, &model_dir)?
                } else {
                    load_reward_model(&model_dir, &base.device)?
                };
                Box::new(RewardModelReward::new("rm", model))
            }
            RewardSignal::Format {
                think_min,
                answer_max,
            } => Box::new(FormatReward::new(
                *think_min,
                *answer_max,
                policy.tokenizer.clone(),
            )),
            other => {
                return Err(miette::miette!(
                    code = "mascot::stage::params",
                    help = "align_personas takes an agent-level reward: rm(<model>) and format(...) terms",
                    "stage `{}`: the reward term {other:?} is a group-level signal",
                    ctx.stage.id
                ));
            }
        };
        terms.push(WeightedReward {
            weight: term.weight,
            reward,
        });
    }
    Ok(terms)
}

/// The last metrics line of the run (of each persona's run with `per_persona`).
fn last_metrics(
    ctx: &StageContext,
    params: &AlignPersonasParams,
    per_persona: bool,
) -> miette::Result<serde_json::Value> {
    let last = |path: &Path| -> miette::Result<serde_json::Value> {
        Ok(read_metrics(path)?.pop().unwrap_or(serde_json::Value::Null))
    };
    if !per_persona {
        return last(&ctx.out_dir.join(METRICS));
    }
    let names: Vec<String> = params.personas.iter().map(|p| p.name.clone()).collect();
    let mut out = serde_json::Map::new();
    for (name, slug) in names.iter().zip(persona_slugs(&names)) {
        out.insert(
            name.clone(),
            last(&ctx.out_dir.join(PERSONAS_DIR).join(slug).join(METRICS))?,
        );
    }
    Ok(serde_json::Value::Object(out))
}
