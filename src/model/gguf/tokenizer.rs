//! The tokenizer embedded in GGUF metadata (`tokenizer.ggml.*`) turned into a
//! `tokenizers::Tokenizer`, built the way transformers builds it from the same file
//! (`integrations/gguf/gguf_tokenizer_mapping.py`): a byte-level BPE (`tokenizer.ggml.model =
//! "gpt2"`) from the token list and merges, GPT-2's pre-tokenizer unless `tokenizer.ggml.pre`
//! names a known split regex, control tokens (type 3) as special added tokens and
//! user-defined tokens (type 4) as plain added tokens, so neither is ever split.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use tokenizers::models::bpe::{BPE, Vocab};
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{AddedToken, SplitDelimiterBehavior, Tokenizer};

use super::error::GgufError;
use super::value::GgufValue;

/// llama.cpp's `LLAMA_TOKEN_TYPE_CONTROL` and `LLAMA_TOKEN_TYPE_USER_DEFINED`.
const TOKEN_TYPE_CONTROL: u64 = 3;
const TOKEN_TYPE_USER_DEFINED: u64 = 4;

const LLAMA3_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
const QWEN2_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
const QWEN35_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
const TEKKEN_SPLIT: &str = r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";
const GPT4O_SPLIT: &str = r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// The split regex for a `tokenizer.ggml.pre` value; `None` keeps GPT-2's (e.g. `smollm`).
fn split_regex(pre: &str) -> Option<&'static str> {
    Some(match pre {
        "llama3" | "llama-v3" | "llama-bpe" | "falcon3" | "falcon-h1" | "pixtral" | "midm-2.0"
        | "lfm2" | "jina-v5-nano" | "dbrx" | "smaug-bpe" => LLAMA3_SPLIT,
        "tekken" => TEKKEN_SPLIT,
        "qwen2" | "deepseek-r1-qwen" | "kormo" | "f2llmv2" | "megrez" => QWEN2_SPLIT,
        "qwen35" => QWEN35_SPLIT,
        "gpt-4o" | "llama4" | "kanana2" | "talkie" | "minimax-m2" => GPT4O_SPLIT,
        _ => return None,
    })
}

/// GPT-2's `bytes_to_unicode`: the printable character standing for each byte.
fn byte_level_alphabet() -> [char; 256] {
    let mut table = ['\0'; 256];
    let mut next = 256u32;
    for byte in 0..=255u8 {
        let printable = matches!(byte, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
        table[byte as usize] = if printable {
            char::from(byte)
        } else {
            let c = char::from_u32(next).expect("256..324 are valid chars");
            next += 1;
            c
        };
    }
    table
}

pub fn build_tokenizer(
    metadata: &BTreeMap<String, GgufValue>,
    path: &Path,
) -> Result<Tokenizer, GgufError> {
    let fail = |what: String| GgufError::Tokenizer {
        path: path.to_path_buf(),
        what,
    };
    let model = metadata
        .get("tokenizer.ggml.model")
        .and_then(GgufValue::as_str)
        .ok_or_else(|| fail("metadata key `tokenizer.ggml.model` is missing".into()))?;
    if model != "gpt2" {
        return Err(fail(format!(
            "tokenizer.ggml.model is `{model}`, not the byte-level BPE `gpt2`"
        )));
    }
    let tokens = string_array(metadata, "tokenizer.ggml.tokens", path)?;
    let merges = string_array(metadata, "tokenizer.ggml.merges", path)?;

    // A token whose characters are not all in the byte alphabet is stored raw; the merges
    // spell it in the alphabet, so the vocabulary must too.
    let alphabet = byte_level_alphabet();
    let in_alphabet: HashSet<char> = alphabet.iter().copied().collect();
    let spelled = |token: &str| token.chars().all(|c| in_alphabet.contains(&c));
    let vocab: Vocab = tokens
        .iter()
        .enumerate()
        .map(|(id, &token)| {
            let key = if spelled(token) {
                token.to_string()
            } else {
                token.bytes().map(|b| alphabet[b as usize]).collect()
            };
            (key, id as u32)
        })
        .collect();
    let merges = merges
        .iter()
        .enumerate()
        .map(|(i, merge)| {
            merge
                .split_once(' ')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .ok_or_else(|| fail(format!("merge #{i} `{merge}` is not two tokens")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let vocab_keys: HashSet<String> = vocab.keys().cloned().collect();
    let bpe = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .build()
        .map_err(|e| fail(format!("the BPE model is inconsistent: {e}")))?;

    let mut tokenizer = Tokenizer::new(bpe);
    let pre = metadata
        .get("tokenizer.ggml.pre")
        .and_then(GgufValue::as_str);
    match pre.and_then(split_regex) {
        None => {
            tokenizer.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
        }
        Some(regex) => {
            let split = Split::new(
                SplitPattern::Regex(regex.to_string()),
                SplitDelimiterBehavior::Isolated,
                false,
            )
            .map_err(|e| {
                fail(format!(
                    "the split regex for `{}` fails: {e}",
                    pre.unwrap_or("")
                ))
            })?;
            tokenizer.with_pre_tokenizer(Some(Sequence::new(vec![
                PreTokenizerWrapper::Split(split),
                PreTokenizerWrapper::ByteLevel(ByteLevel::new(false, true, false)),
            ])));
        }
    }
    tokenizer.with_decoder(Some(ByteLevel::default()));
    tokenizer.with_post_processor(Some(ByteLevel::new(false, false, true)));

    if let Some(types) = metadata.get("tokenizer.ggml.token_type") {
        let types = types
            .as_array()
            .ok_or_else(|| fail("tokenizer.ggml.token_type is not an array".into()))?;
        let of_type = |wanted: u64| {
            tokens
                .iter()
                .zip(types)
                .filter(move |(_, kind)| kind.as_u64() == Some(wanted))
                .map(|(token, _)| *token)
        };
        let control: Vec<AddedToken> = of_type(TOKEN_TYPE_CONTROL)
            .filter(|token| spelled(token))
            .map(|token| AddedToken::from(token.to_string(), true).normalized(false))
            .collect();
        tokenizer
            .add_special_tokens(control)
            .map_err(|e| fail(format!("cannot register the control tokens: {e}")))?;
        let user_defined: Vec<AddedToken> = of_type(TOKEN_TYPE_USER_DEFINED)
            .filter(|token| vocab_keys.contains(*token))
            .map(|token| AddedToken::from(token.to_string(), false).normalized(false))
            .collect();
        tokenizer
            .add_tokens(user_defined)
            .map_err(|e| fail(format!("cannot register the user-defined tokens: {e}")))?;
    }
    Ok(tokenizer)
}

fn string_array<'a>(
    metadata: &'a BTreeMap<String, GgufValue>,
    key: &str,
    path: &Path,
) -> Result<Vec<&'a str>, GgufError> {
    let fail = |what: &str| GgufError::Tokenizer {
        path: path.to_path_buf(),
        what: format!("metadata key `{key}` {what}"),
    };
    let items = metadata
        .get(key)
        .ok_or_else(|| fail("is missing"))?
        .as_array()
        .ok_or_else(|| fail("is not an array"))?;
    items
        .iter()
        .map(|v| v.as_str().ok_or_else(|| fail("holds a non-string item")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_alphabet_matches_gpt2() {
        let a = byte_level_alphabet();
        assert_eq!(a[b' ' as usize], 'Ġ');
        assert_eq!(a[b'\n' as usize], 'Ċ');
        assert_eq!(a[b'A' as usize], 'A');
        assert_eq!(a[0], 'Ā');
        assert_eq!(a[0xAD], 'Ń');
    }
}
