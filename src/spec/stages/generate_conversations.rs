//! `generate_conversations`: N-turn conversations of one system (MASCOT or a baseline) on one
//! subset, one node per (system, subset). Inputs: the `load_dataset` subset, the trained
//! stages the system needs, `simulated_users` when the stage talks to users.
//!
//! Artifact: [`CONVERSATIONS`] (one `crate::dialogue::ConversationRow` per episode: every
//! context played with every simulated user) and [`PERSONAS`] (who can speak: the personas,
//! or the single `Assistant` of a baseline, as the judges see them).
//!
//! `systems` lists the systems as the paper runs them (the prompting baselines as a single
//! assistant, "w/o Personas"); `persona_baselines` adds prompting baselines that speak as the
//! personas (Table 3's "Few-Shot + CoT" with Anchor, Beacon, Catalyst), each persona in turn
//! (`persona_order: round_robin`) or drawn like MASCOT-C (`random`), one node per (system,
//! subset) labelled `<system>_personas/<subset>`.
//!
//! `order: director` without an `optimize_director` stage is the untrained director: the
//! director's base model prompted as the director.
//!
//! The simulated users (a stage with `users:`) are played by the pipeline's `user:` model,
//! loaded without adapters; without `user:`, by the speaker's base model. The user model
//! enters the node's parameters (and key) only when it differs from that default, so a
//! pipeline that does not declare `user:` (or declares the speaker's model) keeps the keys it
//! had before the setting existed, and a stage without `users:` never depends on it.
//!
//! Per-role settings: `speaker_*`, `director_*` and `user_*` `max_tokens`, `temperature` and
//! `thinking` override, for that role, the shared `max_tokens` (default 64, every role) and
//! `temperature` (default 0.7, speakers and director; the simulated users keep 0.7 unless
//! `user_temperature` is given) and the role's model's own `thinking`. Each enters a node's
//! parameters only when written and only for a role the node has (the director's for
//! `mascot` with `order: director`, the users' for a stage with `users:`), so stages that do
//! not write them keep their keys.

use serde::{Deserialize, Serialize};

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int, nonneg};
use crate::spec::model::{ModelSpec, Thinking};
use crate::spec::persona::Persona;
use crate::spec::stages::common::{
    DATA, TRANSCRIPT_TOKENS, dedup, first, model_device, prompting_stage_problems, speaker,
    subsets, weights,
};
use crate::spec::stages::optimize_director::director;
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::symbol::symbols;
use crate::spec::value::{Fields, LowerError};
use crate::spec::wiring::{Graph, NewNode, NodeRef, PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: |p| model_device::<GenerateConversationsParams>(p, |p| Some(&p.speaker)),
};

symbols! {
    /// The systems a conversation set can come from: MASCOT and the paper's baselines.
    pub enum System {
        Mascot = "mascot",
        ZeroShot = "zero_shot",
        FewShot = "few_shot",
        ZeroShotCot = "zero_shot_cot",
        FewShotCot = "few_shot_cot",
        SelfConsistency = "self_consistency",
        Sft = "sft",
        MultiAgentEsc = "multi_agent_esc",
    }
}

symbols! {
    /// Who speaks next in a MASCOT conversation.
    pub enum Order {
        /// The trained director picks (and writes a directive).
        Director = "director",
        /// MASCOT-C as first built: a speaker drawn uniformly every turn.
        Random = "random",
        /// MASCOT-C: a random permutation of the personas per round, no one twice in a row.
        Shuffled = "shuffled",
        RoundRobin = "round_robin",
    }
}

symbols! {
    /// The speaking order of the persona-driven prompting baselines: each persona in turn,
    /// or MASCOT-C's uniform draw.
    pub enum PersonaOrder {
        RoundRobin = "round_robin",
        Random = "random",
    }
}

symbols! {
    /// The speaking order a conversation set was generated with: MASCOT's `Order`, or
    /// `fixed` for a baseline (one speaker).
    pub enum SpeakingOrder {
        Director = "director",
        Random = "random",
        Shuffled = "shuffled",
        RoundRobin = "round_robin",
        Fixed = "fixed",
    }
}

impl From<Order> for SpeakingOrder {
    fn from(o: Order) -> Self {
        match o {
            Order::Director => SpeakingOrder::Director,
            Order::Random => SpeakingOrder::Random,
            Order::Shuffled => SpeakingOrder::Shuffled,
            Order::RoundRobin => SpeakingOrder::RoundRobin,
        }
    }
}

/// File name of the conversations, one JSON line per episode.
pub const CONVERSATIONS: &str = "conversations.jsonl";
/// File name of the speakers' profiles (a JSON list of personas).
pub const PERSONAS: &str = "personas.json";

