#!/usr/bin/env python3
"""Scores conversations with a reward model that mascot exported, using Hugging Face
transformers' AutoModelForSequenceClassification, and records the token ids and scores so the
Rust test `tests/train_reward_parity.rs` can check mascot's scores against them.

    # 1. train and export the tiny reward model (Rust; deterministic, CPU)
    cargo test --test train_reward_parity -- --ignored make_reward_fixture
    # 2. score it with transformers
    /work/pyenv/bin/python scripts/reward_reference.py tests/fixtures/models/tiny-qwen3-rm \
        --base tests/fixtures/models/tiny-qwen3
    /work/pyenv/bin/python scripts/reward_reference.py tests/fixtures/models/tiny-llama-rm

Checking a bigger export by hand (nothing written):

    python scripts/reward_reference.py --check DIR

Writes DIR/reference.json: {"chats": [...], "input_ids": [[...]], "scores": [...]}. The scores
are computed one conversation at a time and again as one right-padded batch; the two must
agree (that checks `pad_token_id` and the last-non-pad-token rule). With `--base BASE` and a
LoRA-trained folder, the PEFT adapter in DIR/adapter is also applied with `peft` to BASE
loaded as a sequence classifier, and its scores (`adapter_scores`) must equal the merged
folder's.
"""

import json
import os
import sys

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

CHATS = [
    [
        {"role": "system", "content": "You are The Anchor: validating, patient, reflective."},
        {"role": "user", "content": "I lost my job today and I feel empty."},
        {"role": "assistant", "content": "That sounds so hard. I am here with you."},
    ],
    [
        {"role": "system", "content": "You are The Beacon: enthusiastic and celebratory."},
        {"role": "user", "content": "I passed my exam!"},
        {"role": "assistant", "content": "Whatever."},
    ],
    [
        {"role": "user", "content": "No system prompt here."},
        {"role": "assistant", "content": "A reply without a persona, a bit longer than the others."},
    ],
    [
        {"role": "system", "content": "You are The Catalyst: curious and solution-focused."},
        {"role": "user", "content": "My manager keeps ignoring my ideas. Why?"},
        {"role": "assistant", "content": "What happened the last time you shared one?"},
    ],
]


def score(folder):
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder, dtype=torch.float32)
    model.eval()
    assert model.config.num_labels == 1, model.config.num_labels
    ids = [tok.apply_chat_template(c, tokenize=True, return_dict=False) for c in CHATS]
    ids = [list(x["input_ids"]) if isinstance(x, dict) else list(x) for x in ids]
    scores = []
    with torch.no_grad():
        for row in ids:
            scores.append(model(torch.tensor([row])).logits[0, 0].item())
        width = max(len(r) for r in ids)
        pad = model.config.pad_token_id
        batch = torch.tensor([r + [pad] * (width - len(r)) for r in ids])
        mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in ids])
        batched = model(input_ids=batch, attention_mask=mask).logits[:, 0].tolist()
    for a, b in zip(scores, batched):
        assert abs(a - b) < 1e-5, (scores, batched)
    return ids, scores


def adapter_scores(folder, base, ids):
    from peft import PeftModel

    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=1, dtype=torch.float32
    )
    model.config.pad_token_id = AutoModelForSequenceClassification.from_pretrained(
        folder
    ).config.pad_token_id
    model = PeftModel.from_pretrained(model, os.path.join(folder, "adapter"))
    model.eval()
    with torch.no_grad():
        return [model(torch.tensor([row])).logits[0, 0].item() for row in ids]


def main():
    args = sys.argv[1:]
    check = args and args[0] == "--check"
    if check:
        args = args[1:]
    base = None
    if len(args) == 3 and args[1] == "--base":
        base = args[2]
        args = args[:1]
    if len(args) != 1:
        sys.exit(__doc__)
    folder = args[0]
    ids, scores = score(folder)
    extra = {}
    if base is not None:
        extra["adapter_scores"] = adapter_scores(folder, base, ids)
        for a, b in zip(scores, extra["adapter_scores"]):
            assert abs(a - b) < 1e-5, (scores, extra["adapter_scores"])
    if check:
        for row, s in zip(ids, scores):
            print(f"{len(row):4d} tokens  score {s:+.6f}")
        return
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump({"chats": CHATS, "input_ids": ids, "scores": scores, **extra}, f, indent=1)
    print(f"wrote {folder}/reference.json: scores {scores}")


if __name__ == "__main__":
    main()
