//! The turn loop (equation 6), batched across episodes. For each turn `t` of `N`:
//!
//! 1. the speaker: the director's directive `z_t ~ pi_Phi(. | h_<t)` names it (all episodes'
//!    directives in one batched call), or the speaker order does (round-robin, seeded
//!    random), or it is the single assistant of a baseline;
//! 2. the response `y_t` of that speaker, conditioned on its persona and the directive (the
//!    system's recipe, batched: one call per speaker model, or per recipe step);
//! 3. when the episode has a simulated user and `t < N - 1`, the user's reply (one batched
//!    call), so every turn but the last is answered.
//!
//! Every episode sees only its own history; episodes share nothing but the batches.

use crate::dialogue::chat_model::{ChatModel, generate_batched};
use crate::dialogue::config::ConversationConfig;
use crate::dialogue::director_phase::{DirectorView, direct};
use crate::dialogue::episode::EpisodeStart;
use crate::dialogue::error::DialogueError;
use crate::dialogue::history::{USER, Utterance};
use crate::dialogue::progress::DialogueProgress;
use crate::dialogue::respond::{ReplyRequest, participants, phase, respond};
use crate::dialogue::rows::{
    ConversationRow, DirectiveRow, EpisodeCounters, ParseFailure, TurnRow, UserReply,
};
use crate::dialogue::simulated_user::{SimulatedUser, user_prompt};
use crate::dialogue::speaker_order::{OrderDraw, SpeakerOrder, episode_rng};
use crate::dialogue::text::visible_reply;
use crate::spec::persona::Persona;

/// The models of a run.
pub struct Models<'a> {
    /// The director; needed by `mascot` with the `director` order, unused otherwise.
    pub director: Option<&'a dyn ChatModel>,
    /// The speakers: one model for every persona (and the single assistant of the
    /// baselines), or one per persona in persona order (persona systems only).
    pub speakers: Vec<&'a dyn ChatModel>,
    /// The simulated users' model; needed when an episode has a user.
    pub user: Option<&'a dyn ChatModel>,
}

/// One episode to play.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpisodePlan {
    pub start: EpisodeStart,
    pub user: Option<SimulatedUser>,
    /// 0-based rollout index (GRPO draws several per context).
    pub rollout: usize,
}

/// Every start with every user (none when `users` is empty), `rollouts` times each, in
/// (start, user, rollout) order.
pub fn plan_episodes(
    starts: &[EpisodeStart],
    users: &[SimulatedUser],
    rollouts: usize,
) -> Vec<EpisodePlan> {
    let users: Vec<Option<SimulatedUser>> = if users.is_empty() {
        vec![None]
    } else {
        users.iter().cloned().map(Some).collect()
    };
    let mut out = Vec::new();
    for start in starts {
        for user in &users {
            for rollout in 0..rollouts.max(1) {
                out.push(EpisodePlan {
                    start: start.clone(),
                    user: user.clone(),
                    rollout,
                });
            }
        }
    }
    out
}

struct Live {
    history: Vec<Utterance>,
    turns: Vec<TurnRow>,
    last_spoke: Vec<Option<usize>>,
    order: OrderDraw,
    counters: EpisodeCounters,
}

