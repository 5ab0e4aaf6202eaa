//! The response step of a turn for every episode at once, per system: persona speakers
//! (grouped by speaker model, one batched call per model), the single-assistant prompts, the
//! self-consistency samples, or the MultiAgentESC pipeline ([`crate::dialogue::esc`]).

use crate::dialogue::chat_model::{
    ChatModel, Completion, Decoding, effective_thinking, generate_batched, with_reply,
};
use crate::dialogue::config::ConversationConfig;
use crate::dialogue::episode::EpisodeStart;
use crate::dialogue::error::DialogueError;
use crate::dialogue::esc::esc_replies;
use crate::dialogue::history::{ASSISTANT, USER, Utterance};
use crate::dialogue::loaded_chat_model::{ModelCall, generate_across};
use crate::dialogue::prompts_mascot::speaker_prompt;
use crate::dialogue::prompts_single::{
    PromptStyle, baseline_prompt, few_shot_examples, read_cot_answer,
};
use crate::dialogue::rows::{Message, RecipeStep, TokenCount};
use crate::dialogue::self_consistency::{consistency_scores, most_consistent};
use crate::dialogue::system::SystemKind;
use crate::dialogue::text::{cut_at_other_turn, visible_reply};
use crate::spec::persona::Persona;

/// Seed phases of the calls of a turn (see [`ConversationConfig::decoding`]).
pub(crate) mod phase {
    pub const DIRECTOR: u64 = 1;
    pub const SPEAKER: u64 = 2;
    pub const USER: u64 = 3;
    pub const SAMPLES: u64 = 4;
    pub const ESC: u64 = 16;
}

/// The participants of a single-assistant conversation.
pub(crate) const SINGLE: [&str; 2] = [ASSISTANT, USER];

/// The participants of a persona conversation: the personas, the user and the assistant.
pub(crate) fn participants(personas: &[Persona]) -> Vec<&str> {
    personas
        .iter()
        .map(|p| p.name.as_str())
        .chain([USER, ASSISTANT])
        .collect()
}

/// What to answer: an episode's start and history, and who speaks.
pub(crate) struct ReplyRequest<'a> {
    pub start: &'a EpisodeStart,
    pub history: &'a [Utterance],
    /// The persona speaking (persona systems); `None` for the single assistant.
    pub persona: Option<usize>,
    /// The director's instruction, when a director chose the speaker.
    pub instruction: Option<&'a str>,
}

/// One episode's reply, with what it cost.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reply {
    pub speaker: String,
    pub response: String,
    pub raw: String,
    /// The call that produced the response.
    pub tokens: TokenCount,
    pub steps: Vec<RecipeStep>,
    /// Every call of the recipe.
    pub calls: usize,
    pub all_tokens: TokenCount,
    pub format_fallbacks: usize,
    /// The think trace of the call that produced the response.
    pub think: Option<String>,
    /// That call was cut inside its think block.
    pub truncated: bool,
}

impl Reply {
    pub(crate) fn from_completion(speaker: &str, response: String, c: &Completion) -> Self {
        Self {
            speaker: speaker.to_string(),
            response,
            raw: c.text.clone(),
            tokens: c.tokens(),
            steps: Vec::new(),
            calls: 1,
            all_tokens: c.tokens(),
            format_fallbacks: 0,
            think: c.think.clone(),
            truncated: c.truncated,
        }
    }
}

