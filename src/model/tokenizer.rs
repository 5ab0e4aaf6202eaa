//! The text side of a model: a `tokenizers` tokenizer plus the special tokens generation
//! needs (BOS/EOS strings for the chat template, the ids that stop generation).

use tokenizers::models::bpe::{BPE, Vocab};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::{AddedToken, Tokenizer};

use super::error::ModelError;

/// Special tokens of the built-in byte-level tokenizer, in id order after the 256 bytes.
pub const BUILTIN_SPECIAL_TOKENS: [&str; 3] = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];

/// A tokenizer with the special tokens a model uses.
#[derive(Clone)]
pub struct ModelTokenizer {
    pub inner: Tokenizer,
    /// Text of the BOS token, passed to the chat template.
    pub bos_token: Option<String>,
    /// Text of the EOS token, passed to the chat template.
    pub eos_token: Option<String>,
    /// Ids that end a generation.
    pub stop_ids: Vec<u32>,
}

impl std::fmt::Debug for ModelTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelTokenizer")
            .field("vocab", &self.inner.get_vocab_size(true))
            .field("bos_token", &self.bos_token)
            .field("eos_token", &self.eos_token)
            .field("stop_ids", &self.stop_ids)
            .finish()
    }
}

impl ModelTokenizer {
    /// The built-in byte-level tokenizer: ids 0-255 are the bytes (GPT-2 byte-to-unicode
    /// alphabet), then `<|endoftext|>` (256), `<|im_start|>` (257), `<|im_end|>` (258).
    pub fn builtin_bytes() -> Result<Self, ModelError> {
        let err = |e: tokenizers::Error| ModelError::Tokenizer {
            context: "built-in byte tokenizer".into(),
            reason: e.to_string(),
        };
        let vocab: Vocab = byte_alphabet()
            .into_iter()
            .enumerate()
            .map(|(id, ch)| (ch.to_string(), id as u32))
            .collect();
        let bpe = BPE::builder()
            .vocab_and_merges(vocab, Vec::new())
            .build()
            .map_err(err)?;
        let mut inner = Tokenizer::new(bpe);
        inner.with_pre_tokenizer(Some(ByteLevel::new(false, true, false)));
        inner.with_decoder(Some(ByteLevel::new(false, true, false)));
        inner
            .add_special_tokens(
                BUILTIN_SPECIAL_TOKENS
                    .iter()
                    .map(|t| AddedToken::from(*t, true)),
            )
            .map_err(err)?;
        let stop_ids = ["<|endoftext|>", "<|im_end|>"]
            .iter()
            .filter_map(|t| inner.token_to_id(t))
            .collect();
        Ok(Self {
            inner,
            bos_token: None,
            eos_token: Some("<|endoftext|>".into()),
            stop_ids,
        })
    }

    /// Token ids of `text`, with no special tokens added.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, ModelError> {
        self.inner
            .encode(text, false)
            .map(|e| e.get_ids().to_vec())
            .map_err(|e| ModelError::Tokenizer {
                context: "encoding".into(),
                reason: e.to_string(),
            })
    }

    /// Text of `ids`, special tokens skipped.
    pub fn decode(&self, ids: &[u32]) -> Result<String, ModelError> {
        self.inner
            .decode(ids, true)
            .map_err(|e| ModelError::Tokenizer {
                context: "decoding".into(),
                reason: e.to_string(),
            })
    }

    /// Vocabulary size including added tokens.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }
}

/// GPT-2's byte-to-unicode table: byte `b` is shown as the returned char at index `b`.
fn byte_alphabet() -> Vec<char> {
    let printable = |b: u32| {
        (u32::from(b'!')..=u32::from(b'~')).contains(&b)
            || (0xA1..=0xAC).contains(&b)
            || (0xAE..=0xFF).contains(&b)
    };
    let mut next = 256u32;
    (0u32..256)
        .map(|b| {
            if printable(b) {
                char::from_u32(b).unwrap_or('?')
            } else {
                let ch = char::from_u32(next).unwrap_or('?');
                next += 1;
                ch
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tokenizer_round_trips_bytes_and_specials() {
        let tok = ModelTokenizer::builtin_bytes().unwrap();
        assert_eq!(tok.vocab_size(), 259);
        let ids = tok.encode("hé <|im_start|>").unwrap();
        assert_eq!(ids, vec![b'h' as u32, 0xC3, 0xA9, b' ' as u32, 257]);
        assert_eq!(tok.decode(&[b'h' as u32, 0xC3, 0xA9]).unwrap(), "hé");
    }
}
