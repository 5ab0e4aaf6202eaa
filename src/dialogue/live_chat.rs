//! [`LiveChat`]: one interactive conversation with a MASCOT group (`mascot chat`). The user
//! writes a message; the director reads the conversation and picks the next persona with a
//! directive (or, without a director, the configured order picks); the persona answers, its
//! text streamed as it is generated. The prompts, directive parsing and fallback are the
//! turn loop's, so a chat sees exactly what an evaluated conversation sees.

use crate::dialogue::chat_model::ChatModel;
use crate::dialogue::config::ConversationConfig;
use crate::dialogue::director_phase::{DirectorView, direct};
use crate::dialogue::episode::EpisodeStart;
use crate::dialogue::error::DialogueError;
use crate::dialogue::history::{USER, Utterance};
use crate::dialogue::prompts_mascot::speaker_prompt;
use crate::dialogue::respond::{participants, phase};
use crate::dialogue::rows::{DatasetKind, DirectiveRow, Opening, TokenCount};
use crate::dialogue::speaker_order::{OrderDraw, SpeakerOrder, episode_rng};
use crate::dialogue::text::visible_reply;
use crate::spec::persona::Persona;

/// The context id a chat's prompts and random order are seeded with.
const CHAT_CONTEXT: &str = "chat";

/// The group a chat talks to.
pub struct ChatGroup<'a> {
    pub personas: &'a [Persona],
    /// The director; `None` picks speakers by `cfg.order` (random or round robin).
    pub director: Option<&'a dyn ChatModel>,
    /// The model every persona speaks with.
    pub speaker: &'a dyn ChatModel,
}

/// One agent turn of a chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatTurn {
    /// 0-based agent turn.
    pub turn: usize,
    pub speaker: String,
    /// The director's directive, when a director picked.
    pub directive: Option<DirectiveRow>,
    /// What the others see of the reply.
    pub response: String,
    /// The reply as generated (what was streamed).
    pub raw_response: String,
    pub tokens: TokenCount,
}

/// A conversation in progress.
pub struct LiveChat<'a> {
    cfg: ConversationConfig,
    group: ChatGroup<'a>,
    /// The situation the user is in (shown to every model as the background).
    background: String,
    start: Option<EpisodeStart>,
    history: Vec<Utterance>,
    last_spoke: Vec<Option<usize>>,
    turn: usize,
    order: OrderDraw,
}

impl<'a> LiveChat<'a> {
    /// A new chat. `background` is the situation every model is told (may be empty);
    /// `cfg` gives the decoding settings, the order without a director, and the seed.
    pub fn new(
        cfg: ConversationConfig,
        group: ChatGroup<'a>,
        background: impl Into<String>,
    ) -> Result<Self, DialogueError> {
        if group.personas.is_empty() {
            return Err(DialogueError::config(
                "a chat needs at least one persona",
                "list the personas of the pipeline (`personas: [anchor, ...]`)",
            ));
        }
        let rng = episode_rng(cfg.seed, CHAT_CONTEXT, None, 0);
        Ok(LiveChat {
            last_spoke: vec![None; group.personas.len()],
            cfg,
            group,
            background: background.into(),
            start: None,
            history: Vec::new(),
            turn: 0,
            order: OrderDraw::new(rng),
        })
    }

    /// The personas and the agent turn each last spoke at.
    pub fn who(&self) -> Vec<(&str, Option<usize>)> {
        self.group
            .personas
            .iter()
            .zip(&self.last_spoke)
            .map(|(p, t)| (p.name.as_str(), *t))
            .collect()
    }

    /// Whether a director picks the speakers.
    pub fn has_director(&self) -> bool {
        self.group.director.is_some()
    }

    /// The user says `text`; then one agent answers. `on_speaker` is called with the chosen
    /// persona (and the directive) before it speaks, `on_text` with each piece of its reply.
    pub fn user_says(
        &mut self,
        text: &str,
        on_speaker: &mut dyn FnMut(&str, Option<&DirectiveRow>),
        on_text: &mut dyn FnMut(&str),
    ) -> Result<ChatTurn, DialogueError> {
        match &self.start {
            None => {
                self.start = Some(EpisodeStart {
                    dataset: DatasetKind::EmpatheticDialogues,
                    context_id: CHAT_CONTEXT.into(),
                    subset: CHAT_CONTEXT.into(),
                    opening: Opening {
                        background: self.background.clone(),
                        user_message: text.to_string(),
                        cut: None,
                        emotion: None,
                    },
                })
            }
            Some(_) => self.history.push(Utterance {
                speaker: USER.into(),
                text: text.to_string(),
            }),
        }
        let Some(start) = self.start.as_ref() else {
            return Err(DialogueError::config(
                "the chat has no opening",
                "say something",
            ));
        };
        let turn = self.turn;
        // The director is told the conversation goes on for at least one more turn.
        let cfg = ConversationConfig {
            turns: self.cfg.turns.max(turn + 1),
            ..self.cfg.clone()
        };
        let personas = self.group.personas;
        let (persona, directive) = match self.group.director {
            Some(director) => {
                let view = DirectorView {
                    start,
                    history: &self.history,
                    last_spoke: &self.last_spoke,
                };
                let mut out = direct(&cfg, personas, director, &[view], turn)?;
                let d = out.pop().ok_or_else(|| DialogueError::CompletionCount {
                    role: "director".into(),
                    expected: 1,
                    got: 0,
                })?;
                (d.persona, Some(d.directive))
            }
            None => {
                let order = match cfg.order {
                    SpeakerOrder::Director => SpeakerOrder::RoundRobin,
                    o => o,
                };
                (self.order.next(order, turn, personas.len()), None)
            }
        };
        let Some(p) = personas.get(persona) else {
            return Err(DialogueError::config(
                "the director picked a persona that does not exist",
                "this is a bug in directive parsing",
            ));
        };
        on_speaker(&p.name, directive.as_ref());
        let prompt = speaker_prompt(
            start,
            p,
            &self.history,
            directive.as_ref().map(|d| d.instruction.as_str()),
        );
        let decoding = cfg.decoding(
            cfg.max_tokens,
            cfg.temperature,
            cfg.speaker_thinking,
            turn,
            phase::SPEAKER,
        );
        let completion = self
            .group
            .speaker
            .generate_streaming(&prompt, &decoding, on_text)
            .map_err(|source| DialogueError::Model {
                role: format!("speaker ({})", p.name),
                turn,
                source,
            })?;
        let names = participants(personas);
        let response = visible_reply(&completion.text, &p.name, &names);
        self.history.push(Utterance {
            speaker: p.name.clone(),
            text: response.clone(),
        });
        if let Some(slot) = self.last_spoke.get_mut(persona) {
            *slot = Some(turn);
        }
        self.turn += 1;
        Ok(ChatTurn {
            turn,
            speaker: p.name.clone(),
            directive,
            response,
            raw_response: completion.text.clone(),
            tokens: completion.tokens(),
        })
    }
}
