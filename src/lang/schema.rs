//! The fields every declaration, call form and pipeline stage accepts: type, range and the
//! paper's default (Appendix B.2). The checker is driven by these tables, so an unknown
//! field, a missing one or an out-of-range value is reported the same way everywhere.

use crate::lang::value::DeclKind;
use crate::plan::StageKind;
use crate::plan::params::Level;

/// The type of a field.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    /// An integer `>= min`.
    Int {
        min: i64,
    },
    /// A number in `min..=max` (`min` excluded when `open_min`).
    Float {
        min: f64,
        open_min: bool,
        max: Option<f64>,
        open_max: bool,
    },
    Str,
    /// The NAME of an environment variable (`OPENAI_API_KEY`), never its value.
    EnvName,
    /// A relative path, rebased onto the experiment file's directory. Never checked for
    /// existence: model weights and datasets may be absent when an experiment is checked or
    /// planned (the executor reports a missing file when a stage needs it).
    Path,
    Bool,
    /// One of the listed symbols.
    Sym(&'static [&'static str]),
    /// A list of the listed symbols (a single symbol is accepted as a list of one).
    SymList(&'static [&'static str]),
    StrList,
    Range,
    Ref(DeclKind),
    /// A list of references (a single name is accepted as a list of one).
    RefList(DeclKind),
    /// A reward of this level: a `reward` name or an inline reward expression.
    Reward(Level),
    Object(&'static [FieldSpec]),
    ObjList(&'static [FieldSpec]),
    /// `{ name: "text" ... }`
    StrMap,
    /// One of the call forms `name(args)`; a bare `name` is a call without arguments.
    Variant(&'static [(&'static str, &'static [FieldSpec])]),
}

/// Whether a field must be written, may be left out, or has a default.
#[derive(Debug, Clone, Copy)]
pub enum Preset {
    Required,
    Optional,
    Int(i64),
    Float(f64),
    Str(&'static str),
    Bool(bool),
    Sym(&'static str),
    Syms(&'static [&'static str]),
    Range(f64, f64),
    EmptyList,
}

/// One accepted field.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub ty: Ty,
    pub default: Preset,
}

const fn f(name: &'static str, ty: Ty, default: Preset) -> FieldSpec {
    FieldSpec { name, ty, default }
}

const fn int(min: i64) -> Ty {
    Ty::Int { min }
}
const fn nonneg() -> Ty {
    Ty::Float {
        min: 0.0,
        open_min: false,
        max: None,
        open_max: false,
    }
}
const fn positive() -> Ty {
    Ty::Float {
        min: 0.0,
        open_min: true,
        max: None,
        open_max: false,
    }
}
const fn unit_open() -> Ty {
    Ty::Float {
        min: 0.0,
        open_min: true,
        max: Some(1.0),
        open_max: false,
    }
}

use Preset::*;

pub const MBTI: &[&str] = &[
    "INTJ", "INTP", "ENTJ", "ENTP", "INFJ", "INFP", "ENFJ", "ENFP", "ISTJ", "ISFJ", "ESTJ", "ESFJ",
    "ISTP", "ISFP", "ESTP", "ESFP",
];
pub const ED_SUBSETS: &[&str] = &["positive", "negative", "neutral", "all"];
pub const QMSUM_DOMAINS: &[&str] = &["academic", "committee", "product", "all"];
pub const LORA_TARGETS: &[&str] = &[
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
];
pub const SYSTEMS: &[&str] = &[
    "mascot",
    "zero_shot",
    "few_shot",
    "zero_shot_cot",
    "few_shot_cot",
    "self_consistency",
    "sft",
    "multi_agent_esc",
];
pub const ORDERS: &[&str] = &["director", "random", "round_robin"];

pub const EXPERIMENT: &[FieldSpec] = &[f("seed", int(0), Int(0)), f("base", Ty::Str, Str("main"))];

pub const EXAMPLE: &[FieldSpec] = &[
    f("context", Ty::Str, Required),
    f("response", Ty::Str, Required),
];

pub const PERSONA: &[FieldSpec] = &[
    f("name", Ty::Str, Required),
    f("description", Ty::Str, Required),
    f("traits", Ty::StrList, Required),
    f("style", Ty::Str, Optional),
    f("examples", Ty::ObjList(EXAMPLE), EmptyList),
];

pub const RUBRIC: &[FieldSpec] = &[
    f("level", Ty::Sym(&["agent", "group"]), Required),
    f("criteria", Ty::StrMap, Required),
    f("scale", Ty::Range, Range(1.0, 5.0)),
    f("rescale", Ty::Range, Range(0.0, 100.0)),
];

pub const TINY: &[FieldSpec] = &[
    f("arch", Ty::Sym(&["llama", "qwen3"]), Sym("llama")),
    f("layers", int(1), Required),
    f("hidden", int(1), Required),
    f("intermediate", int(1), Required),
    f("heads", int(1), Required),
    f("kv_heads", int(1), Required),
    f("vocab", int(259), Required),
    f("max_seq_len", int(1), Int(512)),
    f("seed", int(0), Int(0)),
];
pub const WEIGHTS_PATH: &[FieldSpec] = &[f("path", Ty::Path, Required)];

pub const LORA: &[FieldSpec] = &[
    f("r", int(1), Int(16)),
    f("alpha", positive(), Float(32.0)),
    f(
        "dropout",
        Ty::Float {
            min: 0.0,
            open_min: false,
            max: Some(1.0),
            open_max: true,
        },
        Float(0.1),
    ),
    f(
        "targets",
        Ty::SymList(LORA_TARGETS),
        Syms(&["q_proj", "k_proj", "v_proj", "o_proj"]),
    ),
    f("rslora", Ty::Bool, Bool(false)),
];

pub const MODEL: &[FieldSpec] = &[
    f(
        "source",
        Ty::Variant(&[
            ("tiny", TINY),
            ("hf_dir", WEIGHTS_PATH),
            ("gguf", WEIGHTS_PATH),
        ]),
        Required,
    ),
    f("dtype", Ty::Sym(&["f32", "f16", "bf16"]), Sym("f32")),
    f("device", Ty::Str, Str("cpu")),
    f("lora", Ty::Object(LORA), Optional),
];

pub const OPENAI: &[FieldSpec] = &[
    f("base_url", Ty::Str, Required),
    f("model", Ty::Str, Required),
    f("temperature", nonneg(), Float(0.0)),
    f("api_key_env", Ty::EnvName, Required),
];
pub const LOCAL: &[FieldSpec] = &[
    f("model", Ty::Ref(DeclKind::Model), Required),
    f("temperature", nonneg(), Float(0.0)),
];

pub const JUDGE: &[FieldSpec] = &[f(
    "backend",
    Ty::Variant(&[("openai", OPENAI), ("local", LOCAL), ("heuristic", &[])]),
    Required,
)];

pub const ED: &[FieldSpec] = &[
    f("path", Ty::Path, Required),
    f("split", Ty::Str, Required),
    f("subsets", Ty::SymList(ED_SUBSETS), Syms(&["all"])),
];
pub const QMSUM: &[FieldSpec] = &[
    f("path", Ty::Path, Required),
    f("split", Ty::Str, Required),
    f("domains", Ty::SymList(QMSUM_DOMAINS), Syms(&["all"])),
];
pub const DATASET: &[FieldSpec] = &[
    f(
        "source",
        Ty::Variant(&[("empathetic_dialogues", ED), ("qmsum", QMSUM)]),
        Required,
    ),
    f("limit", int(1), Optional),
];

pub const USERS: &[FieldSpec] = &[f("types", Ty::SymList(MBTI), Syms(MBTI))];

/// Arguments of the reward signals.
pub const RM: &[FieldSpec] = &[f("model", Ty::Ref(DeclKind::Model), Required)];
pub const FORMAT: &[FieldSpec] = &[
    f("think_min", int(0), Int(448)),
    f("answer_max", int(1), Int(64)),
];
pub const COHERENCE: &[FieldSpec] = &[f("judge", Ty::Ref(DeclKind::Judge), Required)];
pub const REWARD_SIGNALS: &[(&str, &[FieldSpec], Level)] = &[
    ("rm", RM, Level::Agent),
    ("format", FORMAT, Level::Agent),
    ("coherence", COHERENCE, Level::Group),
    ("diverse", &[], Level::Group),
];

/// Settings of the pipeline block itself.
pub const PIPELINE: &[FieldSpec] = &[
    f("speaker", Ty::Ref(DeclKind::Model), Optional),
    f("director", Ty::Ref(DeclKind::Model), Optional),
    f("personas", Ty::RefList(DeclKind::Persona), EmptyList),
];

const DATA: FieldSpec = f("data", Ty::Ref(DeclKind::Dataset), Optional);

const LOAD_DATASET: &[FieldSpec] = &[f("data", Ty::RefList(DeclKind::Dataset), Required)];
const SIMULATED_USERS: &[FieldSpec] = &[f("users", Ty::Ref(DeclKind::Users), Required)];
const TRAIN_SFT: &[FieldSpec] = &[
    DATA,
    f("teacher", Ty::Ref(DeclKind::Judge), Optional),
    f("epochs", int(1), Int(1)),
    f("batch", int(1), Int(16)),
    f("lr", positive(), Float(2e-5)),
];
const SAMPLE_CANDIDATES: &[FieldSpec] = &[
    DATA,
    f("model", Ty::Ref(DeclKind::Model), Optional),
    f("k", int(2), Int(8)),
    f("temperature", nonneg(), Float(1.0)),
    f("top_p", unit_open(), Float(0.95)),
    f("top_k", int(1), Optional),
    f("max_tokens", int(1), Int(512)),
    f("limit", int(1), Optional),
];
const JUDGE_CANDIDATES: &[FieldSpec] = &[
    f("judge", Ty::Ref(DeclKind::Judge), Required),
    f("rubric", Ty::Ref(DeclKind::Rubric), Required),
];
const BUILD_PREFERENCES: &[FieldSpec] = &[f("delta", nonneg(), Float(0.5))];
const TRAIN_REWARD_MODEL: &[FieldSpec] = &[
    f("base", Ty::Ref(DeclKind::Model), Required),
    f("epochs", int(1), Int(3)),
    f("batch", int(1), Int(32)),
    f("lr", positive(), Float(1e-5)),
];
const ALIGN_PERSONAS: &[FieldSpec] = &[
    DATA,
    f("reward", Ty::Reward(Level::Agent), Required),
    f("group", int(2), Int(8)),
    f("clip", positive(), Float(0.2)),
    f("beta", nonneg(), Float(0.04)),
    f("epochs", int(1), Int(1)),
    f("batch", int(1), Int(16)),
    f("lr", positive(), Float(1e-5)),
    f("max_tokens", int(1), Int(512)),
    f("temperature", nonneg(), Float(1.0)),
];
const OPTIMIZE_DIRECTOR: &[FieldSpec] = &[
    DATA,
    f("reward", Ty::Reward(Level::Group), Required),
    f("turns", int(1), Int(4)),
    f("group", int(2), Int(8)),
    f("clip", positive(), Float(0.2)),
    f("beta", nonneg(), Float(0.04)),
    f("epochs", int(1), Int(1)),
    f("batch", int(1), Int(16)),
    f("lr", positive(), Float(1e-5)),
    f("max_tokens", int(1), Int(128)),
    f("temperature", nonneg(), Float(1.0)),
];
const GENERATE_CONVERSATIONS: &[FieldSpec] = &[
    DATA,
    f("systems", Ty::SymList(SYSTEMS), Syms(&["mascot"])),
    f("order", Ty::Sym(ORDERS), Sym("director")),
    f("turns", int(1), Int(4)),
    f("users", Ty::Ref(DeclKind::Users), Optional),
    f("temperature", nonneg(), Float(0.7)),
    f("max_tokens", int(1), Int(64)),
    f("samples", int(1), Int(5)),
    f("limit", int(1), Optional),
];
const EVALUATE: &[FieldSpec] = &[
    f("judge", Ty::Ref(DeclKind::Judge), Required),
    f("rubrics", Ty::RefList(DeclKind::Rubric), Required),
];
const REPORT: &[FieldSpec] = &[f("title", Ty::Str, Optional)];

/// Every stage kind, in pipeline order, with its fields.
pub const STAGES: &[(StageKind, &[FieldSpec])] = &[
    (StageKind::LoadDataset, LOAD_DATASET),
    (StageKind::SimulatedUsers, SIMULATED_USERS),
    (StageKind::TrainSft, TRAIN_SFT),
    (StageKind::SampleCandidates, SAMPLE_CANDIDATES),
    (StageKind::JudgeCandidates, JUDGE_CANDIDATES),
    (StageKind::BuildPreferences, BUILD_PREFERENCES),
    (StageKind::TrainRewardModel, TRAIN_REWARD_MODEL),
    (StageKind::AlignPersonas, ALIGN_PERSONAS),
    (StageKind::OptimizeDirector, OPTIMIZE_DIRECTOR),
    (StageKind::GenerateConversations, GENERATE_CONVERSATIONS),
    (StageKind::Evaluate, EVALUATE),
    (StageKind::Report, REPORT),
];

/// The kind and fields of a stage name.
pub fn stage(name: &str) -> Option<(StageKind, &'static [FieldSpec])> {
    STAGES.iter().find(|(k, _)| k.as_str() == name).copied()
}

/// The fields of a stage kind.
pub fn stage_fields(kind: StageKind) -> &'static [FieldSpec] {
    STAGES
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[], |(_, f)| f)
}

/// The fields of a declaration keyword.
pub fn decl(kind: DeclKind) -> &'static [FieldSpec] {
    match kind {
        DeclKind::Persona => PERSONA,
        DeclKind::Rubric => RUBRIC,
        DeclKind::Model => MODEL,
        DeclKind::Users => USERS,
        DeclKind::Dataset => DATASET,
        DeclKind::Judge => JUDGE,
        DeclKind::Reward => &[],
    }
}
