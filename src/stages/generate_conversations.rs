//! `generate_conversations` (equation 6): the N-turn conversations of one system on one
//! subset, every context played with every simulated user, through the dialogue library's
//! batched turn loop. Writes `conversations.jsonl` and `personas.json`.
//!
//! Models: the speaker policy is the aligned adapter of `align_personas` when the stage reads
//! one, else the SFT adapter of `train_sft`, else the speaker's base model (the planner wires
//! only what the system uses: `mascot` the aligned/SFT policy, `sft` the SFT adapter, the
//! prompting baselines nothing). The director is the `optimize_director` adapter on the
//! director model when present, else the director's base model prompted as the director.
//! The simulated users are played by the pipeline's `user:` model (`params.user`), else by
//! the speaker's base model, always without adapters. Models with the same weights and
//! adapter are loaded once, and every model of the stage shares one copy of the base
//! weights ([`crate::model::shared`]): the adapters are all that differs.

use std::path::{Path, PathBuf};

use crate::data::mbti::MbtiType;
use crate::dialogue::prompts_single::assistant_persona;
use crate::dialogue::{
    ChatModel, ConversationRow, DatasetKind, DialogueProgress, EpisodeStart, Models, SimulatedUser,
    SpeakerOrder, SystemKind, config_from_generate_params, plan_episodes, run_conversations,
    starts_from_records,
};
use crate::model::LoadedModel;
use crate::spec::StageKind;
use crate::spec::model::{ModelSource, ModelSpec};
use crate::spec::persona::Persona;
use crate::spec::stages::generate_conversations::{
    CONVERSATIONS, GenerateConversationsParams, PERSONAS,
};
use crate::spec::stages::load_dataset::RECORDS;
use crate::spec::stages::optimize_director;
use crate::spec::stages::simulated_users::USERS;
use crate::stages::context::{InputArtifact, StageContext, StageProgress};
use crate::stages::output::StageOutput;
use crate::util::{read_jsonl, write_atomic};

/// Bump when what this stage writes changes (reruns `generate_conversations` stages only).
/// 2: the director prompt ends with the answer format, the persona names and an example.
/// 3: replies read by the thinking switch (visible text after `</think>`, the think trace
///    and truncation kept per turn, directive and user reply; truncated replies counted per
///    role in the counters and the summary).
///    the ED situation moved from the top of the conversation block into the system prompts
///    (small models echoed its `Situation (...):` label into their replies).
pub const VERSION: u32 = 3;

/// Where a training stage's artifact keeps its PEFT adapter: `adapter/` (the GRPO and reward
/// trainers' layout), else the artifact's root (`adapter_config.json` at the top).
pub const ADAPTER_SUBDIR: &str = "adapter";

/// Forwards the turn loop's progress (episode-turns) to the stage's bar.
struct Progress<'a>(&'a dyn StageProgress);

