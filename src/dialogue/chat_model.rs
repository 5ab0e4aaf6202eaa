//! [`ChatModel`]: the narrow interface the turn loop drives (a batch of chats and decoding
//! settings in, one completion per chat out), and [`generate_batched`], which splits a call
//! into device batches with a distinct seed per batch.

use crate::dialogue::error::DialogueError;
use crate::dialogue::rows::{Message, TokenCount};
use crate::dialogue::thinking::read_reply;
use crate::spec::model::Thinking;

/// Decoding settings of one call.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoding {
    pub max_tokens: usize,
    /// 0 is greedy.
    pub temperature: f32,
    pub top_p: f32,
    pub top_k: Option<usize>,
    pub seed: u64,
    /// The chat template's thinking switch for this call; `None`: the model's own setting
    /// ([`ChatModel::thinking`]).
    pub thinking: Option<Thinking>,
}

/// One generated reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    /// The reply text (special tokens skipped).
    pub text: String,
    pub prompt_tokens: usize,
    pub output_tokens: usize,
    /// The generated token ids, stop token included; empty when the model does not report
    /// them (scripted models).
    pub output_ids: Vec<u32>,
    /// The text after the think block (see [`crate::dialogue::thinking`]); set by
    /// [`generate_batched`], which every recipe reads replies through.
    pub visible: String,
    /// The think block's text, when the reply has one (set by [`generate_batched`]).
    pub think: Option<String>,
    /// The reply was cut inside its think block and has no visible text (set by
    /// [`generate_batched`]).
    pub truncated: bool,
}

impl Completion {
    pub fn tokens(&self) -> TokenCount {
        TokenCount {
            prompt: self.prompt_tokens,
            output: self.output_tokens,
        }
    }
}

/// A chat model: the runtime's [`crate::model::LoadedModel`], or a scripted one in tests.
pub trait ChatModel {
    /// One assistant reply per chat, in order. Sequence `i` of a call samples from a generator
    /// seeded by `decoding.seed` and `i`.
    fn generate(
        &self,
        chats: &[Vec<Message>],
        decoding: &Decoding,
    ) -> Result<Vec<Completion>, Box<dyn std::error::Error + Send + Sync>>;

