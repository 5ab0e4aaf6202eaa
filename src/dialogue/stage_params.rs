//! From the planner's stage parameters to this library's settings, so the
//! `generate_conversations` and `optimize_director` stages stay thin adapters.

use crate::dialogue::config::ConversationConfig;
use crate::dialogue::error::DialogueError;
use crate::dialogue::group_reward::GroupRewardWeights;
use crate::dialogue::speaker_order::SpeakerOrder;
use crate::dialogue::system::SystemKind;
use crate::spec::judge::JudgeSpec;
use crate::spec::level::Level;
use crate::spec::reward::{RewardSignal, RewardSpec};
use crate::spec::stages::generate_conversations::GenerateConversationsParams;
use crate::spec::stages::optimize_director::OptimizeDirectorParams;

/// The run settings of a `generate_conversations` stage. `order` is `director`, `random`,
/// `round_robin`, or `fixed` (what the planner writes for the baselines: round-robin for
/// `sft`, unused by the single-assistant systems). Every role gets the stage's `max_tokens`
/// unless its `<role>_max_tokens` is set; speakers and director the stage's `temperature`,
/// the users 0.7, unless `<role>_temperature` is set; a role's `<role>_thinking`, when set,
/// overrides its model's own. Everything else keeps its [`ConversationConfig`] default.
pub fn config_from_generate_params(
    p: &GenerateConversationsParams,
) -> Result<ConversationConfig, DialogueError> {
    let system = SystemKind::parse(p.system.as_str()).ok_or_else(|| {
        DialogueError::config(
            format!("unknown system `{}`", p.system.as_str()),
            format!(
                "systems are {}",
                SystemKind::ALL.map(SystemKind::as_str).join(", ")
            ),
        )
    })?;
    let order = match p.order.as_str() {
        "fixed" => SpeakerOrder::RoundRobin,
        o => SpeakerOrder::parse(o).ok_or_else(|| {
            DialogueError::config(
                format!("unknown speaker order `{o}`"),
                "orders are director, random, shuffled, round_robin",
            )
        })?,
    };
    let defaults = ConversationConfig::default();
    Ok(ConversationConfig {
        system,
        order,
        turns: p.turns,
        max_tokens: p.speakers.max_tokens.unwrap_or(p.max_tokens),
        director_max_tokens: p.directing.max_tokens.unwrap_or(p.max_tokens),
        user_max_tokens: p.users.max_tokens.unwrap_or(p.max_tokens),
        temperature: p.speakers.temperature.unwrap_or(p.temperature),
        director_temperature: Some(p.directing.temperature.unwrap_or(p.temperature)),
        user_temperature: p.users.temperature.unwrap_or(defaults.user_temperature),
        speaker_thinking: p.speakers.thinking,
        director_thinking: p.directing.thinking,
        user_thinking: p.users.thinking,
        samples: p.samples.max(1),
        seed: p.seed,
        transcript_tokens: p.transcript_tokens,
        persona_speakers: p.persona_speakers,
        ..ConversationConfig::default()
    })
}

/// The rollout settings of an `optimize_director` stage: `mascot` with the director, `turns`
/// turns, directives sampled at the GRPO temperature with the GRPO `max_tokens`; speakers and
/// users with the stage's per-role budgets and temperatures (defaults: the
/// [`ConversationConfig`] ones, which `generate_conversations` plays with).
pub fn config_from_director_params(p: &OptimizeDirectorParams) -> ConversationConfig {
    let d = ConversationConfig::default();
    ConversationConfig {
        system: SystemKind::Mascot,
        order: SpeakerOrder::Director,
        turns: p.turns,
        max_tokens: p.speaker_max_tokens.unwrap_or(d.max_tokens),
        director_max_tokens: p.grpo.max_tokens,
        user_max_tokens: p.user_max_tokens.unwrap_or(d.user_max_tokens),
        temperature: p.speaker_temperature.unwrap_or(d.temperature),
        director_temperature: Some(p.grpo.temperature),
        user_temperature: p.user_temperature.unwrap_or(d.user_temperature),
        speaker_thinking: p.speaker_thinking,
        director_thinking: p.director_thinking,
        user_thinking: p.user_thinking,
        seed: p.seed,
        transcript_tokens: p.transcript_tokens,
        ..d
    }
}

