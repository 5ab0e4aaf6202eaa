//! The systems a conversation run can play, each a prompt recipe over the same models.
//!
//! | system | speakers | recipe per turn |
//! |---|---|---|
//! | `mascot` | the personas | director directive -> the named persona answers ([`crate::dialogue::prompts_mascot`]); with `order: random` / `round_robin` and no director: MASCOT-C |
//! | `sft` | the personas, on the SFT speaker | round-robin order (or the configured non-director order), persona prompt, no directive |
//! | `zero_shot` | one assistant | one call, no persona, no examples |
//! | `few_shot` | one assistant | one call with example exchanges (the personas' examples, else a fixed set) |
//! | `zero_shot_cot` | one assistant | one call: `Reasoning:` then `Response:`; the response is read from it |
//! | `few_shot_cot` | one assistant | `few_shot` + the chain-of-thought format |
//! | `self_consistency` | one assistant | `samples` `zero_shot_cot` samples (they differ only at `temperature > 0`); the one with the highest mean word overlap with the others is kept |
//! | `zero_shot` ... `self_consistency` with `persona_speakers` | the personas, in `order` (`round_robin` or `random`) | the same recipe, prompted as the speaking persona (its persona prompt; its own examples for few-shot); rows name the system `<system>_personas` |
//! | `multi_agent_esc` | one assistant | emotion, cause, intention analysis -> strategy deliberation -> one response per strategy -> a selection call ([`crate::dialogue::esc`]) |
//!
//! MASCOT-P is `mascot` with unaligned speakers: the caller passes the base speaker model.

use serde::{Deserialize, Serialize};

/// One system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemKind {
    Mascot,
    ZeroShot,
    FewShot,
    ZeroShotCot,
    FewShotCot,
    SelfConsistency,
    Sft,
    MultiAgentEsc,
}

impl SystemKind {
    pub const ALL: [SystemKind; 8] = [
        Self::Mascot,
        Self::ZeroShot,
        Self::FewShot,
        Self::ZeroShotCot,
        Self::FewShotCot,
        Self::SelfConsistency,
        Self::Sft,
        Self::MultiAgentEsc,
    ];

    /// The name used in experiment files and rows.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mascot => "mascot",
            Self::ZeroShot => "zero_shot",
            Self::FewShot => "few_shot",
            Self::ZeroShotCot => "zero_shot_cot",
            Self::FewShotCot => "few_shot_cot",
            Self::SelfConsistency => "self_consistency",
            Self::Sft => "sft",
            Self::MultiAgentEsc => "multi_agent_esc",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// True for the systems whose speakers are the personas.
    pub fn uses_personas(self) -> bool {
        matches!(self, Self::Mascot | Self::Sft)
    }

    /// True for the prompting baselines, which can speak as the single assistant or as the
    /// personas (the persona-driven baselines of the paper's Table 3).
    pub fn is_prompting(self) -> bool {
        matches!(
            self,
            Self::ZeroShot
                | Self::FewShot
                | Self::ZeroShotCot
                | Self::FewShotCot
                | Self::SelfConsistency
        )
    }
}

/// The suffix of a persona-driven prompting baseline's system id (`few_shot_cot_personas`):
/// rows, evaluations and reports tell it from the single-assistant baseline by it.
pub const PERSONAS_SUFFIX: &str = "_personas";

/// The system id a run writes in its rows: the system's name, with [`PERSONAS_SUFFIX`] when a
/// prompting baseline speaks as the personas.
pub fn system_id(system: SystemKind, persona_speakers: bool) -> String {
    if persona_speakers && system.is_prompting() {
        format!("{}{PERSONAS_SUFFIX}", system.as_str())
    } else {
        system.as_str().to_string()
    }
}
