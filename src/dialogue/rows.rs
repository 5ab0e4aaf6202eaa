//! The rows of `conversations.jsonl`: one [`ConversationRow`] per episode, with every turn's
//! speaker, directive (raw and parsed, with the exact director prompt), response, token counts
//! and parse failures. These types are the artifact contract between `generate_conversations`
//! / `optimize_director` and the stages that read conversations (`evaluate`, reports, GRPO).

use serde::{Deserialize, Serialize};

use crate::spec::model::Thinking;

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_zero(value: &usize) -> bool {
    *value == 0
}

/// One chat message as the models see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: "system".into(),
            content: content.into(),
        }
    }

    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: "user".into(),
            content: content.into(),
        }
    }
}

/// Prompt and output token counts of one model call (or a sum of calls).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCount {
    pub prompt: usize,
    pub output: usize,
}

impl TokenCount {
    pub fn add(&mut self, other: TokenCount) {
        self.prompt += other.prompt;
        self.output += other.output;
    }
}

/// Which dataset an episode comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetKind {
    EmpatheticDialogues,
    Qmsum,
}

/// How much of a QMSum transcript the episode shows: the first `turns_kept` turns, chosen so
/// the prompts fit the model's context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptCut {
    pub turns_kept: usize,
    pub turns_total: usize,
    pub tokens_kept: usize,
    pub tokens_total: usize,
    /// The token budget the cut had to fit.
    pub budget: usize,
}

/// What the episode starts from (the `x` of equation 6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    /// ED: the situation the user wrote; QMSum: the (cut) meeting transcript.
    pub background: String,
    /// The first user turn: ED: the speaker's first utterance; QMSum: the query.
    pub user_message: String,
    /// QMSum only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut: Option<TranscriptCut>,
    /// ED only: the conversation's emotion label (`proud`, `sad`...), which the heuristic
    /// judge reads for the context's valence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emotion: Option<String>,
}

/// Why a directive did not name a known persona.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ParseFailure {
    /// Nothing but whitespace (or only a `<think>` block).
    Empty,
    /// The directive names someone (`<name>: ...`) who is not one of the personas.
    UnknownSpeaker { named: String },
    /// No `<name>:` head at all.
    MissingSpeaker,
}

/// The director's output for one turn, exactly as generated, and how it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectiveRow {
    /// The director's prompt, message by message: with [`DirectiveRow::raw`] (or
    /// [`DirectiveRow::output_ids`]) it is what GRPO recomputes log-probabilities of.
    pub prompt: Vec<Message>,
    /// The generated text, unmodified.
    pub raw: String,
    /// The generated token ids (stop token included) when the model reports them; empty for
    /// scripted models.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output_ids: Vec<u32>,
    /// The persona the directive names, when it names one.
    pub parsed_speaker: Option<String>,
    /// The instruction the speaker was given.
    pub instruction: String,
    pub failure: Option<ParseFailure>,
    /// True when the speaker was chosen by the fallback rule (least recently used persona).
    pub fallback: bool,
    pub tokens: TokenCount,
    /// The thinking switch the prompt was rendered with when the stage set one for the
    /// director (`None`: the director model's own), so the prompt can be re-encoded exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<Thinking>,
    /// The director's reasoning trace, when its output has a think block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub think: Option<String>,
    /// The directive was cut inside its think block (no `</think>`): nothing was parsed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub truncated: bool,
}

/// An intermediate model call of a system's recipe (chain-of-thought reasoning, a
/// self-consistency sample, a MultiAgentESC analysis...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipeStep {
    /// What the step is, e.g. `reasoning`, `sample_2`, `emotion`, `strategy_agent_1`.
    pub name: String,
    pub text: String,
    pub tokens: TokenCount,
}

/// The simulated user's reply after a turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserReply {
    pub text: String,
    pub tokens: TokenCount,
    /// The user model's reasoning trace, when its reply has a think block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub think: Option<String>,
    /// The reply was cut inside its think block: `text` is empty.
    #[serde(default, skip_serializing_if = "is_false")]
    pub truncated: bool,
}

/// One turn: who spoke, on what directive, what they said, and the user's reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnRow {
    /// 0-based.
    pub index: usize,
    /// A persona name, or `Assistant` for the single-assistant baselines.
    pub speaker: String,
    /// Present when a director chose the speaker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directive: Option<DirectiveRow>,
    /// The message the others see (a `<think>` block and a `Response:` label removed).
    pub response: String,
    /// The generated text of the call that produced the response, when it differs from
    /// `response`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_response: Option<String>,
    /// The speaker's reasoning trace (the think block of the call that produced the
    /// response), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub think: Option<String>,
    /// The reply was cut inside its think block (no `</think>`): `response` is empty
    /// because the budget ended in the reasoning, not because the speaker said nothing.
    #[serde(default, skip_serializing_if = "is_false")]
    pub truncated: bool,
    /// The call that produced the response.
    pub tokens: TokenCount,
    /// Intermediate calls of the recipe, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<RecipeStep>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_reply: Option<UserReply>,
}

/// Per-episode counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpisodeCounters {
    pub turns: usize,
    pub model_calls: usize,
    pub director_calls: usize,
    /// Directives that did not name a known persona (`empty + missing + unknown`).
    pub parse_failures: usize,
    pub empty_directives: usize,
    pub missing_speakers: usize,
    pub unknown_speakers: usize,
    /// Turns whose speaker came from the fallback rule.
    pub fallbacks: usize,
    /// Responses with no visible text (truncated ones included).
    pub empty_responses: usize,
    /// Speaker replies cut inside their think block (see [`TurnRow::truncated`]). The three
    /// truncation counts are not written when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub truncated_responses: usize,
    /// Directives cut inside their think block.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub truncated_directives: usize,
    /// Simulated-user replies cut inside their think block.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub truncated_user_replies: usize,
    /// Recipe outputs that did not follow their format (`Response:` missing, no valid
    /// strategy, an unreadable selection) and were read by the recipe's fallback rule.
    pub format_fallbacks: usize,
    pub user_replies: usize,
    /// Distinct speakers over the episode.
    pub distinct_speakers: usize,
    /// Turns whose speaker is the previous turn's speaker.
    pub repeated_speakers: usize,
    /// Every call of the episode, director and user included.
    pub tokens: TokenCount,
}

/// One line of `conversations.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationRow {
    /// `mascot`, `zero_shot`, ... (see [`crate::dialogue::SystemKind`]).
    pub system: String,
    /// `director`, `random`, `round_robin`, or `single` for one-assistant systems.
    pub order: String,
    pub dataset: DatasetKind,
    pub context_id: String,
    /// ED: the valence (`positive`...); QMSum: the domain.
    pub subset: String,
    /// The simulated user's MBTI code, `generic` for a user without a type, absent when no
    /// user was simulated.
    pub user_type: Option<String>,
    /// 0-based index among the rollouts of the same (context, user); 0 for evaluation.
    pub rollout: usize,
    pub opening: Opening,
    pub turns: Vec<TurnRow>,
    pub counters: EpisodeCounters,
}