/// The replies of turn `turn`, one per request, in order.
pub(crate) fn respond(
    cfg: &ConversationConfig,
    personas: &[Persona],
    speakers: &[&dyn ChatModel],
    requests: &[ReplyRequest<'_>],
    turn: usize,
) -> Result<Vec<Reply>, DialogueError> {
    let Some(&assistant) = speakers.first() else {
        return Err(DialogueError::config(
            "no speaker model",
            "pass one speaker model, or one per persona",
        ));
    };
    let style = |few_shot, chain_of_thought| PromptStyle {
        few_shot,
        chain_of_thought,
    };
    match cfg.system {
        SystemKind::Mascot | SystemKind::Sft => {
            persona_replies(cfg, personas, speakers, requests, turn)
        }
        SystemKind::ZeroShot => single_replies(
            cfg,
            personas,
            assistant,
            requests,
            turn,
            style(false, false),
        ),
        SystemKind::FewShot => {
            single_replies(cfg, personas, assistant, requests, turn, style(true, false))
        }
        SystemKind::ZeroShotCot => {
            single_replies(cfg, personas, assistant, requests, turn, style(false, true))
        }
        SystemKind::FewShotCot => {
            single_replies(cfg, personas, assistant, requests, turn, style(true, true))
        }
        SystemKind::SelfConsistency => sc_replies(cfg, personas, assistant, requests, turn),
        SystemKind::MultiAgentEsc => esc_replies(cfg, assistant, requests, turn),
    }
}

fn persona_replies(
    cfg: &ConversationConfig,
    personas: &[Persona],
    speakers: &[&dyn ChatModel],
    requests: &[ReplyRequest<'_>],
    turn: usize,
) -> Result<Vec<Reply>, DialogueError> {
    let mut replies: Vec<Option<Reply>> = vec![None; requests.len()];
    // One call per speaker model: all personas share model 0 unless one model per persona.
    let model_of = |p: usize| if speakers.len() == 1 { 0 } else { p };
    // (speaker model, its (request, persona) pairs, their chats, the call's decoding)
    type Call = (usize, Vec<(usize, usize)>, Vec<Vec<Message>>, Decoding);
    let mut calls: Vec<Call> = Vec::new();
    for m in 0..speakers.len() {
        let mine: Vec<(usize, usize)> = requests
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.persona.filter(|&p| model_of(p) == m).map(|p| (i, p)))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let chats: Vec<Vec<Message>> = mine
            .iter()
            .map(|&(i, p)| {
                let r = &requests[i];
                speaker_prompt(r.start, &personas[p], r.history, r.instruction)
            })
            .collect();
        let decoding = cfg.decoding(
            cfg.max_tokens,
            cfg.temperature,
            cfg.speaker_thinking,
            turn,
            phase::SPEAKER + 256 * m as u64,
        );
        calls.push((m, mine, chats, decoding));
    }
    // Speakers that are adapters over one base: one mixed batch for all of them.
    let across: Vec<ModelCall<'_>> = calls
        .iter()
        .map(|(m, _, chats, decoding)| ModelCall {
            model: *m,
            chats,
            decoding,
        })
        .collect();
    let outs = match generate_across(speakers, &across, cfg.batch_size) {
        // Read as `generate_batched` reads its completions (visible text, think trace).
        Some(out) => out
            .map_err(|source| DialogueError::Model {
                role: "speaker".into(),
                turn,
                source,
            })?
            .into_iter()
            .zip(&calls)
            .map(|(cs, (m, _, _, decoding))| {
                let thinking = effective_thinking(speakers[*m], decoding);
                cs.into_iter().map(|c| with_reply(c, thinking)).collect()
            })
            .collect::<Vec<Vec<Completion>>>(),
        None => calls
            .iter()
            .map(|(m, _, chats, decoding)| {
                generate_batched(
                    speakers[*m],
                    chats,
                    decoding,
                    cfg.batch_size,
                    "speaker",
                    turn,
                )
            })
            .collect::<Result<_, _>>()?,
    };
    for ((_, mine, _, _), out) in calls.into_iter().zip(outs) {
        for ((i, p), c) in mine.into_iter().zip(out) {
            let name = &personas[p].name;
            replies[i] = Some(Reply::from_completion(
                name,
                visible_reply(&c.visible, name, &participants(personas)),
                &c,
            ));
        }
    }
    replies
        .into_iter()
        .map(|r| {
            r.ok_or_else(|| {
                DialogueError::config(
                    "a persona system's turn has no persona speaker",
                    "persona systems need a speaker order or a director",
                )
            })
        })
        .collect()
}

fn single_replies(
    cfg: &ConversationConfig,
    personas: &[Persona],
    model: &dyn ChatModel,
    requests: &[ReplyRequest<'_>],
    turn: usize,
    style: PromptStyle,
) -> Result<Vec<Reply>, DialogueError> {
    let chats: Vec<Vec<Message>> = requests
        .iter()
        .map(|r| {
            let speaker = r.persona.and_then(|p| personas.get(p));
            // The single assistant learns from every persona's examples; a persona from its
            // own (else the dataset's fixed set).
            let examples = match speaker {
                Some(p) => few_shot_examples(std::slice::from_ref(p), r.start.dataset),
                None => few_shot_examples(personas, r.start.dataset),
            };
            baseline_prompt(r.start, speaker, r.history, style, &examples)
        })
        .collect();
    let decoding = cfg.decoding(
        cfg.max_tokens,
        cfg.temperature,
        cfg.speaker_thinking,
        turn,
        phase::SPEAKER,
    );
    let out = generate_batched(model, &chats, &decoding, cfg.batch_size, "assistant", turn)?;
    Ok(requests
        .iter()
        .zip(&out)
        .map(|(r, c)| {
            let (name, who) = speaker_of(personas, r);
            if style.chain_of_thought {
                let answer = read_cot_answer(&c.visible);
                let response = cut_at_other_turn(&answer.response, name, &who);
                let mut reply = Reply::from_completion(name, response, c);
                reply.format_fallbacks = usize::from(!answer.format_ok);
                reply
            } else {
                Reply::from_completion(name, visible_reply(&c.visible, name, &who), c)
            }
        })
        .collect())
}

/// Who speaks a prompting baseline's reply, and the participants of its conversation: the
/// request's persona among the personas, else the single assistant.
fn speaker_of<'a>(personas: &'a [Persona], r: &ReplyRequest<'_>) -> (&'a str, Vec<&'a str>) {
    match r.persona.and_then(|p| personas.get(p)) {
        Some(p) => (p.name.as_str(), participants(personas)),
        None => (ASSISTANT, SINGLE.to_vec()),
    }
}

/// Self-consistency: `cfg.samples` zero-shot chain-of-thought samples per episode (as the
/// speaking persona when there is one), the most consistent kept ([`most_consistent`]).
fn sc_replies(
    cfg: &ConversationConfig,
    personas: &[Persona],
    model: &dyn ChatModel,
    requests: &[ReplyRequest<'_>],
    turn: usize,
) -> Result<Vec<Reply>, DialogueError> {
    let n = cfg.samples.max(1);
    let style = PromptStyle {
        few_shot: false,
        chain_of_thought: true,
    };
    let chats: Vec<Vec<Message>> = requests
        .iter()
        .flat_map(|r| {
            let speaker = r.persona.and_then(|p| personas.get(p));
            let prompt = baseline_prompt(r.start, speaker, r.history, style, &[]);
            std::iter::repeat_n(prompt, n)
        })
        .collect();
    let decoding = cfg.decoding(
        cfg.max_tokens,
        cfg.temperature,
        cfg.speaker_thinking,
        turn,
        phase::SAMPLES,
    );
    let out = generate_batched(model, &chats, &decoding, cfg.batch_size, "assistant", turn)?;
    let mut replies = Vec::with_capacity(requests.len());
    for (r, samples) in requests.iter().zip(out.chunks(n)) {
        let (name, who) = speaker_of(personas, r);
        let answers: Vec<_> = samples
            .iter()
            .map(|c| read_cot_answer(&c.visible))
            .collect();
        let texts: Vec<String> = answers
            .iter()
            .map(|a| cut_at_other_turn(&a.response, name, &who))
            .collect();
        let scores = consistency_scores(&texts);
        let best = most_consistent(&texts).unwrap_or(0);
        let chosen = &samples[best];
        let mut reply = Reply::from_completion(name, texts[best].clone(), chosen);
        reply.calls = samples.len();
        reply.all_tokens = TokenCount::default();
        for (k, (c, a)) in samples.iter().zip(&answers).enumerate() {
            reply.all_tokens.add(c.tokens());
            reply.steps.push(RecipeStep {
                name: format!("sample_{}", k + 1),
                text: a.response.clone(),
                tokens: c.tokens(),
            });
        }
        reply.steps.push(RecipeStep {
            name: "chosen".into(),
            text: format!(
                "sample_{} of {}, mean word overlap {:.3}",
                best + 1,
                samples.len(),
                scores.get(best).copied().unwrap_or(0.0)
            ),
            tokens: TokenCount::default(),
        });
        reply.format_fallbacks = usize::from(!answers[best].format_ok);
        replies.push(reply);
    }
    Ok(replies)
}
