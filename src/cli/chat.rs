//! `mascot chat FILE [--variant V] [--user TEXT]`: a terminal conversation with the group a
//! variant evaluates (its MASCOT `generate_conversations` stage: speaker, director,
//! personas, decoding), with the trained pieces that stage reads (aligned speakers, the
//! optimised director) taken from the store. A trained piece that is not in the store is an
//! error naming the stage to run first. The user types; the director picks a persona and
//! writes a directive; the persona's reply streams as it is generated. `/who` lists the
//! personas, `/quit` (or end of input) ends. Every message is appended to a JSONL transcript.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use miette::{IntoDiagnostic, miette};

use crate::dialogue::{
    ChatGroup, ChatModel, ChatTurn, DirectiveRow, LiveChat, config_from_generate_params,
};
use crate::exec::hash_cache::HashCache;
use crate::exec::keying::key_stages;
use crate::exec::{ArtifactState, Store};
use crate::model::LoadedModel;
use crate::plan::{Plan, RestrictError, Stage};
use crate::spec::StageKind;
use crate::spec::stages::generate_conversations::{GenerateConversationsParams, System};

use super::output::{errln, outln};
use super::run::{default_store, load_plan};

/// Arguments of `mascot chat`.
#[derive(Debug, clap::Args)]
pub struct ChatArgs {
    /// The experiment file (`.mascot`) whose group to talk to.
    pub file: PathBuf,
    /// The variant whose group to talk to (default: the first).
    #[arg(long)]
    pub variant: Option<String>,
    /// Play one scripted user turn, print the reply and exit.
    #[arg(long, value_name = "TEXT")]
    pub user: Option<String>,
    /// The situation every model is told (default: none).
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub situation: String,
    /// The artifact store (default: `.mascot/` next to the experiment file).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Where to save the transcript (default: `chats/<variant>-<time>.jsonl` in the store).
    #[arg(long, value_name = "FILE")]
    pub transcript: Option<PathBuf>,
}

/// Runs `mascot chat`; returns the exit code.
pub fn run(args: ChatArgs) -> u8 {
    match chat(&args) {
        Ok(()) => 0,
        Err(e) => super::report_error(e),
    }
}

/// The stage kinds whose artifacts make a group "trained".
const TRAINED: [StageKind; 3] = [
    StageKind::AlignPersonas,
    StageKind::OptimizeDirector,
    StageKind::TrainSft,
];

