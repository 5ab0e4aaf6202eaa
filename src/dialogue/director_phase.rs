//! The director's step of a turn for every episode at once: one batched call, each
//! directive parsed ([`parse_directive`]), a failed one falling back to the least recently
//! used persona. The exact prompt and output are kept for GRPO.

use crate::dialogue::chat_model::{ChatModel, generate_batched};
use crate::dialogue::config::ConversationConfig;
use crate::dialogue::directive::parse_directive;
use crate::dialogue::episode::EpisodeStart;
use crate::dialogue::error::DialogueError;
use crate::dialogue::history::Utterance;
use crate::dialogue::prompts_mascot::director_prompt;
use crate::dialogue::respond::phase;
use crate::dialogue::rows::DirectiveRow;
use crate::dialogue::speaker_order::least_recently_used;
use crate::spec::persona::Persona;

/// What the director decided for one episode.
pub(crate) struct Directed {
    pub persona: usize,
    pub directive: DirectiveRow,
}

/// One episode as the director sees it.
pub(crate) struct DirectorView<'a> {
    pub start: &'a EpisodeStart,
    pub history: &'a [Utterance],
    /// The last turn each persona spoke at.
    pub last_spoke: &'a [Option<usize>],
}

pub(crate) fn direct(
    cfg: &ConversationConfig,
    personas: &[Persona],
    director: &dyn ChatModel,
    views: &[DirectorView<'_>],
    turn: usize,
) -> Result<Vec<Directed>, DialogueError> {
    let prompts: Vec<_> = views
        .iter()
        .map(|v| director_prompt(v.start, personas, v.history, turn, cfg.turns))
        .collect();
    let temperature = cfg.director_temperature.unwrap_or(cfg.temperature);
    let decoding = cfg.decoding(
        cfg.director_max_tokens,
        temperature,
        cfg.director_thinking,
        turn,
        phase::DIRECTOR,
    );
    let out = generate_batched(
        director,
        &prompts,
        &decoding,
        cfg.batch_size,
        "director",
        turn,
    )?;
    let names: Vec<&str> = personas.iter().map(|p| p.name.as_str()).collect();
    Ok(views
        .iter()
        .zip(prompts)
        .zip(out)
        .map(|((v, prompt), c)| {
            let parsed = parse_directive(&c.visible, &names);
            let (persona, fallback) = match parsed.speaker {
                Some(p) => (p, false),
                None => (least_recently_used(v.last_spoke), true),
            };
            Directed {
                persona,
                directive: DirectiveRow {
                    prompt,
                    raw: c.text.clone(),
                    output_ids: c.output_ids.clone(),
                    parsed_speaker: parsed.speaker.map(|p| personas[p].name.clone()),
                    instruction: parsed.instruction,
                    failure: parsed.failure,
                    fallback,
                    tokens: c.tokens(),
                    thinking: cfg.director_thinking,
                    think: c.think.clone(),
                    truncated: c.truncated,
                },
            }
        })
        .collect())
}