    /// One assistant reply to one chat, its text handed to `on_text` as it is generated (for
    /// `mascot chat`). The default hands over the whole reply at once; the runtime's model
    /// streams it token by token.
    fn generate_streaming(
        &self,
        chat: &[Message],
        decoding: &Decoding,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Completion, Box<dyn std::error::Error + Send + Sync>> {
        let mut out = self.generate(&[chat.to_vec()], decoding)?;
        let completion = out.pop().ok_or("the model returned no reply")?;
        on_text(&completion.text);
        Ok(completion)
    }

    /// Tokens of `text` (used to cut QMSum transcripts to the context).
    fn count_tokens(&self, text: &str) -> Result<usize, Box<dyn std::error::Error + Send + Sync>>;

    /// Longest prompt + output the model accepts, in tokens.
    fn context_window(&self) -> usize;

    /// The thinking switch a call gets when its [`Decoding::thinking`] is `None` (the model
    /// declaration's `thinking`). Default `auto`.
    fn thinking(&self) -> Thinking {
        Thinking::Auto
    }

    /// The runtime model behind this one, so that calls to several models over one base can
    /// share a batch (multi-LoRA); none for scripted models.
    fn loaded(&self) -> Option<&crate::model::LoadedModel> {
        None
    }
}

/// The thinking switch a call of `model` with `decoding` renders its prompt with.
pub fn effective_thinking(model: &dyn ChatModel, decoding: &Decoding) -> Thinking {
    decoding.thinking.unwrap_or_else(|| model.thinking())
}

/// SplitMix64 of `a` and `b`: seeds derived from a base seed and an index, well spread.
pub fn mix_seed(a: u64, b: u64) -> u64 {
    let mut z = a ^ b
        .wrapping_add(0x9E37_79B9_7F4A_7C15)
        .wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Runs `chats` through `model` in batches of at most `batch_size`; batch `b` decodes with
/// seed `mix_seed(decoding.seed, b)`, so identical prompts in different batches still draw
/// different samples. Each completion's visible text, think trace and truncation are read
/// with the call's thinking switch ([`effective_thinking`]). `role` and `turn` name the
/// call in errors.
pub fn generate_batched(
    model: &dyn ChatModel,
    chats: &[Vec<Message>],
    decoding: &Decoding,
    batch_size: usize,
    role: &str,
    turn: usize,
) -> Result<Vec<Completion>, DialogueError> {
    let mut out = Vec::with_capacity(chats.len());
    let thinking = effective_thinking(model, decoding);
    for (b, batch) in chats.chunks(batch_size.max(1)).enumerate() {
        let cfg = Decoding {
            seed: mix_seed(decoding.seed, b as u64),
            ..decoding.clone()
        };
        let got = model
            .generate(batch, &cfg)
            .map_err(|source| DialogueError::Model {
                role: role.to_string(),
                turn,
                source,
            })?;
        if got.len() != batch.len() {
            return Err(DialogueError::CompletionCount {
                role: role.to_string(),
                expected: batch.len(),
                got: got.len(),
            });
        }
        out.extend(got.into_iter().map(|c| with_reply(c, thinking)));
    }
    Ok(out)
}

/// `c` with its visible text, think trace and truncation read from its raw text under the
/// thinking switch its prompt was rendered with.
pub fn with_reply(mut c: Completion, thinking: Thinking) -> Completion {
    let reply = read_reply(&c.text, thinking);
    c.visible = reply.visible;
    c.think = reply.think;
    c.truncated = reply.truncated;
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialogue::scripted::ScriptedModel;

    #[test]
    fn batches_get_distinct_seeds_and_keep_order() {
        let model =
            ScriptedModel::new(|chat, decoding| format!("{}@{}", chat[0].content, decoding.seed));
        let chats: Vec<Vec<Message>> = (0..5)
            .map(|i| vec![Message::user(format!("c{i}"))])
            .collect();
        let decoding = Decoding {
            max_tokens: 4,
            temperature: 1.0,
            top_p: 1.0,
            top_k: None,
            seed: 9,
            thinking: None,
        };
        let out = generate_batched(&model, &chats, &decoding, 2, "speaker", 0).unwrap();
        let texts: Vec<&str> = out.iter().map(|c| c.text.as_str()).collect();
        let s0 = mix_seed(9, 0);
        let s1 = mix_seed(9, 1);
        let s2 = mix_seed(9, 2);
        assert_eq!(
            texts,
            vec![
                format!("c0@{s0}"),
                format!("c1@{s0}"),
                format!("c2@{s1}"),
                format!("c3@{s1}"),
                format!("c4@{s2}"),
            ]
        );
        assert_ne!(s0, s1);
        assert_eq!(model.calls().len(), 3);
    }

    #[test]
    fn replies_are_read_with_the_calls_thinking_switch() {
        let decoding = |thinking| Decoding {
            max_tokens: 4,
            temperature: 0.0,
            top_p: 1.0,
            top_k: None,
            seed: 0,
            thinking,
        };
        let chats = vec![vec![Message::user("hi")]];
        // The model's own switch applies when the call sets none.
        let model = ScriptedModel::constant("no closing tag yet").with_thinking(Thinking::On);
        let c = &generate_batched(&model, &chats, &decoding(None), 8, "speaker", 0).unwrap()[0];
        assert!(c.truncated);
        assert_eq!(c.visible, "");
        assert_eq!(c.think.as_deref(), Some("no closing tag yet"));
        // A call's switch overrides the model's.
        let off = decoding(Some(Thinking::Off));
        let c = &generate_batched(&model, &chats, &off, 8, "speaker", 0).unwrap()[0];
        assert!(!c.truncated);
        assert_eq!(c.visible, "no closing tag yet");
        let model = ScriptedModel::constant("<think>\nplan\n</think>\n\nHello.");
        let on = decoding(Some(Thinking::On));
        let c = &generate_batched(&model, &chats, &on, 8, "speaker", 0).unwrap()[0];
        assert_eq!(
            (c.visible.as_str(), c.think.as_deref()),
            ("Hello.", Some("plan"))
        );
        assert_eq!(
            c.text, "<think>\nplan\n</think>\n\nHello.",
            "the raw text is kept"
        );
    }
}
