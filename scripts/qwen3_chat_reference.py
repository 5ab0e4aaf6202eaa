#!/usr/bin/env python3
"""Builds tests/fixtures/models/qwen3-chat/: the real Qwen3 tokenizer (trimmed) and chat template,
with what transformers renders and tokenizes for thinking on, off and auto, so the Rust test
`tests/model_qwen3_chat.rs` can check mascot's chat template and tokenizer against it.

    pip install transformers jinja2          # no torch needed
    python scripts/qwen3_chat_reference.py SOURCE_DIR

SOURCE_DIR holds the tokenizer files of the Qwen/Qwen3-0.6B repository (Apache-2.0):
`tokenizer_config.json` (with the chat template) and either `tokenizer.json` or
`vocab.json` + `merges.txt` (transformers builds the same fast tokenizer from those).

The fixture:
  tokenizer_config.json  Qwen3's, unchanged (the chat template with `enable_thinking`).
  tokenizer.json         Qwen3's fast tokenizer with its BPE vocabulary and merges cut down to
                         the tokens the reference texts need (every token keeps its Qwen3 id;
                         the added tokens, normalizer, pre-tokenizer and decoder are unchanged;
                         the added tokens are also in the BPE vocabulary, with their ids, since
                         `tokenizers` numbers an added token missing from it after the
                         vocabulary's size).
                         The script checks that transformers gives the same ids with the cut
                         tokenizer as with the whole one, for every reference text.
  reference.json         per case and thinking setting: the messages, the rendered prompt
                         (`apply_chat_template(messages, tokenize=False,
                         add_generation_prompt=True[, enable_thinking=...])`) and its ids.

Cutting is exact because each token of a byte-level BPE vocabulary comes from exactly one merge:
encoding a word applies exactly the merges that build its final tokens, so keeping the merges
that build the tokens of the reference texts (and the tokens those merges use) keeps their ids.
"""

import json
import os
import shutil
import sys
import tempfile

from transformers import AutoTokenizer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "models", "qwen3-chat")

SYSTEM = "You are Anchor, a calm and steady companion. Keep replies short."
CASES = {
    # Two earlier assistant turns with <think> blocks: Qwen3's template drops the reasoning of
    # assistant turns before the last user query.
    "history_with_think": [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "I finally finished my thesis today!"},
        {
            "role": "assistant",
            "content": "<think>\nThe user is proud. Celebrate with them.\n</think>\n\nCongratulations, that is huge!",
        },
        {"role": "user", "content": "Thanks. I'm exhausted though… café au lait? 😴"},
        {
            "role": "assistant",
            "content": "<think>They are tired; suggest rest.</think>Rest first — you earned it.",
        },
        {"role": "user", "content": "What should I do tonight? 今晚"},
    ],
    # A reply after the last user query keeps its reasoning.
    "think_after_last_query": [
        {"role": "user", "content": "Summarise the meeting in one line."},
        {
            "role": "assistant",
            "content": "<think>\nThe team agreed on the budget.\n</think>\n\nThe budget was approved.",
        },
    ],
    "single_user": [
        {"role": "user", "content": "Hello there, how are you?"},
    ],
}
SETTINGS = {"on": True, "off": False, "auto": None}
# Texts the Rust test also encodes on their own.
EXTRA_TEXTS = ["<think>\nhmm\n</think>\n\nHello!", "Beacon: you did it!\n\nUser: thanks"]


def render(tok, messages, setting):
    kwargs = {} if setting is None else {"enable_thinking": setting}
    text = tok.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=True, **kwargs
    )
    ids = tok(text, add_special_tokens=False)["input_ids"]
    return text, ids


def needed_tokens(model, ids):
    """The tokens of `ids` and every token their merges are built from."""
    vocab = model["vocab"]
    by_id = {i: t for t, i in vocab.items()}
    merges = [m.split(" ", 1) if isinstance(m, str) else m for m in model["merges"]]
    made_by = {a + b: (a, b) for a, b in merges}
    keep = set()
    stack = [by_id[i] for i in ids if i in by_id]
    while stack:
        t = stack.pop()
        if t in keep:
            continue
        keep.add(t)
        if t in made_by:
            stack.extend(made_by[t])
    return keep, merges


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    source = sys.argv[1]
    full = AutoTokenizer.from_pretrained(source)
    reference = {"cases": []}
    all_ids = []
    for name, messages in CASES.items():
        for setting_name, setting in SETTINGS.items():
            text, ids = render(full, messages, setting)
            all_ids.extend(ids)
            reference["cases"].append(
                {
                    "name": name,
                    "thinking": setting_name,
                    "messages": messages,
                    "text": text,
                    "ids": ids,
                }
            )
    reference["texts"] = []
    for text in EXTRA_TEXTS:
        ids = full(text, add_special_tokens=False)["input_ids"]
        all_ids.extend(ids)
        reference["texts"].append({"text": text, "ids": ids})

    with tempfile.TemporaryDirectory() as tmp:
        full.save_pretrained(tmp)
        tokenizer = json.load(open(os.path.join(tmp, "tokenizer.json"), encoding="utf-8"))
    model = tokenizer["model"]
    keep, merges = needed_tokens(model, all_ids)
    # The 256 byte tokens, so any text still encodes.
    byte_level = sorted(model["vocab"].items(), key=lambda kv: kv[1])[:256]
    keep.update(t for t, _ in byte_level)
    model["vocab"] = {t: i for t, i in model["vocab"].items() if t in keep}
    # `tokenizers` gives an added token that is not in the model's vocabulary the next free
    # id (the vocabulary's size), so the added tokens go into the vocabulary with their ids.
    for added in tokenizer["added_tokens"]:
        model["vocab"][added["content"]] = added["id"]
    model["merges"] = [
        [a, b] for a, b in merges if a + b in keep and a in keep and b in keep
    ]

    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    with open(os.path.join(OUT, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer, f, ensure_ascii=False, separators=(",", ":"))
    shutil.copy(os.path.join(source, "tokenizer_config.json"), OUT)

    cut = AutoTokenizer.from_pretrained(OUT)
    for case in reference["cases"]:
        setting = SETTINGS[case["thinking"]]
        text, ids = render(cut, case["messages"], setting)
        assert text == case["text"], case["name"]
        assert ids == case["ids"], (case["name"], case["thinking"])
    for t in reference["texts"]:
        assert cut(t["text"], add_special_tokens=False)["input_ids"] == t["ids"]
    with open(os.path.join(OUT, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(reference, f, ensure_ascii=False, indent=1)
    print(
        f"wrote {OUT}: {len(model['vocab'])} of the vocabulary's tokens, "
        f"{len(model['merges'])} merges, {len(reference['cases'])} rendered prompts"
    )


if __name__ == "__main__":
    main()
