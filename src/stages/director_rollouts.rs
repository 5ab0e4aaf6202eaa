//! The director's GRPO rollouts (equation 7) for `optimize_director`: G episodes of N turns
//! per context (with the simulated user [`user_of`] gives it), played by the dialogue library's turn loop, as
//! `generate_conversations` plays them, with the current director (an inference copy of the
//! policy), frozen speakers (or the policy itself when the adapter is shared) and the users'
//! model; each episode is one rollout whose turns are the director's prompts and directives
//! (the speakers' and users' replies are context, never actions), rewarded with
//! `R_group = w_c * coherence + eta * diverse`.
//!
//! Also the coherence term: the judge scores each whole conversation on the group rubric's
//! relevance/coherence criterion (Table 6), its 1-5 Likert score scaled to [0, 1].

use std::cell::RefCell;

use crate::dialogue::history::render_background;
use crate::dialogue::{
    ChatModel, CoherenceScorer, ConversationConfig, ConversationRow, DialogueError, EpisodePlan,
    EpisodeStart, GroupRewardWeights, Models, NoProgress, SimulatedUser, group_rewards,
    run_conversations, scale_to_unit,
};
use crate::judge::any_judge::Judge;
use crate::judge::from_spec::persona_profile;
use crate::judge::item::{JudgeItem, Rubric, RubricCriterion, RubricLevel, Subject, Turn};
use crate::model::{ChatMessage, LoadedModel, SamplingConfig};
use crate::spec::persona::Persona;
use crate::train::grpo::{GrpoError, Rollout, RolloutSource};

/// The prompt row of director training: the context's index among the stage's starts and
/// its id (the id enters the run's fingerprint).
pub type DirectorPrompt = (usize, String);

/// The simulated user context `index` is played with: `users[index mod |users|]`, none
/// without users.
pub fn user_of(users: &[SimulatedUser], index: usize) -> Option<&SimulatedUser> {
    if users.is_empty() {
        None
    } else {
        users.get(index % users.len())
    }
}

/// Director rollouts over `starts`.
pub struct DirectorRollouts<'a> {
    /// The turn loop's settings; the seed, directive budget and temperature are replaced by
    /// the trainer's at every step.
    pub cfg: ConversationConfig,
    pub personas: &'a [Persona],
    pub starts: &'a [EpisodeStart],
    /// The simulated users every context is played with; empty: no user turns.
    pub users: &'a [SimulatedUser],
    /// The users' model (needed when `users` is not empty).
    pub user: Option<&'a dyn ChatModel>,
    /// Frozen speakers: one for every persona, or one per persona in persona order.
    pub speakers: Vec<&'a dyn ChatModel>,
    /// The speakers are the policy being trained (`adapter: shared`); `speakers` is unused.
    pub speakers_are_policy: bool,
    pub coherence: &'a dyn CoherenceScorer,
    pub weights: GroupRewardWeights,
    /// The conversations of the latest step (for the artifact's sample).
    pub last_rows: RefCell<Vec<ConversationRow>>,
}

fn dialogue_error(e: DialogueError) -> GrpoError {
    GrpoError::input(
        format!("director rollout: {e}"),
        "check the director, speakers and judge of the stage",
    )
}