fn validate(
    cfg: &ConversationConfig,
    personas: &[Persona],
    episodes: &[EpisodePlan],
    models: &Models<'_>,
) -> Result<(), DialogueError> {
    fn bad(reason: impl Into<String>, help: &str) -> DialogueError {
        DialogueError::config(reason, help)
    }
    if cfg.turns == 0 {
        return Err(bad("turns = 0", "an episode has at least one turn"));
    }
    if cfg.batch_size == 0 || cfg.samples == 0 || cfg.strategy_agents == 0 {
        return Err(bad(
            "batch_size, samples and strategy_agents must be at least 1",
            "set them to 1 or more",
        ));
    }
    if models.speakers.is_empty() {
        return Err(bad(
            "no speaker model",
            "pass one speaker model, or one per persona",
        ));
    }
    if cfg.speaks_as_personas() {
        if personas.is_empty() {
            return Err(bad(
                format!("system `{}` has no personas", cfg.system_id()),
                "give the persona systems (mascot, sft, persona-driven baselines) at least one persona",
            ));
        }
        if models.speakers.len() != 1 && models.speakers.len() != personas.len() {
            return Err(bad(
                format!(
                    "{} speaker models for {} personas",
                    models.speakers.len(),
                    personas.len()
                ),
                "pass one speaker model shared by every persona, or one per persona",
            ));
        }
    } else if models.speakers.len() != 1 {
        return Err(bad(
            format!("system `{}` speaks with one assistant", cfg.system.as_str()),
            "pass exactly one speaker model to a single-assistant baseline",
        ));
    }
    if cfg.effective_order() == Some(SpeakerOrder::Director) && models.director.is_none() {
        return Err(bad(
            "the `director` order needs a director model",
            "pass a director, or use `order: random` / `round_robin` (MASCOT-C)",
        ));
    }
    if models.user.is_none() && episodes.iter().any(|e| e.user.is_some()) {
        return Err(bad(
            "episodes with simulated users but no user model",
            "pass the model that plays the users",
        ));
    }
    Ok(())
}

