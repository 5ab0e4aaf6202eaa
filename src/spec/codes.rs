//! The registry of error codes: every code mascot reports, with what it means, in one table.
//! Language diagnostics are `E…` (errors) and `W…` (warnings), shown as `mascot::E013`; the
//! other codes name the layer that reports them. `docs/errors.md` is rendered from this
//! table, and a test checks both ways that every code used in `src/` is here and every code
//! here is used.

/// One code and its one-line meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    pub code: &'static str,
    pub meaning: &'static str,
}

const fn c(code: &'static str, meaning: &'static str) -> ErrorCode {
    ErrorCode { code, meaning }
}

/// Every code, language codes first, then by layer.
pub const CODES: &[ErrorCode] = &[
    c("E001", "a source file is not valid UTF-8"),
    c(
        "E002",
        "syntax error (including brackets nested more than 64 deep)",
    ),
    c("E003", "a source file or an imported file cannot be read"),
    c("E004", "the imports form a cycle"),
    c(
        "E005",
        "a name is declared twice, or listed twice in one list",
    ),
    c("E006", "a reference names no declaration"),
    c("E007", "a reference names a declaration of another kind"),
    c("E008", "unknown field"),
    c("E009", "a field is given twice"),
    c("E010", "a required field is missing"),
    c(
        "E011",
        "a value of the wrong type, or arguments in the wrong shape",
    ),
    c("E012", "a value out of its range"),
    c(
        "E013",
        "a reward of the wrong level (agent-level where group-level is needed, or mixed)",
    ),
    c(
        "E014",
        "a malformed reward expression (no signal, two signals multiplied, unknown signal)",
    ),
    c("E015", "unknown stage"),
    c("E016", "a stage appears twice in the pipeline"),
    c(
        "E017",
        "the pipeline (or a variant) lacks what a stage needs: another stage or a setting",
    ),
    c("E018", "an invalid or duplicate variant name"),
    c(
        "E019",
        "a variant or sweep names a stage the pipeline does not have",
    ),
    c("E020", "no experiment header, or a second one"),
    c("E021", "a tiny model whose sizes do not fit together"),
    c("E022", "unknown symbol or call form for a field"),
    c(
        "E023",
        "an experiment header, pipeline, variant or sweep in an imported file",
    ),
    c("E024", "a second pipeline block"),
    c(
        "E028",
        "a sweep with no values, an axis given twice, or too many combinations",
    ),
    c(
        "E029",
        "an absolute path (paths are relative to the file that names them)",
    ),
    c(
        "E030",
        "an API key where the name of its environment variable belongs",
    ),
    c("E031", "a sweep applies to a variant that does not exist"),
    c(
        "E032",
        "a `max_tokens` that does not fit the speaker model's context",
    ),
    c("E033", "a second `executor` declaration"),
    c("E034", "an `executor` declaration names no executor"),
    c(
        "E035",
        "an executor setting SLURM does not accept (time, memory size, count, sbatch option)",
    ),
    c(
        "E036",
        "a model `dtype` its device cannot run (the runtime computes in f32)",
    ),
    c(
        "E037",
        "a rubric criterion the heuristic judge has no proxy for (or a scale it cannot score)",
    ),
    c(
        "E099",
        "internal error: a field table and the code reading it disagree (a bug)",
    ),
    c("W001", "a declaration of the experiment file is never used"),
    c("W002", "the experiment has no pipeline"),
    c(
        "W003",
        "a variant's `set` gives the value the pipeline already has",
    ),
    c(
        "W004",
        "a number far outside its field's usual range (`temperature: 80`)",
    ),
    c(
        "W005",
        "a dataset folder or split that does not exist (yet); a note, not a warning, for a split of the original release the researcher provides (the Empathetic Dialogues `train.csv`)",
    ),
    c(
        "W006",
        "a thinking model's token budget cannot hold its reasoning (replies cut inside `<think>`)",
    ),
    c(
        "mascot::plan::invalid_build",
        "the planner made a plan that fails its own checks (a bug)",
    ),
    c(
        "mascot::plan::lowering",
        "a stage kind could not lower its checked fields (a bug)",
    ),
    c(
        "mascot::run::compile",
        "the experiment given to `mascot run` has errors",
    ),
    c(
        "mascot::run::io",
        "the file given to `mascot run` cannot be read",
    ),
    c(
        "mascot::run::plan_json",
        "a JSON plan is not valid JSON of a plan's shape",
    ),
    c(
        "mascot::run::plan_invalid",
        "a JSON plan fails the plan checks (edited by hand: wrong key, cycle)",
    ),
    c(
        "mascot::report::score_row",
        "a `scores.jsonl` row is malformed or does not fit its rubric",
    ),
    c(
        "mascot::report::rubric",
        "an evaluation's rubric cannot be aggregated (no criteria, duplicate names, bad scale)",
    ),
    c(
        "mascot::report::metrics_row",
        "a training stage's `metrics.jsonl` line is malformed",
    ),
    c(
        "mascot::report::transcript",
        "an example transcript lacks its labels or turns",
    ),
    c(
        "mascot::report::input",
        "the report's inputs disagree (another judge or other rubrics)",
    ),
    c(
        "mascot::report::io",
        "a report file cannot be read or written",
    ),
    c("mascot::report::plot", "a plot could not be drawn (a bug)"),
    c(
        "mascot::report::template",
        "a report template could not be rendered (a bug)",
    ),
    c(
        "mascot::chat::variant",
        "`mascot chat --variant` names no variant of the experiment",
    ),
    c(
        "mascot::chat::no_group",
        "the variant given to `mascot chat` generates no MASCOT conversations",
    ),
    c(
        "mascot::chat::untrained",
        "a trained stage the chat group needs (aligned speakers, director) is not in the store",
    ),
    c(
        "mascot::chat::adapter",
        "a training artifact the chat group needs holds no LoRA adapter",
    ),
    c(
        "mascot::run::slurm_flags",
        "SLURM flags (`--partition`, `--slurm-arg`, ...) given where the run is local",
    ),
    c(
        "mascot::exec::io",
        "the artifact store cannot be read or written",
    ),
    c(
        "mascot::exec::json",
        "a store file (manifest, record) is not valid JSON",
    ),
    c(
        "mascot::exec::unknown_variant",
        "`--variant` names no variant of the plan",
    ),
    c(
        "mascot::exec::external_input",
        "an external file of a stage cannot be read",
    ),
    c(
        "mascot::exec::input_not_keyed",
        "a stage was keyed before its input (a bug)",
    ),
    c(
        "mascot::exec::thread_pool",
        "the executor cannot start its threads",
    ),
    c(
        "mascot::exec::unknown_stage",
        "`mascot exec-stage` names no stage of the plan",
    ),
    c(
        "mascot::exec::not_keyed",
        "`mascot exec-stage`: the stage's key cannot be computed (an external file is missing)",
    ),
    c(
        "mascot::exec::key_changed",
        "`mascot exec-stage`: the stage's key differs from the one it was submitted with",
    ),
    c(
        "mascot::exec::input_not_built",
        "`mascot exec-stage`: an input of the stage is not in the store",
    ),
    c(
        "mascot::exec::lock_lost",
        "a stage's lock was taken over while it was being built (stalled heartbeat)",
    ),
    c(
        "mascot::slurm::missing_command",
        "`--executor slurm`: the SLURM client commands are not installed here",
    ),
    c(
        "mascot::slurm::command",
        "a SLURM command (sbatch, squeue, scontrol, scancel) failed",
    ),
    c(
        "mascot::slurm::output",
        "a SLURM command printed something mascot cannot read",
    ),
    c(
        "mascot::slurm::setting",
        "an invalid SLURM setting (partition, time, memory, sbatch argument)",
    ),
    c(
        "mascot::slurm::signals",
        "the Ctrl-C/SIGTERM handler cannot be installed",
    ),
    c(
        "mascot::stage::params",
        "a stage's parameters do not have its kind's shape",
    ),
    c(
        "mascot::stage::inputs",
        "a stage lacks the input artifact it reads",
    ),
    c(
        "mascot::stage::not_executable",
        "this build cannot run the stage's kind yet",
    ),
    c(
        "mascot::stage::k",
        "sample_candidates was asked for fewer than 2 candidates",
    ),
    c(
        "mascot::stage::personas",
        "a sampling stage has no personas",
    ),
    c(
        "mascot::stage::sft_data",
        "train_sft found no demonstration to learn from (no teacher, no dataset replies)",
    ),
    c(
        "mascot::stage::teacher",
        "a teacher call failed after its retries (sampling candidates or SFT trajectories)",
    ),
    c(
        "mascot::stage::unknown_mbti",
        "simulated_users was given a code that is not an MBTI type",
    ),
    c(
        "mascot::jsonl::io",
        "a JSON or JSON Lines file cannot be read or written",
    ),
    c(
        "mascot::jsonl::record",
        "a line of a JSON Lines file is not a valid record",
    ),
    c(
        "mascot::jsonl::encode",
        "a record cannot be encoded as JSON",
    ),
    c("mascot::data::io", "a dataset file cannot be read"),
    c(
        "mascot::data::ed_header",
        "an Empathetic Dialogues CSV has an unexpected header",
    ),
    c(
        "mascot::data::qmsum_json",
        "a QMSum meeting file is not valid JSON of its shape",
    ),
    c(
        "mascot::data::qmsum_empty",
        "a QMSum split folder holds no meetings",
    ),
    c("mascot::gguf::io", "a GGUF file cannot be read"),
    c("mascot::gguf::bad_magic", "the file is not a GGUF file"),
    c("mascot::gguf::version", "unsupported GGUF version"),
    c(
        "mascot::gguf::corrupt",
        "a GGUF file is truncated or inconsistent",
    ),
    c(
        "mascot::gguf::bad_tensor",
        "a GGUF tensor has an invalid shape or offset",
    ),
    c(
        "mascot::gguf::unsupported_type",
        "a GGUF tensor type cannot be dequantised",
    ),
    c(
        "mascot::gguf::missing_tensor",
        "a tensor the architecture needs is not in the GGUF file",
    ),
    c(
        "mascot::gguf::metadata",
        "GGUF metadata is missing or of the wrong type",
    ),
    c(
        "mascot::gguf::tokenizer",
        "the tokenizer embedded in a GGUF file cannot be built",
    ),
    c("model::io", "a model file cannot be read"),
    c(
        "model::corrupt_file",
        "a model file exists but cannot be parsed",
    ),
    c("model::config", "a model configuration is invalid"),
    c(
        "model::missing_tensor",
        "a tensor the architecture needs is missing",
    ),
    c(
        "model::shape_mismatch",
        "a tensor does not have the shape the configuration implies",
    ),
    c(
        "model::unsupported_dtype",
        "a tensor's dtype cannot be loaded",
    ),
    c("model::tokenizer", "the tokenizer failed"),
    c("model::chat_template", "the chat template failed to render"),
    c(
        "model::device",
        "the device is unknown or cannot be initialised",
    ),
    c("model::unsupported", "a model feature is not supported"),
    c("model::invalid_input", "invalid input to the model runtime"),
    c(
        "mascot::dialogue::coherence",
        "a coherence score for a conversation is outside [0, 1]",
    ),
    c(
        "mascot::dialogue::completions",
        "a model returned a different number of completions than prompts",
    ),
    c(
        "mascot::dialogue::config",
        "invalid conversation setup (system, personas, order, turns)",
    ),
    c(
        "mascot::dialogue::model",
        "a speaker, director or user model failed during a conversation turn",
    ),
    c(
        "mascot::dialogue::record",
        "a dataset record cannot start a conversation",
    ),
    c(
        "mascot::judge::api_key",
        "the environment variable named by a judge's `api_key_env` is not set",
    ),
    c(
        "mascot::judge::cache",
        "the judge call cache cannot be read or written",
    ),
    c("mascot::judge::config", "invalid judge configuration"),
    c(
        "mascot::judge::level",
        "an item is judged with a rubric of the other level (agent vs group)",
    ),
    c(
        "mascot::judge::local_model",
        "the local judge model cannot be loaded",
    ),
    c(
        "mascot::judge::prompt",
        "the judge prompt cannot be rendered",
    ),
    c(
        "mascot::judge::rubric",
        "invalid rubric (no criterion, duplicate names or a bad scale)",
    ),
    c(
        "mascot::judge::too_many_failures",
        "more judgements failed than the failure policy allows",
    ),
    c(
        "mascot::judge::unknown_criterion",
        "the heuristic judge has no proxy for a criterion",
    ),
    c(
        "mascot::train::bad_record",
        "a training record (preference pair, demonstration) is invalid",
    ),
    c(
        "mascot::train::checkpoint_mismatch",
        "a checkpoint was written by a run with other settings",
    ),
    c("mascot::train::config", "an invalid training setting"),
    c(
        "mascot::train::corrupt",
        "a checkpoint, adapter or exported model file is not valid",
    ),
    c(
        "mascot::train::io",
        "a training file cannot be read or written",
    ),
    c("mascot::train::no_data", "nothing to train on"),
    c(
        "mascot::train::non_finite",
        "the training loss is not finite",
    ),
    c(
        "mascot::train::stopped",
        "training was stopped on request after a step",
    ),
    c(
        "model::hub::bad_repo_id",
        "not a valid Hugging Face model id",
    ),
    c(
        "model::hub::bad_response",
        "the hub answered with an unexpected HTTP status or body",
    ),
    c(
        "model::hub::bad_revision",
        "not a valid revision (branch, tag or commit)",
    ),
    c(
        "model::hub::corrupt_cache",
        "a file in the Hugging Face cache is not valid",
    ),
    c(
        "model::hub::corrupt_download",
        "a downloaded file does not match its size or hash",
    ),
    c(
        "model::hub::http",
        "a request to the hub failed (network, TLS, timeout)",
    ),
    c(
        "model::hub::incomplete_snapshot",
        "a model is only partly in the Hugging Face cache",
    ),
    c(
        "model::hub::io",
        "a file in the Hugging Face cache cannot be accessed",
    ),
    c(
        "model::hub::missing_file",
        "a repository has no such file at the commit",
    ),
    c(
        "model::hub::no_safetensors",
        "a repository has no safetensors weights",
    ),
    c(
        "model::hub::not_cached",
        "a model is not in the Hugging Face cache and downloads are off",
    ),
    c(
        "model::hub::repo_not_found",
        "the Hugging Face repository does not exist",
    ),
    c(
        "model::hub::revision_not_found",
        "the revision does not exist in the repository",
    ),
    c(
        "model::hub::unauthorized",
        "the hub refused access (gated or private repository, bad token)",
    ),
    c(
        "grpo::config",
        "a GRPO setting is out of range or inconsistent",
    ),
    c(
        "grpo::input",
        "GRPO input is unusable: no trainable adapters, a bad prompt, or rollouts of the wrong shape",
    ),
    c(
        "grpo::reward",
        "a GRPO reward term returned the wrong number of scores or a non-finite score",
    ),
    c("grpo::io", "a GRPO output file cannot be written"),
];