fn chat(args: &ChatArgs) -> miette::Result<()> {
    let (plan, base_dir) = load_plan(&args.file, &[])?;
    let variant = match &args.variant {
        Some(v) => v.clone(),
        None => plan
            .variants()
            .first()
            .map(|v| v.name.clone())
            .ok_or_else(|| miette!("`{}` has no variant", args.file.display()))?,
    };
    let sub = plan
        .restrict(std::slice::from_ref(&variant))
        .map_err(|e| match e {
            RestrictError::UnknownVariant(_) => miette!(
                code = "mascot::chat::variant",
                help = format!(
                    "the variants are: {}",
                    plan.variants()
                        .iter()
                        .map(|v| v.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "`{}` has no variant `{variant}`",
                args.file.display()
            ),
            e => miette!("cannot restrict the plan to `{variant}`: {e}"),
        })?;
    let generate = mascot_stage(&sub, &variant)?;
    let params: GenerateConversationsParams = serde_json::from_value(generate.params.clone())
        .map_err(|e| miette!("stage `{}`: invalid parameters: {e}", generate.id))?;
    let store_dir = args
        .store
        .clone()
        .unwrap_or_else(|| default_store(&args.file));
    let store = Store::open(&store_dir)?;
    let trained = trained_artifacts(&sub, generate, &base_dir, &store, &args.file, &variant)?;

    let adapter = |kind: StageKind| -> miette::Result<Option<PathBuf>> {
        match trained.iter().rev().find(|(k, _, _)| *k == kind) {
            Some((_, id, dir)) => find_adapter(dir).map(Some).ok_or_else(|| {
                miette!(
                    code = "mascot::chat::adapter",
                    help = "rerun the stage (`mascot cache verify` checks the store)",
                    "the artifact of `{id}` holds no LoRA adapter (`adapter_config.json`) in `{}`",
                    dir.display()
                )
            }),
            None => Ok(None),
        }
    };
    let speaker_adapter = match adapter(StageKind::AlignPersonas)? {
        Some(dir) => Some(dir),
        None => adapter(StageKind::TrainSft)?,
    };
    let speaker = load(&params.speaker, &base_dir, speaker_adapter.as_deref())?;
    let director = match &params.director {
        Some(spec) => Some(load(
            spec,
            &base_dir,
            adapter(StageKind::OptimizeDirector)?.as_deref(),
        )?),
        None => None,
    };
    let cfg = config_from_generate_params(&params)?;
    let group = ChatGroup {
        personas: &params.personas,
        director: director.as_ref().map(|d| d as &dyn ChatModel),
        speaker: &speaker,
    };
    let mut live = LiveChat::new(cfg, group, args.situation.clone())?;

    let path = match &args.transcript {
        Some(p) => p.clone(),
        None => store_dir.join("chats").join(format!(
            "{}-{}.jsonl",
            variant.replace(['/', '\\'], "_"),
            crate::exec::store::now_rfc3339().replace(':', "")
        )),
    };
    let mut transcript = Transcript::create(&path)?;
    let names: Vec<&str> = params.personas.iter().map(|p| p.name.as_str()).collect();
    errln(&format!(
        "chatting with {} ({}), {}; /who lists them, /quit ends",
        variant,
        names.join(", "),
        if live.has_director() {
            "a director picks who answers"
        } else {
            "no director: the order picks who answers"
        }
    ));
    match &args.user {
        Some(text) => {
            say(&mut live, &mut transcript, text)?;
        }
        None => {
            let stdin = std::io::stdin();
            loop {
                eprint!("you> ");
                let mut line = String::new();
                if stdin.lock().read_line(&mut line).into_diagnostic()? == 0 {
                    break;
                }
                let text = line.trim();
                match text {
                    "" => continue,
                    "/quit" | "/exit" => break,
                    "/who" => {
                        for (name, last) in live.who() {
                            let when = last.map_or("has not spoken".into(), |t| {
                                format!("last spoke at turn {}", t + 1)
                            });
                            let _ = outln(&format!("  {name}: {when}"));
                        }
                    }
                    _ => say(&mut live, &mut transcript, text)?,
                }
            }
        }
    }
    errln(&format!("transcript: {}", path.display()));
    Ok(())
}

/// The variant's MASCOT `generate_conversations` stage (the first subset's).
fn mascot_stage<'p>(plan: &'p Plan, variant: &str) -> miette::Result<&'p Stage> {
    plan.stages()
        .iter()
        .filter(|s| s.kind == StageKind::GenerateConversations)
        .find(|s| s.params.get("system").and_then(|v| v.as_str()) == Some(System::Mascot.as_str()))
        .ok_or_else(|| {
            miette!(
                code = "mascot::chat::no_group",
                help = "chat talks to the group a variant evaluates: add `generate_conversations { systems: [mascot] }` to its pipeline",
                "variant `{variant}` generates no MASCOT conversations"
            )
        })
}

/// The trained stages the conversation stage reads, with their artifact folders; an error
/// naming the first one that is not in the store.
fn trained_artifacts(
    plan: &Plan,
    generate: &Stage,
    base_dir: &Path,
    store: &Store,
    file: &Path,
    variant: &str,
) -> miette::Result<Vec<(StageKind, String, PathBuf)>> {
    let needed: Vec<&Stage> = generate
        .inputs
        .iter()
        .filter_map(|id| plan.stage(id))
        .filter(|s| TRAINED.contains(&s.kind))
        .collect();
    if needed.is_empty() {
        return Ok(Vec::new());
    }
    let all: Vec<&Stage> = plan.stages().iter().collect();
    let keys = key_stages(&all, base_dir, &HashCache::load(&store.hash_cache_path()));
    let mut out = Vec::new();
    for stage in needed {
        let run_first = || {
            format!(
                "run it first: `mascot run {} --variant {variant}`",
                file.display()
            )
        };
        let Some(key) = keys.exec_keys.get(&stage.id) else {
            return Err(miette!(
                code = "mascot::chat::untrained",
                help = format!(
                    "its inputs are missing (`mascot run --dry-run` lists them); {}",
                    run_first()
                ),
                "the trained {} come from stage `{}` ({}), which cannot run yet",
                what(stage.kind),
                stage.id,
                stage.kind.as_str()
            ));
        };
        match store.check(key, false) {
            ArtifactState::Valid(_) => {
                out.push((stage.kind, stage.id.clone(), store.artifact_dir(key)))
            }
            state => {
                let why = match state {
                    ArtifactState::Invalid(why) => format!(" (its artifact is damaged: {why})"),
                    _ => String::new(),
                };
                return Err(miette!(
                    code = "mascot::chat::untrained",
                    help = run_first(),
                    "the trained {} come from stage `{}` ({}), which has not run{why}",
                    what(stage.kind),
                    stage.id,
                    stage.kind.as_str()
                ));
            }
        }
    }
    Ok(out)
}