impl DialogueProgress for Progress<'_> {
    fn set_total(&self, total: u64) {
        self.0.set_total(total);
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
    fn log(&self, message: &str) {
        self.0.log(message);
    }
}

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: GenerateConversationsParams = ctx.params()?;
    let cfg = config_from_generate_params(&params)?;

    let policy = [StageKind::AlignPersonas, StageKind::TrainSft]
        .into_iter()
        .find_map(|k| ctx.inputs.iter().find(|i| i.kind == k));
    let director_input = ctx
        .inputs
        .iter()
        .find(|i| i.kind == StageKind::OptimizeDirector);
    let mut speaker_adapter = policy.map(|i| adapter_dir(ctx, i)).transpose()?;
    let director_adapter = director_input.map(|i| adapter_dir(ctx, i)).transpose()?;
    // `adapter: shared`: the director trained the speakers' adapter, which both speak with.
    if director_input.is_some_and(shared_adapter) {
        speaker_adapter = director_adapter.clone();
    }

    let users = read_users(ctx)?;
    let mut pool = ModelPool::default();
    let speaker = pool.load(ctx, &params.speaker, speaker_adapter.as_deref())?;
    let director = match &params.director {
        Some(spec) if cfg.effective_order() == Some(SpeakerOrder::Director) => {
            Some(pool.load(ctx, spec, director_adapter.as_deref())?)
        }
        _ => None,
    };
    let user = if users.is_empty() {
        None
    } else {
        Some(pool.load(ctx, params.user.as_ref().unwrap_or(&params.speaker), None)?)
    };
    let models = Models {
        director: director.map(|i| pool.get(i)),
        speakers: vec![pool.get(speaker)],
        user: user.map(|i| pool.get(i)),
    };

    let dataset = ctx.input(StageKind::LoadDataset)?;
    let mut records: Vec<serde_json::Value> = read_jsonl(&dataset.dir.join(RECORDS))?;
    if let Some(limit) = params.limit {
        records.truncate(limit);
    }
    let window = [models.director, Some(models.speakers[0]), models.user]
        .into_iter()
        .flatten()
        .map(|m| m.context_window())
        .min()
        .unwrap_or(0);
    let starts = starts_from_records(&records, models.speakers[0], cfg.transcript_budget(window))?;
    let simulated: Vec<SimulatedUser> = users.into_iter().map(SimulatedUser::mbti).collect();
    let episodes = plan_episodes(&starts, &simulated, 1);

    let who = match &policy {
        Some(p) => format!("speaker: {} adapter", p.kind.as_str()),
        None => "speaker: base model".to_string(),
    };
    let user_model = match (&user, &params.user) {
        (None, _) => None,
        (Some(_), Some(spec)) => Some(model_name(spec)),
        (Some(_), None) => Some("the speaker's base model".to_string()),
    };
    let played_by = user_model
        .as_ref()
        .map(|m| format!("; users played by {m}"))
        .unwrap_or_default();
    let directed = match (cfg.effective_order(), director_input) {
        (Some(SpeakerOrder::Director), Some(_)) => "director: optimize_director adapter",
        (Some(SpeakerOrder::Director), None) => {
            "director: untrained base model (no optimize_director stage)"
        }
        _ => "no director",
    };
    ctx.progress.log(&format!(
        "{}: {} episodes ({} contexts x {} users), {} turns; {who}; {directed}{played_by}",
        cfg.system_id(),
        episodes.len(),
        starts.len(),
        simulated.len().max(1),
        cfg.turns
    ));

    let speakers = speaker_profiles(&params, &starts);
    let rows = run_conversations(
        &cfg,
        &params.personas,
        &episodes,
        &models,
        &Progress(ctx.progress),
    )?;
    let truncated = |f: fn(&ConversationRow) -> usize| rows.iter().map(f).sum::<usize>();
    let cut = [
        ("speaker", truncated(|r| r.counters.truncated_responses)),
        ("director", truncated(|r| r.counters.truncated_directives)),
        ("user", truncated(|r| r.counters.truncated_user_replies)),
    ];
    if cut.iter().any(|(_, n)| *n > 0) {
        let counts: Vec<String> = cut.iter().map(|(role, n)| format!("{role} {n}")).collect();
        ctx.progress.log(&format!(
            "replies cut inside their think block (no visible text): {}; raise `<role>_max_tokens` or set `<role>_thinking: off`",
            counts.join(", ")
        ));
    }
    write_rows(&ctx.out_dir.join(CONVERSATIONS), &rows)?;
    let personas_json = serde_json::to_vec_pretty(&speakers)
        .map_err(|e| miette::miette!("cannot serialise the personas: {e}"))?;
    write_atomic(&ctx.out_dir.join(PERSONAS), &personas_json)
        .map_err(|e| miette::miette!("{e}"))?;
    Ok(StageOutput {
        summary: summary(&params, &rows, &who, directed, user_model.as_deref()),
    })
}

/// A short description of a model's weights for the log line.
fn model_name(spec: &ModelSpec) -> String {
    match &spec.source {
        ModelSource::Tiny(t) => format!("built-in tiny model (seed {})", t.seed),
        ModelSource::HfDir { path } | ModelSource::Gguf { path } => path.display().to_string(),
        ModelSource::Hf { repo, revision } => format!("hf:{repo}@{revision}"),
    }
}

/// The speakers' profiles: the personas, or the baseline's single assistant.
fn speaker_profiles(params: &GenerateConversationsParams, starts: &[EpisodeStart]) -> Vec<Persona> {
    let system = SystemKind::parse(params.system.as_str());
    let persona_baseline = params.persona_speakers && system.is_some_and(|s| s.is_prompting());
    if persona_baseline || system.is_some_and(|s| s.uses_personas()) {
        params.personas.clone()
    } else {
        let dataset = starts
            .first()
            .map(|s| s.dataset)
            .unwrap_or(DatasetKind::EmpatheticDialogues);
        vec![assistant_persona(dataset)]
    }
}

fn write_rows(path: &Path, rows: &[ConversationRow]) -> miette::Result<()> {
    let mut bytes = Vec::new();
    for row in rows {
        serde_json::to_writer(&mut bytes, row)
            .map_err(|e| miette::miette!("cannot serialise a conversation row: {e}"))?;
        bytes.push(b'\n');
    }
    write_atomic(path, &bytes).map_err(|e| miette::miette!("{e}"))
}

