//! `sample_candidates` (equation 1): for every (context, persona) pair, K responses
//! `y_k ~ pi(. | x, rho_i)` from the stage's model, in batches, seeded. Writes
//! `candidates.jsonl` (one line per response) and `personas.json` (the system prompts used).

use serde::{Deserialize, Serialize};

use crate::plan::StageKind;
use crate::plan::params::SampleCandidatesParams;
use crate::stages::context::StageContext;
use crate::stages::dispatch::StageOutput;
use crate::stages::jsonl::{read_jsonl, write_json, write_jsonl};
use crate::stages::load_dataset::{ContextRecord, RECORDS};
use crate::stages::persona_prompt::persona_system_prompt;

/// Conversations sent to the model in one call.
pub const BATCH: usize = 8;

/// One chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: String,
    pub content: String,
}

/// Decoding settings of one batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoding {
    pub max_tokens: usize,
    pub temperature: f32,
    pub top_k: Option<usize>,
    pub top_p: f32,
    pub seed: u64,
}

/// One sampled response.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampled {
    pub text: String,
    pub prompt_tokens: usize,
    pub output_tokens: usize,
}

/// A chat model that samples one response per conversation.
pub trait ResponseSampler {
    fn sample(
        &self,
        conversations: &[Vec<Message>],
        decoding: &Decoding,
    ) -> miette::Result<Vec<Sampled>>;
}

/// One line of `candidates.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub context_id: String,
    pub persona: String,
    /// 0-based index among the K samples of this (context, persona).
    pub k: usize,
    pub context: String,
    pub response: String,
    pub prompt_tokens: usize,
    pub output_tokens: usize,
}

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: SampleCandidatesParams = ctx.params()?;
    let sampler = crate::stages::sample_candidates_model::load_sampler(&params, ctx.base_dir)?;
    sample_with(ctx, &params, sampler.as_ref())
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
    let dataset = ctx
        .inputs
        .iter()
        .find(|i| i.kind == StageKind::LoadDataset)
        .ok_or_else(|| {
            miette::miette!(
                code = "mascot::stage::inputs",
                help = "sample_candidates reads the contexts of one load_dataset stage",
                "stage `{}` has no load_dataset input",
                ctx.stage.id
            )
        })?;
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
        &ctx.out_dir.join("personas.json"),
        &prompts
            .iter()
            .map(|(n, s)| serde_json::json!({ "persona": n, "system_prompt": s }))
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
        let decoding = Decoding {
            max_tokens: params.max_tokens,
            temperature: params.temperature,
            top_k: params.top_k,
            top_p: params.top_p,
            seed: batch_seed(params.seed, b),
        };
        let out = sampler.sample(&conversations, &decoding)?;
        if out.len() != batch.len() {
            return Err(miette::miette!(
                "stage `{}`: the model returned {} responses for a batch of {}",
                ctx.stage.id,
                out.len(),
                batch.len()
            ));
        }
        for ((c, name, _, k), s) in batch.iter().zip(out) {
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
    let n = write_jsonl(&ctx.out_dir.join("candidates.jsonl"), &candidates)?;
    let output_tokens: usize = candidates.iter().map(|c| c.output_tokens).sum();
    ctx.progress.log(&format!(
        "{n} candidates: {} contexts x {} personas x K={}",
        contexts.len(),
        prompts.len(),
        params.k
    ));
    Ok(StageOutput {
        summary: serde_json::json!({
            "contexts": contexts.len(),
            "personas": prompts.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            "k": params.k,
            "candidates": n,
            "output_tokens": output_tokens,
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
