//! Parity with transformers on the real Qwen3 chat template and tokenizer
//! (`tests/fixtures/models/qwen3-chat/`, built by `scripts/qwen3_chat_reference.py`): the
//! rendered prompt and its token ids for `thinking` on, off and auto equal what
//! `apply_chat_template(..., enable_thinking=...)` gives, with a history whose earlier
//! assistant turns hold `<think>` blocks (which Qwen3's template drops).

use std::path::{Path, PathBuf};

use mascot::model::hf_tokenizer::read_hf_tokenizer;
use mascot::model::{ChatMessage, Thinking};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    cases: Vec<Case>,
    texts: Vec<Text>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    thinking: String,
    messages: Vec<ChatMessage>,
    text: String,
    ids: Vec<u32>,
}

#[derive(Deserialize)]
struct Text {
    text: String,
    ids: Vec<u32>,
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models/qwen3-chat")
}

fn reference() -> Reference {
    serde_json::from_str(&std::fs::read_to_string(fixture().join("reference.json")).unwrap())
        .unwrap()
}

#[test]
fn qwen3_template_and_ids_match_transformers_for_every_thinking_setting() {
    let (tokenizer, template) = read_hf_tokenizer(&fixture(), &[]).unwrap();
    let template = template.expect("Qwen3's tokenizer_config.json has a chat template");
    let reference = reference();
    let mut seen = std::collections::BTreeSet::new();
    for case in &reference.cases {
        let thinking = Thinking::from_name(&case.thinking).unwrap();
        seen.insert(case.thinking.clone());
        let text = template
            .render_with(
                &case.messages,
                true,
                tokenizer.bos_token.as_deref(),
                tokenizer.eos_token.as_deref(),
                thinking.enable_thinking(),
            )
            .unwrap();
        assert_eq!(
            text, case.text,
            "{} / thinking {}",
            case.name, case.thinking
        );
        let ids = tokenizer.encode(&text).unwrap();
        assert_eq!(ids, case.ids, "{} / thinking {}", case.name, case.thinking);
    }
    assert_eq!(seen.len(), 3, "on, off and auto are all covered");
}

#[test]
fn thinking_off_opens_and_closes_an_empty_think_block_and_history_loses_its_reasoning() {
    let reference = reference();
    let case = |name: &str, thinking: &str| {
        reference
            .cases
            .iter()
            .find(|c| c.name == name && c.thinking == thinking)
            .unwrap()
    };
    let off = case("history_with_think", "off");
    let on = case("history_with_think", "on");
    assert!(
        off.text
            .ends_with("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    );
    assert!(on.text.ends_with("<|im_start|>assistant\n"));
    // Earlier assistant turns keep their answers but not their reasoning.
    assert!(on.text.contains("Congratulations, that is huge!"));
    assert!(!on.text.contains("Celebrate with them"));
    assert!(!on.text.contains("suggest rest"));
    // Auto is the template's default: Qwen3 thinks.
    assert_eq!(case("history_with_think", "auto").text, on.text);
    // A reply after the last user query keeps its reasoning.
    assert!(
        case("think_after_last_query", "on")
            .text
            .contains("<think>\nThe team agreed on the budget.\n</think>\n\n")
    );
}

#[test]
fn think_tags_are_single_tokens_that_decoding_keeps() {
    let (tokenizer, _) = read_hf_tokenizer(&fixture(), &[]).unwrap();
    for t in &reference().texts {
        let ids = tokenizer.encode(&t.text).unwrap();
        assert_eq!(ids, t.ids, "{:?}", t.text);
        // `<think>` / `</think>` are added tokens that are not special: a reply decoded with
        // special tokens skipped still shows them, which is how a cut think block is seen.
        assert_eq!(tokenizer.decode(&ids).unwrap(), t.text);
    }
    assert_eq!(tokenizer.inner.token_to_id("<think>"), Some(151667));
    assert_eq!(tokenizer.inner.token_to_id("</think>"), Some(151668));
}