/// The meaning of a code (`E013` or `mascot::E013`, `mascot::exec::io`...).
pub fn meaning(code: &str) -> Option<&'static str> {
    let code = match code.strip_prefix("mascot::") {
        Some(rest) if rest.starts_with(['E', 'W']) => rest,
        _ => code,
    };
    CODES.iter().find(|c| c.code == code).map(|c| c.meaning)
}

/// The registry as Markdown (the contents of `docs/errors.md`).
pub fn markdown() -> String {
    let mut out = String::from(
        "# Error codes\n\n\
         Every code mascot reports, with what it means. Language diagnostics are shown as\n\
         `mascot::E013`; each comes with the file, line and column, a label and a help line.\n\
         This file is generated from `src/spec/codes.rs` (a test keeps them equal).\n\n\
         | code | meaning |\n|---|---|\n",
    );
    for c in CODES {
        let shown = if c.code.starts_with(['E', 'W']) {
            format!("mascot::{}", c.code)
        } else {
            c.code.to_string()
        };
        out.push_str(&format!("| `{shown}` | {} |\n", c.meaning));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meanings_are_found_with_or_without_the_mascot_prefix() {
        assert_eq!(meaning("E013"), meaning("mascot::E013"));
        assert!(meaning("mascot::E013").is_some_and(|m| m.contains("level")));
        assert!(meaning("mascot::exec::io").is_some());
        assert_eq!(meaning("E999"), None);
    }
}
