//! [`ChatModel`] over the model runtime: [`LoadedModel::generate_chat`] for a batch,
//! [`LoadedModel::generate_chat_streaming`] for one streamed reply, its tokenizer for
//! counts, its `max_seq_len` as the context window.

use crate::dialogue::chat_model::{ChatModel, Completion, Decoding, mix_seed};
use crate::dialogue::rows::Message;
use crate::model::generation::sequence_seed;
use crate::model::mixed::{MixedRequest, can_mix, generate_mixed};
use crate::model::{ChatMessage, Generation, LoadedModel, SamplingConfig, Thinking};

impl ChatModel for LoadedModel {
    fn generate(
        &self,
        chats: &[Vec<Message>],
        decoding: &Decoding,
    ) -> Result<Vec<Completion>, Box<dyn std::error::Error + Send + Sync>> {
        let chats: Vec<Vec<ChatMessage>> = chats
            .iter()
            .map(|c| {
                c.iter()
                    .map(|m| ChatMessage::new(m.role.clone(), m.content.clone()))
                    .collect()
            })
            .collect();
        let out = self.generate_chat_with(&chats, &sampling(decoding), decoding.thinking)?;
        Ok(out
            .into_iter()
            .map(|g| Completion {
                prompt_tokens: g.prompt_ids.len(),
                output_tokens: g.output_ids.len(),
                text: g.text,
                output_ids: g.output_ids,
                ..Completion::default()
            })
            .collect())
    }

    fn generate_streaming(
        &self,
        chat: &[Message],
        decoding: &Decoding,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Completion, Box<dyn std::error::Error + Send + Sync>> {
        let chat: Vec<ChatMessage> = chat
            .iter()
            .map(|m| ChatMessage::new(m.role.clone(), m.content.clone()))
            .collect();
        let g = self.generate_chat_streaming_with(
            &chat,
            &sampling(decoding),
            decoding.thinking,
            on_text,
        )?;
        Ok(Completion {
            prompt_tokens: g.prompt_ids.len(),
            output_tokens: g.output_ids.len(),
            text: g.text,
            output_ids: g.output_ids,
            ..Completion::default()
        })
    }

    fn count_tokens(&self, text: &str) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
        Ok(self.tokenizer.encode(text)?.len())
    }

    fn context_window(&self) -> usize {
        self.config.max_seq_len
    }

    fn thinking(&self) -> Thinking {
        self.thinking
    }

    fn loaded(&self) -> Option<&LoadedModel> {
        Some(self)
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The completions of each call of [`generate_across`], in order.
type PerCall = Result<Vec<Vec<Completion>>, BoxError>;

/// One call of [`generate_across`]: a model (index), its chats and decoding settings.
pub(crate) struct ModelCall<'a> {
    pub model: usize,
    pub chats: &'a [Vec<Message>],
    pub decoding: &'a Decoding,
}

/// Several calls to models over one shared base as one mixed-adapter batch (in device
/// batches of `batch_size` rows): each chat gets the seed that [`generate_batched`] would
/// give it in its own call, so the completions are those of the calls made one by one.
/// `None` when the models cannot share a batch or the calls decode differently.
///
/// [`generate_batched`]: crate::dialogue::chat_model::generate_batched
pub(crate) fn generate_across(
    models: &[&dyn ChatModel],
    calls: &[ModelCall<'_>],
    batch_size: usize,
) -> Option<PerCall> {
    let loaded: Vec<&LoadedModel> = models.iter().map(|m| m.loaded()).collect::<Option<_>>()?;
    let first = calls.first()?.decoding;
    let same = |d: &Decoding| {
        Decoding {
            seed: 0,
            ..d.clone()
        } == Decoding {
            seed: 0,
            ..first.clone()
        }
    };
    if models.len() < 2 || !calls.iter().all(|c| same(c.decoding)) || !can_mix(&loaded) {
        return None;
    }
    Some(mixed_calls(&loaded, calls, first, batch_size.max(1)))
}

fn mixed_calls(
    loaded: &[&LoadedModel],
    calls: &[ModelCall<'_>],
    decoding: &Decoding,
    batch_size: usize,
) -> PerCall {
    let mut requests = Vec::new();
    for call in calls {
        for (b, chunk) in call.chats.chunks(batch_size).enumerate() {
            let seed = mix_seed(call.decoding.seed, b as u64);
            for (i, chat) in chunk.iter().enumerate() {
                requests.push(MixedRequest {
                    model: call.model,
                    prompt: loaded[call.model]
                        .encode_chat_with(&chat_messages(chat), call.decoding.thinking)?,
                    seed: sequence_seed(seed, i),
                });
            }
        }
    }
    let cfg = sampling(decoding);
    let mut done = Vec::with_capacity(requests.len());
    for batch in requests.chunks(batch_size) {
        done.extend(generate_mixed(loaded, batch, &cfg)?);
    }
    let mut done = done.into_iter().map(completion);
    Ok(calls
        .iter()
        .map(|c| done.by_ref().take(c.chats.len()).collect())
        .collect())
}

fn chat_messages(chat: &[Message]) -> Vec<ChatMessage> {
    chat.iter()
        .map(|m| ChatMessage::new(m.role.clone(), m.content.clone()))
        .collect()
}

fn completion(g: Generation) -> Completion {
    Completion {
        prompt_tokens: g.prompt_ids.len(),
        output_tokens: g.output_ids.len(),
        text: g.text,
        output_ids: g.output_ids,
        ..Completion::default()
    }
}

fn sampling(decoding: &Decoding) -> SamplingConfig {
    SamplingConfig {
        max_tokens: decoding.max_tokens,
        temperature: decoding.temperature,
        top_k: decoding.top_k,
        top_p: decoding.top_p,
        seed: decoding.seed,
        stop: Vec::new(),
    }
}