impl RolloutSource for DirectorRollouts<'_> {
    type Prompt = DirectorPrompt;

    fn reward_terms(&self) -> Vec<(String, f64)> {
        vec![
            ("coherence".into(), self.weights.coherence),
            ("diverse".into(), self.weights.eta),
        ]
    }

    fn rollouts(
        &mut self,
        policy: &LoadedModel,
        prompts: &[DirectorPrompt],
        group: usize,
        sampling: &SamplingConfig,
    ) -> Result<Vec<Rollout>, GrpoError> {
        // (prompt, rollout) order: rollouts i*G..(i+1)*G belong to prompts[i].
        let mut episodes = Vec::with_capacity(prompts.len() * group);
        for (index, id) in prompts {
            let start = self.starts.get(*index).ok_or_else(|| {
                GrpoError::input(
                    format!("context {index} (`{id}`) is not among the stage's contexts"),
                    "this is a bug",
                )
            })?;
            let user = user_of(self.users, *index).cloned();
            for rollout in 0..group.max(1) {
                episodes.push(EpisodePlan {
                    start: start.clone(),
                    user: user.clone(),
                    rollout,
                });
            }
        }
        let cfg = ConversationConfig {
            seed: sampling.seed,
            director_max_tokens: sampling.max_tokens,
            director_temperature: Some(sampling.temperature),
            top_p: sampling.top_p,
            ..self.cfg.clone()
        };
        let models = Models {
            director: Some(policy as &dyn ChatModel),
            speakers: if self.speakers_are_policy {
                vec![policy as &dyn ChatModel]
            } else {
                self.speakers.clone()
            },
            user: self.user,
        };
        let rows = run_conversations(&cfg, self.personas, &episodes, &models, &NoProgress)
            .map_err(dialogue_error)?;
        let rewards = group_rewards(&rows, self.coherence, self.weights, self.personas.len())
            .map_err(dialogue_error)?;
        let stop_ids = &policy.tokenizer.stop_ids;
        let mut out = Vec::with_capacity(rows.len());
        for (row, reward) in rows.iter().zip(&rewards) {
            let mut turns = Vec::with_capacity(row.turns.len());
            let mut truncated = false;
            for turn in &row.turns {
                let Some(d) = &turn.directive else { continue };
                if d.output_ids.is_empty() {
                    continue; // an empty directive is no action (its turn fell back)
                }
                let messages: Vec<ChatMessage> = d
                    .prompt
                    .iter()
                    .map(|m| ChatMessage::new(m.role.clone(), m.content.clone()))
                    .collect();
                let prompt_ids = policy.encode_chat_with(&messages, d.thinking)?;
                truncated |= d.output_ids.last().is_none_or(|t| !stop_ids.contains(t));
                turns.push((prompt_ids, d.output_ids.clone()));
            }
            let mut rollout = Rollout::from_turns(turns).ok_or_else(|| {
                GrpoError::input(
                    format!(
                        "episode of context `{}` (rollout {}) has no directive to train on",
                        row.context_id, row.rollout
                    ),
                    "the director must write at least one token per turn",
                )
            })?;
            rollout.truncated = truncated;
            rollout.rewards = vec![reward.coherence, reward.diverse];
            out.push(rollout);
        }
        *self.last_rows.borrow_mut() = rows;
        Ok(out)
    }
}

/// The paper's group criterion the coherence term reads (Table 6).
pub const COHERENCE_CRITERION: &str = "relevance_and_coherence";

/// Coherence from a judge: each conversation judged on [`COHERENCE_CRITERION`] alone (1-5),
/// scaled to [0, 1]. A conversation the judge fails to score is an error naming it. Without
/// a judge (a reward with no coherence term, whose weight is then 0) every score is 0.
pub struct JudgeCoherence<'a> {
    pub judge: Option<&'a Judge>,
    pub personas: &'a [Persona],
    pub starts: &'a [EpisodeStart],
}

impl JudgeCoherence<'_> {
    fn rubric() -> Rubric {
        Rubric {
            level: RubricLevel::Group,
            criteria: vec![RubricCriterion {
                name: COHERENCE_CRITERION.into(),
                description: "Logical alignment with preceding turns and the overall \
                              conversation objective: semantic consistency and natural \
                              transitions."
                    .into(),
            }],
            low: 1,
            high: 5,
        }
    }
}

impl CoherenceScorer for JudgeCoherence<'_> {
    fn coherence(&self, conversations: &[ConversationRow]) -> Result<Vec<f64>, DialogueError> {
        let Some(judge) = self.judge else {
            return Ok(vec![0.0; conversations.len()]);
        };
        let rubric = Self::rubric();
        let profiles: Vec<_> = self.personas.iter().map(persona_profile).collect();
        let items: Vec<JudgeItem> = conversations
            .iter()
            .map(|row| {
                let start = self.starts.iter().find(|s| s.context_id == row.context_id);
                let context = start
                    .map(|s| {
                        vec![
                            Turn::user(render_background(s)),
                            Turn::user(s.opening.user_message.clone()),
                        ]
                    })
                    .unwrap_or_default();
                JudgeItem {
                    id: format!("{}/rollout-{}", row.context_id, row.rollout),
                    context,
                    emotion: None,
                    // As `evaluate` judges a conversation: each agent turn, then the user's
                    // reply to it.
                    subject: Subject::Conversation {
                        personas: profiles.clone(),
                        turns: row
                            .turns
                            .iter()
                            .flat_map(|t| {
                                std::iter::once(Turn::agent(t.speaker.clone(), t.response.clone()))
                                    .chain(
                                        t.user_reply.as_ref().map(|r| Turn::user(r.text.clone())),
                                    )
                            })
                            .collect(),
                    },
                }
            })
            .collect();
        let run = judge.judge(&rubric, &items).map_err(|e| {
            DialogueError::config(format!("coherence judge: {e}"), "check the judge")
        })?;
        run.judged
            .iter()
            .map(|j| {
                let score = j
                    .outcome
                    .scores()
                    .and_then(|s| s.get(COHERENCE_CRITERION))
                    .ok_or_else(|| {
                        DialogueError::config(
                            format!("the judge gave conversation `{}` no coherence score", j.id),
                            "check the judge's answers (a model judge must answer the rubric's JSON)",
                        )
                    })?;
                scale_to_unit(*score as f64, rubric.low as f64, rubric.high as f64)
            })
            .collect()
    }
}
