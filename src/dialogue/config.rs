//! [`ConversationConfig`]: everything a conversation run needs besides its models and
//! episodes, with the defaults `generate_conversations` uses.

use serde::{Deserialize, Serialize};

use crate::dialogue::chat_model::{Decoding, mix_seed};
use crate::dialogue::speaker_order::SpeakerOrder;
use crate::dialogue::system::SystemKind;
use crate::spec::model::Thinking;

/// Settings of one run of one system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationConfig {
    /// Default `mascot`.
    pub system: SystemKind,
    /// Speaker order of the persona systems. Default `director`; `sft` reads `director` as
    /// `round_robin` (it has no director).
    pub order: SpeakerOrder,
    /// Turns N of an episode. Default 4 (the `generate_conversations` default).
    pub turns: usize,
    /// Most new tokens of a speaker's (or assistant's, or recipe step's) reply. Default 64.
    pub max_tokens: usize,
    /// Most new tokens of a directive. Default 64.
    pub director_max_tokens: usize,
    /// Most new tokens of a simulated user's reply. Default 64.
    pub user_max_tokens: usize,
    /// Sampling temperature of speakers and recipe steps. Default 0.7.
    pub temperature: f32,
    /// Sampling temperature of the director; `None` uses `temperature`. Default `None`.
    pub director_temperature: Option<f32>,
    /// Sampling temperature of the simulated users. Default 0.7.
    pub user_temperature: f32,
    /// Thinking switch of the speakers' (and recipe steps') prompts; `None` (default): the
    /// speaker model's own `thinking`.
    #[serde(default)]
    pub speaker_thinking: Option<Thinking>,
    /// Thinking switch of the director's prompts; `None` (default): the director model's own.
    #[serde(default)]
    pub director_thinking: Option<Thinking>,
    /// Thinking switch of the simulated users' prompts; `None` (default): the user model's
    /// own.
    #[serde(default)]
    pub user_thinking: Option<Thinking>,
    /// Nucleus sampling for every call. Default 1.0 (off).
    pub top_p: f32,
    /// Top-k sampling for every call. Default `None` (off).
    pub top_k: Option<usize>,
    /// Samples of `self_consistency`. Default 5.
    pub samples: usize,
    /// Strategy agents of `multi_agent_esc` (each proposes one strategy). Default 3.
    pub strategy_agents: usize,
    /// Most chats per model call. Default 8.
    pub batch_size: usize,
    /// Seed of every sampled choice. Default 0.
    pub seed: u64,
    /// Token budget of a QMSum transcript; `None` derives it from the speaker's context (see
    /// [`ConversationConfig::transcript_budget`]). Default `None`.
    pub transcript_tokens: Option<usize>,
    /// A prompting baseline speaks as the personas, in `order` (`director` read as
    /// `round_robin`), instead of as the single assistant. Default `false`.
    #[serde(default)]
    pub persona_speakers: bool,
}

impl Default for ConversationConfig {
    fn default() -> Self {
        Self {
            system: SystemKind::Mascot,
            order: SpeakerOrder::Director,
            turns: 4,
            max_tokens: 64,
            director_max_tokens: 64,
            user_max_tokens: 64,
            temperature: 0.7,
            director_temperature: None,
            user_temperature: 0.7,
            speaker_thinking: None,
            director_thinking: None,
            user_thinking: None,
            top_p: 1.0,
            top_k: None,
            samples: 5,
            strategy_agents: 3,
            batch_size: 8,
            seed: 0,
            transcript_tokens: None,
            persona_speakers: false,
        }
    }
}

/// Tokens reserved for prompt text around the transcript (system prompts, personas,
/// instructions, MultiAgentESC analyses).
pub const PROMPT_OVERHEAD_TOKENS: usize = 1024;

impl ConversationConfig {
    /// The QMSum transcript budget: `transcript_tokens` when set, else the context window
    /// minus [`PROMPT_OVERHEAD_TOKENS`], minus `turns * (max_tokens + user_max_tokens)` (the
    /// conversation that grows after the transcript), minus `4 * max_tokens` (the longest
    /// recipe's intermediate answers and its own reply), never below 0.
    pub fn transcript_budget(&self, context_window: usize) -> usize {
        if let Some(t) = self.transcript_tokens {
            return t;
        }
        let reserve = PROMPT_OVERHEAD_TOKENS
            + self.turns * (self.max_tokens + self.user_max_tokens)
            + 4 * self.max_tokens;
        context_window.saturating_sub(reserve)
    }

    /// True when the speakers are the personas: `mascot`, `sft`, and a prompting baseline
    /// with `persona_speakers`.
    pub fn speaks_as_personas(&self) -> bool {
        self.system.uses_personas() || (self.persona_speakers && self.system.is_prompting())
    }

    /// The system id the rows carry ([`crate::dialogue::system::system_id`]).
    pub fn system_id(&self) -> String {
        crate::dialogue::system::system_id(self.system, self.persona_speakers)
    }

    /// The order a run actually uses: single-assistant systems have none (`None`); `sft`
    /// and the persona-driven prompting baselines turn `director` into `round_robin`.
    pub fn effective_order(&self) -> Option<SpeakerOrder> {
        if self.speaks_as_personas() && self.system.is_prompting() {
            return Some(match self.order {
                SpeakerOrder::Director => SpeakerOrder::RoundRobin,
                o => o,
            });
        }
        match self.system {
            SystemKind::Mascot => Some(self.order),
            SystemKind::Sft if self.order == SpeakerOrder::Director => {
                Some(SpeakerOrder::RoundRobin)
            }
            SystemKind::Sft => Some(self.order),
            _ => None,
        }
    }

    /// Decoding of one call: `phase` names the call within turn `turn`, so every call of a
    /// run draws from its own seed; `thinking` is the role's switch (`None`: the model's).
    pub fn decoding(
        &self,
        max_tokens: usize,
        temperature: f32,
        thinking: Option<Thinking>,
        turn: usize,
        phase: u64,
    ) -> Decoding {
        Decoding {
            max_tokens,
            temperature,
            top_p: self.top_p,
            top_k: self.top_k,
            seed: mix_seed(mix_seed(self.seed, turn as u64), phase),
            thinking,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcript_budget_reserves_the_conversation() {
        let cfg = ConversationConfig {
            turns: 3,
            max_tokens: 100,
            user_max_tokens: 50,
            ..Default::default()
        };
        // 10_000 - 1024 - 3 * 150 - 400 = 8126
        assert_eq!(cfg.transcript_budget(10_000), 8126);
        assert_eq!(cfg.transcript_budget(1000), 0);
        let fixed = ConversationConfig {
            transcript_tokens: Some(77),
            ..cfg
        };
        assert_eq!(fixed.transcript_budget(10_000), 77);
    }

    #[test]
    fn orders_per_system() {
        let mut cfg = ConversationConfig::default();
        assert_eq!(cfg.effective_order(), Some(SpeakerOrder::Director));
        cfg.system = SystemKind::Sft;
        assert_eq!(cfg.effective_order(), Some(SpeakerOrder::RoundRobin));
        cfg.order = SpeakerOrder::Random;
        assert_eq!(cfg.effective_order(), Some(SpeakerOrder::Random));
        cfg.system = SystemKind::ZeroShot;
        assert_eq!(cfg.effective_order(), None);
    }
}