pub const FIELDS: &[FieldSpec] = &[
    DATA,
    f("systems", Ty::SymList(System::NAMES), Syms(&["mascot"])),
    f("order", Ty::Sym(Order::NAMES), Sym("director")),
    f("turns", int(1), Int(4)),
    f("users", Ty::Ref(DeclKind::Users), Optional),
    f("temperature", nonneg(), Float(0.7)),
    f("max_tokens", int(1), Int(64)),
    f("speaker_max_tokens", int(1), Optional),
    f("director_max_tokens", int(1), Optional),
    f("user_max_tokens", int(1), Optional),
    f("speaker_temperature", nonneg(), Optional),
    f("director_temperature", nonneg(), Optional),
    f("user_temperature", nonneg(), Optional),
    f("speaker_thinking", Ty::Sym(Thinking::NAMES), Optional),
    f("director_thinking", Ty::Sym(Thinking::NAMES), Optional),
    f("user_thinking", Ty::Sym(Thinking::NAMES), Optional),
    f("samples", int(1), Int(5)),
    f("limit", int(1), Optional),
    TRANSCRIPT_TOKENS,
    f("persona_baselines", Ty::SymList(System::NAMES), EmptyList),
    f("persona_order", Ty::Sym(PersonaOrder::NAMES), Sym("round_robin")),
];

/// One role's settings in a stage, each `None` when the stage does not write it (the shared
/// default, or the model's own `thinking`). Not written when empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoleSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<Thinking>,
}

impl RoleSettings {
    /// The `<role>_max_tokens`, `<role>_temperature` and `<role>_thinking` fields of a stage.
    pub fn read(f: &Fields, role: &str) -> Result<Self, LowerError> {
        Ok(Self {
            max_tokens: f.opt(&format!("{role}_max_tokens"))?,
            temperature: f.opt(&format!("{role}_temperature"))?,
            thinking: f.opt(&format!("{role}_thinking"))?,
        })
    }

    /// True when the stage writes none of the role's fields.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}


/// One system on one subset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerateConversationsParams {
    pub system: System,
    pub speaker: ModelSpec,
    /// The director model, when the system is MASCOT with `order: director`.
    pub director: Option<ModelSpec>,
    /// The model that plays the simulated users, without `lora:`; `None` when the stage has
    /// no users or the users are played by the speaker's base model (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<ModelSpec>,
    pub personas: Vec<Persona>,
    pub order: SpeakingOrder,
    pub turns: usize,
    pub temperature: f32,
    pub max_tokens: usize,
    /// The speakers' (and recipe steps') overrides of `max_tokens`, `temperature` and the
    /// speaker model's `thinking`; not written when empty.
    #[serde(default, skip_serializing_if = "RoleSettings::is_empty")]
    pub speakers: RoleSettings,
    /// The director's overrides; empty unless the node has a director.
    #[serde(default, skip_serializing_if = "RoleSettings::is_empty")]
    pub directing: RoleSettings,
    /// The simulated users' overrides; empty unless the node has users.
    #[serde(default, skip_serializing_if = "RoleSettings::is_empty")]
    pub users: RoleSettings,
    /// Samples voted over by `self_consistency` (1 for the other systems).
    pub samples: usize,
    pub limit: Option<usize>,
    /// The token budget of a QMSum transcript; `None` (the default, not written so that
    /// existing plans keep their keys) derives it from the models' context window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript_tokens: Option<usize>,
    pub seed: u64,
    /// A prompting baseline that speaks as the personas (`persona_baselines`), in `order`
    /// (`round_robin` or `random`); left out when false, so the persona-less baselines keep
    /// their keys.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub persona_speakers: bool,
}

/// The prompting baselines that can speak as the personas.
pub const PROMPTING: [System; 5] = [
    System::ZeroShot,
    System::FewShot,
    System::ZeroShotCot,
    System::FewShotCot,
    System::SelfConsistency,
];

/// The user model a stage's parameters record: the pipeline's `user:` (adapters dropped)
/// when the stage has `users:` and it is not the speaker's base model; else `None`.
pub fn user_model(
    f: &Fields,
    p: &PipelineView,
    speaker: &ModelSpec,
) -> Result<Option<ModelSpec>, LowerError> {
    if !f.contains("users") {
        return Ok(None);
    }
    let base = |m: &ModelSpec| ModelSpec {
        lora: None,
        ..m.clone()
    };
    Ok(p.user()?.map(|u| base(&u)).filter(|u| *u != base(speaker)))
}

fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let model = speaker(p)?;
    let user = user_model(f, p, &model)?;
    let order: Order = f.req("order")?;
    let (director_model, _) = director(p)?;
    let policy = first(g, StageKind::AlignPersonas).or(first(g, StageKind::TrainSft));
    let directed = first(g, StageKind::OptimizeDirector);
    let sft = first(g, StageKind::TrainSft);
    let users = first(g, StageKind::SimulatedUsers);
    let loads = subsets(f, g)?;
    let speaker_settings = RoleSettings::read(f, "speaker")?;
    let director_settings = RoleSettings::read(f, "director")?;
    let user_settings = if f.contains("users") {
        RoleSettings::read(f, "user")?
    } else {
        RoleSettings::default()
    };
    let persona_order: PersonaOrder = f.req("persona_order")?;
    let runs = f
        .req::<Vec<System>>("systems")?
        .into_iter()
        .map(|s| (s, false))
        .chain(
            f.opt::<Vec<System>>("persona_baselines")?
                .unwrap_or_default()
                .into_iter()
                .map(|s| (s, true)),
        );
    for (system, persona_speakers) in runs {
        let mascot = system == System::Mascot;
        let uses_director = mascot && order == Order::Director;
        let params = GenerateConversationsParams {
            system,
            speaker: model.clone(),
            director: uses_director.then(|| director_model.clone()),
            user: user.clone(),
            personas: p.personas()?,
            order: if mascot {
                order.into()
            } else if persona_speakers {
                match persona_order {
                    PersonaOrder::RoundRobin => SpeakingOrder::RoundRobin,
                    PersonaOrder::Random => SpeakingOrder::Random,
                }
            } else {
                SpeakingOrder::Fixed
            },
            turns: f.req("turns")?,
            temperature: f.req("temperature")?,
            max_tokens: f.req("max_tokens")?,
            speakers: speaker_settings.clone(),
            directing: if uses_director {
                director_settings.clone()
            } else {
                RoleSettings::default()
            },
            users: user_settings.clone(),
            samples: if system == System::SelfConsistency {
                f.req("samples")?
            } else {
                1
            },
            limit: f.opt("limit")?,
            transcript_tokens: f.opt("transcript_tokens")?,
            seed: p.seed,
            persona_speakers,
        };
        let mut trained: Vec<NodeRef> = Vec::new();
        if mascot {
            trained.extend(policy);
            if uses_director {
                trained.extend(directed);
            }
        } else if system == System::Sft {
            trained.extend(sft);
        }
        if f.contains("users") {
            trained.extend(users);
        }
        let mut external = weights(&[&model]);
        for m in [&params.director, &params.user].into_iter().flatten() {
            external.extend(weights(&[m]));
        }
        dedup(&mut external);
        for load in &loads {
            let suffix = if persona_speakers { "_personas" } else { "" };
            let label = format!(
                "{}{suffix}/{}",
                system.as_str(),
                load.label.as_deref().unwrap_or_default()
            );
            g.add(
                NewNode::new(StageKind::GenerateConversations, &params)?
                    .label(label)
                    .inputs([load.node])
                    .inputs(trained.iter().copied())
                    .external(external.clone()),
            );
        }
    }
    Ok(())
}

fn problems(f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    let stage = StageKind::GenerateConversations;
    let mut out = prompting_stage_problems(stage, f, p, false)?;
    let systems = f.req::<Vec<System>>("systems")?;
    if systems.contains(&System::Sft) && !p.has(StageKind::TrainSft) {
        out.push(Problem {
            stage,
            message: "the `sft` baseline needs the `train_sft` stage".into(),
            help: "add `train_sft { ... }`, or remove `sft` from `systems`".into(),
        });
    }
    for system in f
        .opt::<Vec<System>>("persona_baselines")?
        .unwrap_or_default()
    {
        if !PROMPTING.contains(&system) {
            out.push(Problem {
                stage,
                message: format!(
                    "`persona_baselines` lists `{}`, which is not a prompting baseline",
                    system.as_str()
                ),
                help: "persona_baselines takes zero_shot, few_shot, zero_shot_cot, few_shot_cot and self_consistency; mascot and sft speak as the personas already, multi_agent_esc is a single assistant".into(),
            });
        }
    }
    if f.contains("users") && !p.has(StageKind::SimulatedUsers) {
        out.push(Problem {
            stage,
            message: "`generate_conversations` talks to simulated users, but the pipeline has no `simulated_users` stage".into(),
            help: "add `simulated_users { users: <users> }`".into(),
        });
    }
    Ok(out)
}