/// The weights of a group reward (`w_c * coherence(judge) + eta * diverse()`) and the judge
/// of its coherence term. A reward without a coherence term has weight 0 on it.
pub fn group_reward_from_spec(
    spec: &RewardSpec,
) -> Result<(GroupRewardWeights, Option<JudgeSpec>), DialogueError> {
    if spec.level != Level::Group {
        return Err(DialogueError::config(
            "the director's reward is an agent-level reward",
            "optimize_director takes a group reward: coherence(<judge>) + eta * diverse()",
        ));
    }
    let mut weights = GroupRewardWeights {
        coherence: 0.0,
        eta: 0.0,
    };
    let mut judge = None;
    for term in &spec.terms {
        match &term.signal {
            RewardSignal::Coherence { judge: j } => {
                weights.coherence += term.weight;
                judge = Some(j.clone());
            }
            RewardSignal::Diverse => weights.eta += term.weight,
            other => {
                return Err(DialogueError::config(
                    format!("the group reward has an agent-level term {other:?}"),
                    "a group reward sums coherence(<judge>) and diverse() terms",
                ));
            }
        }
    }
    Ok((weights, judge))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::Thinking;
    use crate::spec::model::{ModelSource, ModelSpec, TinyConfig};
    use crate::spec::reward::RewardTerm;
    use crate::spec::stages::generate_conversations::{RoleSettings, SpeakingOrder, System};

    fn model() -> ModelSpec {
        ModelSpec {
            source: ModelSource::Tiny(TinyConfig {
                arch: "llama".into(),
                layers: 1,
                hidden: 8,
                intermediate: 8,
                heads: 1,
                kv_heads: 1,
                vocab: 300,
                max_seq_len: 64,
                seed: 0,
            }),
            dtype: "f32".into(),
            device: "cpu".into(),
            lora: None,
            thinking: Thinking::Auto,
        }
    }

    fn generate(system: &str, order: &str) -> GenerateConversationsParams {
        GenerateConversationsParams {
            system: System::from_name(system).expect("a known system"),
            speaker: model(),
            director: None,
            user: None,
            personas: vec![],
            order: SpeakingOrder::from_name(order).expect("a known order"),
            turns: 3,
            temperature: 0.5,
            max_tokens: 32,
            speakers: RoleSettings::default(),
            directing: RoleSettings::default(),
            users: RoleSettings::default(),
            samples: 4,
            limit: None,
            transcript_tokens: Some(99),
            seed: 11,
            persona_speakers: false,
        }
    }

    #[test]
    fn generate_params_map_onto_the_config() {
        let c = config_from_generate_params(&generate("mascot", "random")).unwrap();
        assert_eq!(
            (c.system, c.order, c.turns),
            (SystemKind::Mascot, SpeakerOrder::Random, 3)
        );
        assert_eq!((c.max_tokens, c.samples, c.seed), (32, 4, 11));
        assert_eq!(c.temperature, 0.5);
        assert_eq!(c.transcript_budget(10_000), 99);
        assert_eq!(
            (c.director_max_tokens, c.user_max_tokens),
            (32, 32),
            "the shared max_tokens is every role's default"
        );
        assert_eq!(
            (c.director_temperature, c.user_temperature),
            (Some(0.5), 0.7)
        );
        assert_eq!(
            (c.speaker_thinking, c.director_thinking, c.user_thinking),
            (None, None, None)
        );
        let c = config_from_generate_params(&generate("sft", "fixed")).unwrap();
        assert_eq!(c.effective_order(), Some(SpeakerOrder::RoundRobin));
        // An unknown system or order cannot reach this function: the planner's parameters
        // are closed enums (`System`, `SpeakingOrder`), checked when they are read.
    }

    #[test]
    fn per_role_settings_override_the_shared_ones() {
        let mut p = generate("mascot", "director");
        p.speakers = RoleSettings {
            max_tokens: Some(600),
            temperature: Some(0.6),
            thinking: Some(Thinking::On),
        };
        p.directing = RoleSettings {
            max_tokens: Some(128),
            temperature: None,
            thinking: Some(Thinking::Off),
        };
        p.users = RoleSettings {
            max_tokens: None,
            temperature: Some(1.0),
            thinking: Some(Thinking::Auto),
        };
        let c = config_from_generate_params(&p).unwrap();
        assert_eq!(
            (c.max_tokens, c.director_max_tokens, c.user_max_tokens),
            (600, 128, 32)
        );
        assert_eq!(
            (c.temperature, c.director_temperature, c.user_temperature),
            (0.6, Some(0.5), 1.0)
        );
        assert_eq!(
            (c.speaker_thinking, c.director_thinking, c.user_thinking),
            (
                Some(Thinking::On),
                Some(Thinking::Off),
                Some(Thinking::Auto)
            )
        );
    }

    #[test]
    fn group_reward_spec_gives_weights_and_judge() {
        let spec = RewardSpec {
            level: Level::Group,
            terms: vec![
                RewardTerm {
                    weight: 1.0,
                    signal: RewardSignal::Coherence {
                        judge: JudgeSpec::Heuristic,
                    },
                },
                RewardTerm {
                    weight: 0.5,
                    signal: RewardSignal::Diverse,
                },
            ],
        };
        let (w, judge) = group_reward_from_spec(&spec).unwrap();
        assert_eq!((w.coherence, w.eta), (1.0, 0.5));
        assert_eq!(judge, Some(JudgeSpec::Heuristic));
        let agent = RewardSpec {
            level: Level::Agent,
            terms: vec![],
        };
        assert!(group_reward_from_spec(&agent).is_err());
    }
}