fn summary(
    params: &GenerateConversationsParams,
    rows: &[ConversationRow],
    speaker: &str,
    director: &str,
    user_model: Option<&str>,
) -> serde_json::Value {
    let sum = |f: fn(&ConversationRow) -> usize| rows.iter().map(f).sum::<usize>();
    let mut users: Vec<&str> = rows.iter().filter_map(|r| r.user_type.as_deref()).collect();
    users.sort_unstable();
    users.dedup();
    serde_json::json!({
        "system": rows.first().map(|r| r.system.clone()).unwrap_or_else(|| params.system.as_str().to_string()),
        "order": rows.first().map(|r| r.order.as_str()).unwrap_or_default(),
        "seed": params.seed,
        "episodes": rows.len(),
        "turns": sum(|r| r.counters.turns),
        "users": users,
        "model_calls": sum(|r| r.counters.model_calls),
        "director_calls": sum(|r| r.counters.director_calls),
        "parse_failures": sum(|r| r.counters.parse_failures),
        "fallbacks": sum(|r| r.counters.fallbacks),
        "empty_responses": sum(|r| r.counters.empty_responses),
        "truncated": {
            "speaker": sum(|r| r.counters.truncated_responses),
            "director": sum(|r| r.counters.truncated_directives),
            "user": sum(|r| r.counters.truncated_user_replies),
        },
        "format_fallbacks": sum(|r| r.counters.format_fallbacks),
        "output_tokens": sum(|r| r.counters.tokens.output),
        "speaker_policy": speaker,
        "director": director,
        "user_model": user_model,
    })
}

/// Whether an `optimize_director` artifact trained the speakers' own adapter.
fn shared_adapter(input: &InputArtifact) -> bool {
    std::fs::read(input.dir.join(optimize_director::SUMMARY))
        .ok()
        .and_then(|b| serde_json::from_slice::<optimize_director::DirectorSummary>(&b).ok())
        .is_some_and(|s| s.shared_adapter)
}

/// The MBTI users of the `simulated_users` input; none when the stage has no such input.
pub fn read_users(ctx: &StageContext) -> miette::Result<Vec<MbtiType>> {
    let Some(input) = ctx
        .inputs
        .iter()
        .find(|i| i.kind == StageKind::SimulatedUsers)
    else {
        return Ok(Vec::new());
    };
    let path = input.dir.join(USERS);
    let bytes =
        std::fs::read(&path).map_err(|e| miette::miette!("cannot read {}: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        miette::miette!(
            code = "mascot::stage::inputs",
            help = "users.json is written by the simulated_users stage; run it again",
            "{}:{}:{}: invalid users: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// The PEFT adapter folder of a training stage's artifact.
pub fn adapter_dir(ctx: &StageContext, input: &InputArtifact) -> miette::Result<PathBuf> {
    [input.dir.join(ADAPTER_SUBDIR), input.dir.clone()]
        .into_iter()
        .find(|d| d.join("adapter_config.json").is_file())
        .ok_or_else(|| {
            miette::miette!(
                code = "mascot::stage::inputs",
                help = format!(
                    "a {} artifact holds a PEFT adapter in `{ADAPTER_SUBDIR}/` (adapter_config.json, adapter_model.safetensors); rebuild it with `mascot cache verify` or rerun the stage",
                    input.kind.as_str()
                ),
                "stage `{}`: the {} artifact `{}` has no PEFT adapter ({})",
                ctx.stage.id,
                input.kind.as_str(),
                input.id,
                input.dir.display()
            )
        })
}

/// Loaded models, one per distinct (spec, adapter).
#[derive(Default)]
struct ModelPool {
    loaded: Vec<(String, Option<PathBuf>, LoadedModel)>,
}

impl ModelPool {
    fn load(
        &mut self,
        ctx: &StageContext,
        spec: &ModelSpec,
        adapter: Option<&Path>,
    ) -> miette::Result<usize> {
        let key = serde_json::to_string(spec)
            .map_err(|e| miette::miette!("cannot serialise a model spec: {e}"))?;
        if let Some(i) = self
            .loaded
            .iter()
            .position(|(k, a, _)| *k == key && a.as_deref() == adapter)
        {
            return Ok(i);
        }
        // Never the fresh adapter a declared `lora:` would attach: conversations run the base
        // weights or the trained adapter given here.
        let mut model =
            LoadedModel::load(&crate::stages::grpo_run::without_lora(spec), ctx.base_dir)?;
        if let Some(dir) = adapter {
            model = model.with_adapter(dir)?;
        }
        self.loaded
            .push((key, adapter.map(Path::to_path_buf), model));
        Ok(self.loaded.len() - 1)
    }

    fn get(&self, i: usize) -> &dyn ChatModel {
        &self.loaded[i].2
    }
}