/// Plays every episode for `cfg.turns` turns and returns one row per episode, in order.
pub fn run_conversations(
    cfg: &ConversationConfig,
    personas: &[Persona],
    episodes: &[EpisodePlan],
    models: &Models<'_>,
    progress: &dyn DialogueProgress,
) -> Result<Vec<ConversationRow>, DialogueError> {
    validate(cfg, personas, episodes, models)?;
    let order = cfg.effective_order();
    let mut live: Vec<Live> = episodes
        .iter()
        .map(|e| {
            let user = e.user.as_ref().map(SimulatedUser::label);
            Live {
                history: Vec::new(),
                turns: Vec::new(),
                last_spoke: vec![None; personas.len()],
                order: OrderDraw::new(episode_rng(
                    cfg.seed,
                    &e.start.context_id,
                    user.as_deref(),
                    e.rollout,
                )),
                counters: EpisodeCounters::default(),
            }
        })
        .collect();
    progress.set_total((episodes.len() * cfg.turns) as u64);

    for turn in 0..cfg.turns {
        // 1. Who speaks, and on which directive.
        let mut chosen: Vec<(Option<usize>, Option<DirectiveRow>)> = Vec::with_capacity(live.len());
        match (order, models.director) {
            (Some(SpeakerOrder::Director), Some(director)) => {
                let views: Vec<DirectorView<'_>> = episodes
                    .iter()
                    .zip(&live)
                    .map(|(e, l)| DirectorView {
                        start: &e.start,
                        history: &l.history,
                        last_spoke: &l.last_spoke,
                    })
                    .collect();
                for d in direct(cfg, personas, director, &views, turn)? {
                    chosen.push((Some(d.persona), Some(d.directive)));
                }
            }
            (Some(o), _) => {
                for l in &mut live {
                    chosen.push((Some(l.order.next(o, turn, personas.len())), None));
                }
            }
            (None, _) => chosen.extend(live.iter().map(|_| (None, None))),
        }

        // 2. The responses.
        let requests: Vec<ReplyRequest<'_>> = episodes
            .iter()
            .zip(&live)
            .zip(&chosen)
            .map(|((e, l), (persona, directive))| ReplyRequest {
                start: &e.start,
                history: &l.history,
                persona: *persona,
                instruction: directive.as_ref().map(|d| d.instruction.as_str()),
            })
            .collect();
        let replies = respond(cfg, personas, &models.speakers, &requests, turn)?;

        for ((l, (persona, directive)), reply) in live.iter_mut().zip(chosen).zip(replies) {
            let c = &mut l.counters;
            c.turns += 1;
            c.model_calls += reply.calls;
            c.tokens.add(reply.all_tokens);
            c.format_fallbacks += reply.format_fallbacks;
            if reply.response.is_empty() {
                c.empty_responses += 1;
            }
            if reply.truncated {
                c.truncated_responses += 1;
            }
            if let Some(d) = &directive {
                c.director_calls += 1;
                c.model_calls += 1;
                c.tokens.add(d.tokens);
                if d.fallback {
                    c.fallbacks += 1;
                }
                if d.truncated {
                    c.truncated_directives += 1;
                }
                match &d.failure {
                    None => {}
                    Some(f) => {
                        c.parse_failures += 1;
                        match f {
                            ParseFailure::Empty => c.empty_directives += 1,
                            ParseFailure::MissingSpeaker => c.missing_speakers += 1,
                            ParseFailure::UnknownSpeaker { .. } => c.unknown_speakers += 1,
                        }
                    }
                }
            }
            if l.turns.last().is_some_and(|t| t.speaker == reply.speaker) {
                c.repeated_speakers += 1;
            }
            if let Some(p) = persona {
                l.last_spoke[p] = Some(turn);
            }
            l.history.push(Utterance {
                speaker: reply.speaker.clone(),
                text: reply.response.clone(),
            });
            let raw_response = (reply.raw.trim() != reply.response).then(|| reply.raw.clone());
            l.turns.push(TurnRow {
                index: turn,
                speaker: reply.speaker,
                directive,
                response: reply.response,
                raw_response,
                think: reply.think,
                truncated: reply.truncated,
                tokens: reply.tokens,
                steps: reply.steps,
                user_reply: None,
            });
        }

        // 3. The simulated users.
        if turn + 1 < cfg.turns
            && let Some(user_model) = models.user
        {
            let playing: Vec<usize> = (0..episodes.len())
                .filter(|&i| episodes[i].user.is_some())
                .collect();
            let chats: Vec<_> = playing
                .iter()
                .filter_map(|&i| {
                    episodes[i]
                        .user
                        .as_ref()
                        .map(|u| user_prompt(&episodes[i].start, u, &live[i].history))
                })
                .collect();
            if !chats.is_empty() {
                let who = participants(personas);
                let decoding = cfg.decoding(
                    cfg.user_max_tokens,
                    cfg.user_temperature,
                    cfg.user_thinking,
                    turn,
                    phase::USER,
                );
                let out =
                    generate_batched(user_model, &chats, &decoding, cfg.batch_size, "user", turn)?;
                for (&i, c) in playing.iter().zip(out) {
                    let l = &mut live[i];
                    let text = visible_reply(&c.visible, USER, &who);
                    l.counters.user_replies += 1;
                    if c.truncated {
                        l.counters.truncated_user_replies += 1;
                    }
                    l.counters.model_calls += 1;
                    l.counters.tokens.add(c.tokens());
                    l.history.push(Utterance {
                        speaker: USER.into(),
                        text: text.clone(),
                    });
                    if let Some(t) = l.turns.last_mut() {
                        t.user_reply = Some(UserReply {
                            text,
                            tokens: c.tokens(),
                            think: c.think,
                            truncated: c.truncated,
                        });
                    }
                }
            }
        }
        progress.advance(episodes.len() as u64);
    }

    let directives: usize = live.iter().map(|l| l.counters.director_calls).sum();
    let failures: usize = live.iter().map(|l| l.counters.parse_failures).sum();
    if directives > 0 {
        progress.log(&format!(
            "{failures} of {directives} directives named no persona (least recently used persona spoke instead)"
        ));
    }
    let order_name = match order {
        Some(o) => o.as_str(),
        None => "single",
    };
    Ok(episodes
        .iter()
        .zip(live)
        .map(|(e, mut l)| {
            let mut speakers: Vec<&str> = l.turns.iter().map(|t| t.speaker.as_str()).collect();
            speakers.sort_unstable();
            speakers.dedup();
            l.counters.distinct_speakers = speakers.len();
            ConversationRow {
                system: cfg.system_id(),
                order: order_name.to_string(),
                dataset: e.start.dataset,
                context_id: e.start.context_id.clone(),
                subset: e.start.subset.clone(),
                user_type: e.user.as_ref().map(SimulatedUser::label),
                rollout: e.rollout,
                opening: e.start.opening.clone(),
                turns: l.turns,
                counters: l.counters,
            }
        })
        .collect())
}