fn what(kind: StageKind) -> &'static str {
    match kind {
        StageKind::OptimizeDirector => "director",
        _ => "speakers",
    }
}

/// The LoRA adapter of a training artifact: its folder, or its first sub-folder, holding
/// `adapter_config.json`.
fn find_adapter(dir: &Path) -> Option<PathBuf> {
    if dir.join("adapter_config.json").is_file() {
        return Some(dir.to_path_buf());
    }
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("adapter_config.json").is_file())
        .collect();
    subdirs.sort();
    subdirs.into_iter().next()
}

fn load(
    spec: &crate::spec::model::ModelSpec,
    base_dir: &Path,
    adapter: Option<&Path>,
) -> miette::Result<LoadedModel> {
    // A declared `lora:` would attach a fresh adapter; the chat runs the trained one.
    let base = crate::spec::model::ModelSpec {
        lora: None,
        ..spec.clone()
    };
    let model = LoadedModel::load(&base, base_dir)?;
    Ok(match adapter {
        Some(dir) => model.with_adapter(dir)?,
        None => model,
    })
}

/// One user message and the group's answer, streamed to stdout.
fn say(live: &mut LiveChat<'_>, transcript: &mut Transcript, text: &str) -> miette::Result<()> {
    transcript.user(text)?;
    let mut stdout = std::io::stdout();
    let turn: ChatTurn = live.user_says(
        text,
        &mut |name: &str, directive: Option<&DirectiveRow>| {
            if let Some(d) = directive {
                errln(&format!("[director] {name}: {}", d.instruction));
            }
            let _ = write!(stdout, "{name}: ");
            let _ = stdout.flush();
        },
        &mut |piece: &str| {
            let mut stdout = std::io::stdout();
            let _ = write!(stdout, "{piece}");
            let _ = stdout.flush();
        },
    )?;
    let _ = outln("");
    transcript.agent(&turn)
}

/// The JSONL transcript: one line per message, appended and flushed as the chat goes.
struct Transcript {
    path: PathBuf,
    file: std::fs::File,
}

impl Transcript {
    fn create(path: &Path) -> miette::Result<Transcript> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| miette!("cannot create `{}`: {e}", parent.display()))?;
        }
        let file = std::fs::File::create(path)
            .map_err(|e| miette!("cannot create the transcript `{}`: {e}", path.display()))?;
        Ok(Transcript {
            path: path.to_path_buf(),
            file,
        })
    }

    fn line(&mut self, value: serde_json::Value) -> miette::Result<()> {
        writeln!(self.file, "{value}")
            .and_then(|_| self.file.flush())
            .map_err(|e| miette!("cannot write the transcript `{}`: {e}", self.path.display()))
    }

    fn user(&mut self, text: &str) -> miette::Result<()> {
        self.line(serde_json::json!({ "role": "user", "speaker": "User", "text": text }))
    }

    fn agent(&mut self, turn: &ChatTurn) -> miette::Result<()> {
        self.line(serde_json::json!({
            "role": "agent",
            "turn": turn.turn,
            "speaker": turn.speaker,
            "text": turn.response,
            "raw": turn.raw_response,
            "directive": turn.directive.as_ref().map(|d| serde_json::json!({
                "raw": d.raw,
                "speaker": d.parsed_speaker,
                "instruction": d.instruction,
                "fallback": d.fallback,
            })),
            "tokens": { "prompt": turn.tokens.prompt, "output": turn.tokens.output },
        }))
    }
}
