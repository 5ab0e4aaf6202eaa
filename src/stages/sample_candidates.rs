//! `sample_candidates` (equation 1): for every (context, persona) pair, K responses
//! `y_k ~ pi(. | x, rho_i)` from the stage's model, in batches, seeded; or from a `teacher`
//! (B.2), K cached calls per (context, persona) at the stage's temperature (token counts 0:
//! the teacher's tokenizer is unknown). When the pipeline has
//! `train_sft` (and the stage samples with the speaker), the planner makes its artifact an
//! input and the policy is pi_SFT: the speaker with the SFT adapter attached. Writes
//! `candidates.jsonl` (one line per response) and `personas.json` (the system prompts used).

use crate::judge::{CachedChat, CallCache, chat_backend_from_spec};
use crate::spec::StageKind;
use crate::spec::persona_prompt::persona_system_prompt;
use crate::spec::stages::load_dataset::{ContextRecord, RECORDS};
use crate::spec::stages::sample_candidates::{
    CANDIDATES, Candidate, PERSONAS, PersonaPrompt, SampleCandidatesParams,
};
use crate::stages::context::StageContext;
use crate::stages::output::StageOutput;
use crate::stages::sampler::{Message, ModelSampler, ResponseSampler};
use crate::stages::teacher::Teacher;
use crate::util::{read_jsonl, write_json, write_jsonl};

/// Bump when what this stage writes changes (reruns `sample_candidates` stages only). 2: the
/// summary counts the replies cut short by the model's context (`cut_by_context`).
pub const VERSION: u32 = 2;

/// Conversations sent to the model in one call.
pub const BATCH: usize = 8;

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: SampleCandidatesParams = ctx.params()?;
    if let Some(teacher) = &params.teacher {
        // B.2: the teacher samples at the stage's temperature, K calls per prompt, cached.
        let spec = teacher.with_temperature(params.decoding.temperature);
        let chat = CachedChat::new(
            chat_backend_from_spec(&spec, ctx.base_dir)?,
            Some(CallCache::open(ctx.calls_dir)?),
        );
        let teacher = Teacher::new(chat, None);
        ctx.progress.log(&format!(
            "sampling from the teacher at temperature {}",
            params.decoding.temperature
        ));
        let mut out = sample_with(ctx, &params, &teacher)?;
        let stats = *teacher.stats.borrow();
        out.summary["teacher"] = serde_json::json!({
            "calls": stats.calls,
            "cache_hits": stats.cache_hits,
        });
        return Ok(out);
    }
    let Some(model) = &params.model else {
        miette::bail!(
            "sample_candidates: the plan names neither a model nor a teacher to sample from"
        );
    };
    let sft = ctx.inputs.iter().find(|i| i.kind == StageKind::TrainSft);
    let sampler = match sft {
        Some(sft) => {
            ctx.progress.log(&format!(
                "sampling with the SFT adapter of `{}` (pi_SFT)",
                sft.id
            ));
            ModelSampler::load_with_adapter(model, ctx.base_dir, &sft.dir)?
        }
        None => ModelSampler::load(model, ctx.base_dir)?,
    };
    sample_with(ctx, &params, &sampler)
}

/// The stage body, with the model given (tests pass a scripted sampler).
pub fn sample_with(
    ctx: &StageContext,
    params: &SampleCandidatesParams,
    sampler: &dyn ResponseSampler,
) -> miette::Result<StageOutput> {
    if params.k < 2 {
        return Err(miette::miette!(
            code = "mascot::stage::k",
            help = "equation 1 compares K >= 2 responses per (context, persona)",
            "stage `{}`: k = {} is too small",
            ctx.stage.id,
            params.k
        ));
    }
    if params.personas.is_empty() {
        return Err(miette::miette!(
            code = "mascot::stage::personas",
            help = "give the stage at least one persona",
            "stage `{}`: no personas to sample for",
            ctx.stage.id
        ));
    }
    let dataset = ctx.input(StageKind::LoadDataset)?;
    let mut contexts: Vec<ContextRecord> = read_jsonl(&dataset.dir.join(RECORDS))?;
    if let Some(limit) = params.limit {
        contexts.truncate(limit);
    }
    let prompts: Vec<(String, String)> = params
        .personas
        .iter()
        .map(|p| (p.name.clone(), persona_system_prompt(p)))
        .collect();
    write_json(
        &ctx.out_dir.join(PERSONAS),
        &prompts
            .iter()
            .map(|(persona, system_prompt)| PersonaPrompt {
                persona: persona.clone(),
                system_prompt: system_prompt.clone(),
            })
            .collect::<Vec<_>>(),
    )?;

    // Every (context, persona, k) request, in a fixed order.
    let mut requests = Vec::with_capacity(contexts.len() * prompts.len() * params.k);
    for c in &contexts {
        for (name, system) in &prompts {
            for k in 0..params.k {
                requests.push((c, name, system, k));
            }
        }
    }
    ctx.progress.set_total(requests.len() as u64);
    let mut candidates = Vec::with_capacity(requests.len());
    let mut cut_by_context = 0usize;
    for (b, batch) in requests.chunks(BATCH).enumerate() {
        let conversations: Vec<Vec<Message>> = batch
            .iter()
            .map(|(c, _, system, _)| {
                vec![
                    Message {
                        role: "system".into(),
                        content: (*system).clone(),
                    },
                    Message {
                        role: "user".into(),
                        content: c.context.clone(),
                    },
                ]
            })
            .collect();
        let out = sampler.sample(&conversations, &params.decoding, batch_seed(params.seed, b))?;
        if out.len() != batch.len() {
            return Err(miette::miette!(
                "stage `{}`: the model returned {} responses for a batch of {}",
                ctx.stage.id,
                out.len(),
                batch.len()
            ));
        }
        for ((c, name, _, k), s) in batch.iter().zip(out) {
            cut_by_context += usize::from(s.cut_by_context);
            candidates.push(Candidate {
                context_id: c.id.clone(),
                persona: (*name).clone(),
                k: *k,
                context: c.context.clone(),
                response: s.text,
                prompt_tokens: s.prompt_tokens,
                output_tokens: s.output_tokens,
            });
        }
        ctx.progress.inc(batch.len() as u64);
    }
    let n = write_jsonl(&ctx.out_dir.join(CANDIDATES), &candidates)?;
    let output_tokens: usize = candidates.iter().map(|c| c.output_tokens).sum();
    ctx.progress.log(&format!(
        "{n} candidates: {} contexts x {} personas x K={}",
        contexts.len(),
        prompts.len(),
        params.k
    ));
    if cut_by_context > 0 {
        ctx.progress.log(&format!(
            "{cut_by_context} of {n} replies were cut short by the model's context (prompt + reply), before max_tokens = {}",
            params.decoding.max_tokens
        ));
    }
    Ok(StageOutput {
        summary: serde_json::json!({
            "contexts": contexts.len(),
            "personas": prompts.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            "k": params.k,
            "candidates": n,
            "output_tokens": output_tokens,
            "cut_by_context": cut_by_context,
            "seed": params.seed,
            "batch": BATCH,
        }),
    })
}

/// The seed of batch `b`: distinct per batch, fixed by the stage seed.
fn batch_seed(seed: u64, b: usize) -> u64 {
    let h = blake3::hash(format!("{seed}/{b}").as_bytes());
    u64::from_le_bytes(h.as_bytes()[..8].try_into().unwrap_or([0; 8]))
}
