//! `train_sft { demonstrations: trajectories }`: the teacher plays whole group conversations
//! through the dialogue library's turn loop, in `generate_conversations`' episode shape (the
//! director's directive, the named persona's turn, the simulated user's reply after every
//! turn but the last when the stage has users), and each conversation becomes one
//! multi-turn demonstration per persona that spoke.
//!
//! A persona's demonstration: the system prompt and first user message are exactly the
//! speaker prompt it answered at its first turn (the conversation so far and the director's
//! instruction); its replies are the assistant turns; between two of its replies, one user
//! message holds what the others said since (`Name: text` lines) and the next instruction.
//! The loss sees the assistant turns only (TRL's `assistant_only_loss`), so every persona
//! turn is trained with the earlier turns as context.

use serde::Serialize;

use crate::dialogue::history::{USER, Utterance};
use crate::dialogue::prompts_mascot::speaker_prompt;
use crate::dialogue::{
    ConversationConfig, ConversationRow, EpisodeStart, Models, SimulatedUser, SpeakerOrder,
    SystemKind, plan_episodes, run_conversations, starts_from_records,
};
use crate::model::ChatMessage;
use crate::spec::persona::Persona;
use crate::spec::stages::train_sft::{DEFAULT_TRAJECTORY_TURNS, TrainSftParams};
use crate::stages::context::StageContext;
use crate::stages::generate_conversations::read_users;
use crate::stages::teacher::Teacher;
use crate::train::sft::SftExample;

/// One line of `demonstrations.jsonl` in trajectory mode: a [`SftExample`] (TRL's
/// conversational prompt-completion row) with where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct TrajectoryDemo {
    pub context_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    pub persona: String,
    /// Assistant turns in `completion`.
    pub turns: usize,
    #[serde(flatten)]
    pub example: SftExample,
}

/// The conversation the others see, as utterances, up to (not including) turn `upto`.
fn history(row: &ConversationRow, upto: usize) -> Vec<Utterance> {
    let mut out = Vec::new();
    for t in row.turns.iter().take(upto) {
        out.push(Utterance {
            speaker: t.speaker.clone(),
            text: t.response.clone(),
        });
        if let Some(r) = &t.user_reply {
            out.push(Utterance {
                speaker: USER.into(),
                text: r.text.clone(),
            });
        }
    }
    out
}

/// One demonstration per persona that spoke in `row` (played from `start`), in persona order.
/// A persona with an empty reply is left out (its turn would teach silence).
pub fn persona_demonstrations(
    start: &EpisodeStart,
    row: &ConversationRow,
    personas: &[Persona],
) -> Vec<TrajectoryDemo> {
    let mut out = Vec::new();
    for persona in personas {
        let turns: Vec<usize> = row
            .turns
            .iter()
            .enumerate()
            .filter(|(_, t)| t.speaker == persona.name)
            .map(|(i, _)| i)
            .collect();
        let Some(&first) = turns.first() else {
            continue;
        };
        if turns
            .iter()
            .any(|&i| row.turns[i].response.trim().is_empty())
        {
            continue;
        }
        let instruction = |i: usize| {
            row.turns[i]
                .directive
                .as_ref()
                .map(|d| d.instruction.clone())
                .filter(|s| !s.trim().is_empty())
        };
        let prompt: Vec<ChatMessage> = speaker_prompt(
            start,
            persona,
            &history(row, first),
            instruction(first).as_deref(),
        )
        .into_iter()
        .map(|m| ChatMessage::new(m.role, m.content))
        .collect();
        let mut completion = vec![ChatMessage::new(
            "assistant",
            row.turns[first].response.clone(),
        )];
        for pair in turns.windows(2) {
            let (prev, next) = (pair[0], pair[1]);
            // What was said after the persona's previous reply (which is its own turn).
            let from = history(row, prev).len() + 1;
            let lines: Vec<String> = history(row, next)
                .iter()
                .skip(from)
                .map(|u| format!("{}: {}", u.speaker, u.text))
                .collect();
            let mut user = if lines.is_empty() {
                "(No one else has spoken since your last message.)".to_string()
            } else {
                format!("Since your last message:\n{}", lines.join("\n"))
            };
            if let Some(i) = instruction(next) {
                user.push_str(&format!("\n\nThe director asks you: {}", i.trim()));
            }
            user.push_str(&format!(
                "\n\nWrite {}'s next message. Reply with the message only.",
                persona.name
            ));
            completion.push(ChatMessage::new("user", user));
            completion.push(ChatMessage::new(
                "assistant",
                row.turns[next].response.clone(),
            ));
        }
        out.push(TrajectoryDemo {
            context_id: row.context_id.clone(),
            user_type: row.user_type.clone(),
            persona: persona.name.clone(),
            turns: turns.len(),
            example: SftExample { prompt, completion },
        });
    }
    out
}

/// The episode settings of a trajectory run: MASCOT with the director, every role's budget
/// the stage's `max_tokens`.
pub fn trajectory_config(params: &TrainSftParams, max_tokens: usize) -> ConversationConfig {
    ConversationConfig {
        system: SystemKind::Mascot,
        order: SpeakerOrder::Director,
        turns: params.turns.unwrap_or(DEFAULT_TRAJECTORY_TURNS),
        max_tokens,
        director_max_tokens: max_tokens,
        user_max_tokens: max_tokens,
        seed: params.seed,
        ..ConversationConfig::default()
    }
}

/// Plays the trajectories with `teacher` in every role over `records` and returns the
/// demonstrations and the conversations.
pub fn teacher_trajectories(
    ctx: &StageContext,
    params: &TrainSftParams,
    teacher: &Teacher<'_>,
    records: &[serde_json::Value],
    max_tokens: usize,
) -> miette::Result<(Vec<TrajectoryDemo>, Vec<ConversationRow>)> {
    let cfg = trajectory_config(params, max_tokens);
    let users: Vec<SimulatedUser> = read_users(ctx)?
        .into_iter()
        .map(SimulatedUser::mbti)
        .collect();
    let budget = cfg.transcript_budget(crate::dialogue::ChatModel::context_window(teacher));
    let starts = starts_from_records(records, teacher, budget)?;
    let episodes = plan_episodes(&starts, &users, 1);
    ctx.progress.log(&format!(
        "the teacher plays {} conversations ({} contexts x {} users), {} turns",
        episodes.len(),
        starts.len(),
        users.len().max(1),
        cfg.turns
    ));
    let models = Models {
        director: Some(teacher),
        speakers: vec![teacher],
        user: (!users.is_empty()).then_some(teacher as &dyn crate::dialogue::ChatModel),
    };
    let rows = run_conversations(
        &cfg,
        &params.personas,
        &episodes,
        &models,
        &crate::dialogue::NoProgress,
    )?;
    let demos = episodes
        .iter()
        .zip(&rows)
        .flat_map(|(e, row)| persona_demonstrations(&e.start, row, &params.personas))
        .collect();
    Ok((demos, rows))
}
