//! `train_sft`: demonstrations for every (context, persona) of its datasets, then the `train`
//! library's SFT trainer (LoRA on the speaker, loss on the reply tokens only). A teacher
//! (`openai` or `local` backend) answers the persona's system prompt and the context, its
//! calls cached in the store's `calls/`; without a teacher the reply is the dataset's own
//! (the Empathetic Dialogues listener's first turn). Checkpoints go to the stage's work
//! directory; the artifact holds the PEFT adapter, `metrics.jsonl`, `sft_summary.json` and
//! `demonstrations.jsonl`. With `demonstrations: trajectories` the teacher plays whole
//! conversations instead (`crate::stages::sft_trajectories`), written to
//! `trajectories.jsonl`, and each persona's turns are trained with the earlier turns as
//! context, the loss on its turns only.

use serde::Deserialize;

use crate::judge::{
    CachedChat, CallCache, ChatRequest, FailureReport, Judged, MaxFailures, Outcome,
    chat_backend_from_spec,
};
use crate::model::{ChatMessage, LoadedModel};
use crate::spec::StageKind;
use crate::spec::persona_prompt::persona_system_prompt;
use crate::spec::stages::load_dataset::RECORDS;
use crate::spec::stages::train_sft::{DEMOS, TRAJECTORIES, TrainSftParams};
use crate::stages::context::StageContext;
use crate::stages::micro_batches::{SFT_MICRO_BATCH, micro_batches};
use crate::stages::output::StageOutput;
use crate::stages::sft_trajectories::teacher_trajectories;
use crate::stages::teacher::Teacher;
use crate::stages::train_progress::{StageTrainProgress, checkpoint_every};
use crate::train::sft::{SftConfig, SftExample, SftRun, paper_lora, train_sft};
use crate::train::{LoopConfig, OptimizerConfig};
use crate::util::{read_jsonl, write_jsonl};

/// Bump when what this stage writes changes (reruns `train_sft` stages only).
/// 2: LoRA dropout masks drawn from the run's seed and step (reproducible runs).
/// 3: at most 2 examples per forward pass, gradients accumulated over the batch (the
///    quickstart's batch of 4 held 2.7 GiB, the learning experiment's batch of 8 5.2 GiB).
pub const VERSION: u32 = 3;

/// Optimizer steps between checkpoints.
pub const CHECKPOINT_EVERY: usize = 25;

/// Most tokens of a teacher's reply.
pub const TEACHER_MAX_TOKENS: u32 = 512;

/// What the stage reads of a `load_dataset` record.
#[derive(Debug, Deserialize)]
struct Record {
    id: String,
    context: String,
    /// Empathetic Dialogues utterances (absent for QMSum).
    #[serde(default)]
    turns: Vec<Utterance>,
}

#[derive(Debug, Deserialize)]
struct Utterance {
    speaker_idx: u32,
    utterance: String,
}

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: TrainSftParams = ctx.params()?;
    if params.personas.is_empty() {
        return Err(miette::miette!(
            code = "mascot::stage::personas",
            help = "give the pipeline at least one persona",
            "stage `{}`: no personas to demonstrate",
            ctx.stage.id
        ));
    }
    let mut records: Vec<Record> = Vec::new();
    for input in ctx
        .inputs
        .iter()
        .filter(|i| i.kind == StageKind::LoadDataset)
    {
        records.extend(read_jsonl::<Record>(&input.dir.join(RECORDS))?);
    }
    let prompts: Vec<(String, Vec<ChatMessage>)> = records
        .iter()
        .flat_map(|r| {
            params.personas.iter().map(move |p| {
                (
                    format!("{}/{}", r.id, p.name),
                    vec![
                        ChatMessage::new("system", persona_system_prompt(p)),
                        ChatMessage::new("user", r.context.clone()),
                    ],
                )
            })
        })
        .collect();
    let mut base_spec = params.model.clone();
    base_spec.lora = None;
    let base = LoadedModel::load_trainable(&base_spec, ctx.base_dir)?;
    let (examples, demo_summary) = match &params.teacher {
        Some(teacher) if params.trajectories() => {
            let chat = CachedChat::new(
                chat_backend_from_spec(teacher, ctx.base_dir)?,
                Some(CallCache::open(ctx.calls_dir)?),
            );
            let teacher = Teacher::new(chat, Some(&base));
            let mut values: Vec<serde_json::Value> = Vec::new();
            for input in ctx
                .inputs
                .iter()
                .filter(|i| i.kind == StageKind::LoadDataset)
            {
                values.extend(read_jsonl::<serde_json::Value>(&input.dir.join(RECORDS))?);
            }
            let max_tokens = params.max_tokens.unwrap_or(TEACHER_MAX_TOKENS as usize);
            let (demos, rows) = teacher_trajectories(ctx, &params, &teacher, &values, max_tokens)?;
            write_jsonl(&ctx.out_dir.join(TRAJECTORIES), &rows)?;
            write_jsonl(&ctx.out_dir.join(DEMOS), &demos)?;
            let stats = *teacher.stats.borrow();
            let summary = serde_json::json!({
                "source": "teacher_trajectories",
                "conversations": rows.len(),
                "demonstrations": demos.len(),
                "assistant_turns": demos.iter().map(|d| d.turns).sum::<usize>(),
                "teacher_calls": stats.calls,
                "cache_hits": stats.cache_hits,
                "parse_failures": rows.iter().map(|r| r.counters.parse_failures).sum::<usize>(),
            });
            if demos.is_empty() {
                return Err(miette::miette!(
                    code = "mascot::stage::sft_data",
                    help = "the teacher's conversations had no persona turn with text: check \
                            the teacher's answers in `trajectories.jsonl`",
                    "stage `{}`: no demonstration in {} teacher conversations",
                    ctx.stage.id,
                    rows.len()
                ));
            }
            (demos.into_iter().map(|d| d.example).collect(), summary)
        }
        Some(teacher) => {
            let cache = CallCache::open(ctx.calls_dir)?;
            let chat = CachedChat::new(chat_backend_from_spec(teacher, ctx.base_dir)?, Some(cache));
            let requests: Vec<ChatRequest> = prompts
                .iter()
                .map(|(_, messages)| ChatRequest {
                    messages: messages.clone(),
                    max_tokens: Some(TEACHER_MAX_TOKENS),
                })
                .collect();
            ctx.progress.log(&format!(
                "asking the teacher for {} demonstrations",
                requests.len()
            ));
            let (answers, stats) = chat.generate(&requests)?;
            let mut judged = Vec::with_capacity(answers.len());
            let mut examples = Vec::new();
            for ((id, prompt), answer) in prompts.iter().zip(answers) {
                let outcome = match answer {
                    Ok(text) if !text.trim().is_empty() => {
                        examples.push(SftExample {
                            prompt: prompt.clone(),
                            completion: vec![ChatMessage::new("assistant", text)],
                        });
                        Outcome::Scored {
                            scores: Default::default(),
                        }
                    }
                    Ok(_) => Outcome::failed(
                        crate::judge::FailureKind::Rejected,
                        "the teacher answered with an empty reply",
                    ),
                    Err(f) => Outcome::failed(f.kind, f.reason),
                };
                judged.push(Judged {
                    id: id.clone(),
                    outcome,
                });
            }
            let report = FailureReport::of(&judged);
            report.check(MaxFailures::default())?;
            (
                examples,
                serde_json::json!({
                    "source": "teacher",
                    "teacher_calls": stats.calls,
                    "cache_hits": stats.cache_hits,
                    "failed": report.failed,
                    "first_failures": report.first.iter()
                        .map(|(id, kind, reason)| serde_json::json!({"id": id, "kind": kind, "reason": reason}))
                        .collect::<Vec<_>>(),
                }),
            )
        }
        None => dataset_demos(ctx, &params, &records)?,
    };
    if !params.trajectories() {
        write_jsonl(&ctx.out_dir.join(DEMOS), &examples)?;
    }

    let lora = params
        .lora
        .clone()
        .or_else(|| params.model.lora.clone())
        .unwrap_or_else(paper_lora);
    let (micro, accum) = micro_batches(params.batch, SFT_MICRO_BATCH);
    let config = SftConfig {
        train: LoopConfig {
            epochs: params.epochs,
            batch: micro,
            grad_accum: accum * params.grad_accum,
            seed: params.seed,
            checkpoint_every: checkpoint_every(CHECKPOINT_EVERY),
            ..LoopConfig::default()
        },
        optimizer: OptimizerConfig {
            lr: params.lr,
            ..OptimizerConfig::default()
        },
        max_length: params.max_length,
        lora: Some(lora),
    };
    let mut progress = StageTrainProgress::new(ctx.progress, &["loss"]);
    let summary = train_sft(
        base,
        &examples,
        &config,
        SftRun {
            out_dir: ctx.out_dir,
            checkpoint_dir: Some(ctx.work_dir),
            progress: &mut progress,
        },
    )?;
    Ok(StageOutput {
        summary: serde_json::json!({
            "demonstrations": demo_summary,
            "examples": summary.examples,
            "examples_used": summary.examples_used,
            "examples_truncated": summary.examples_truncated,
            "examples_dropped": summary.examples_dropped,
            "completion_tokens": summary.completion_tokens,
            "steps": summary.steps,
            "resumed_from_step": summary.resumed_from_step,
            "trainable_parameters": summary.trainable_parameters,
            "final_loss": summary.final_loss,
        }),
    })
}

/// Demonstrations from the dataset's own replies: the first turn of another speaker than the
/// context's (the Empathetic Dialogues listener), for every persona.
fn dataset_demos(
    ctx: &StageContext,
    params: &TrainSftParams,
    records: &[Record],
) -> miette::Result<(Vec<SftExample>, serde_json::Value)> {
    let mut examples = Vec::new();
    let mut without_reply = 0usize;
    for r in records {
        let reply = r.turns.first().and_then(|first| {
            r.turns
                .iter()
                .find(|t| t.speaker_idx != first.speaker_idx && !t.utterance.trim().is_empty())
        });
        let Some(reply) = reply else {
            without_reply += 1;
            continue;
        };
        for p in &params.personas {
            examples.push(SftExample::simple(
                &persona_system_prompt(p),
                &r.context,
                &reply.utterance,
            ));
        }
    }
    if examples.is_empty() {
        return Err(miette::miette!(
            code = "mascot::stage::sft_data",
            help = "without a `teacher`, train_sft learns the dataset's own replies (Empathetic \
                    Dialogues listener turns); give `teacher: <judge>` for datasets without \
                    replies (QMSum)",
            "stage `{}`: none of the {} records has a reply to learn from",
            ctx.stage.id,
            records.len()
        ));
    }
    Ok((
        examples,
        serde_json::json!({
            "source": "dataset",
            "records_without_reply": without_reply,
        }),
    ))
}
