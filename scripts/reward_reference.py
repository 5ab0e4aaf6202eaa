#!/usr/bin/env python3
"""Scores conversations with a reward model that mascot exported, using Hugging Face
transformers' AutoModelForSequenceClassification, and records the token ids and scores so the
Rust test `tests/train_reward_parity.rs` can check mascot's scores against them.

    # 1. train and export the tiny reward model (Rust; deterministic, CPU)
    cargo test --test train_reward_parity -- --ignored make_reward_fixture
    # 2. score it with transformers
    /work/pyenv/bin/python scripts/reward_reference.py tests/fixtures/models/tiny-qwen3-rm

Checking a bigger export by hand (nothing written):

    python scripts/reward_reference.py --check DIR

Writes DIR/reference.json: {"chats": [...], "input_ids": [[...]], "scores": [...]}. The scores
are computed one conversation at a time and again as one right-padded batch; the two must
agree (that checks `pad_token_id` and the last-non-pad-token rule).
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


def main():
    args = sys.argv[1:]
    check = args and args[0] == "--check"
    if check:
        args = args[1:]
    if len(args) != 1:
        sys.exit(__doc__)
    folder = args[0]
    ids, scores = score(folder)
    if check:
        for row, s in zip(ids, scores):
            print(f"{len(row):4d} tokens  score {s:+.6f}")
        return
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump({"chats": CHATS, "input_ids": ids, "scores": scores}, f, indent=1)
    print(f"wrote {folder}/reference.json: scores {scores}")


if __name__ == "__main__":
    main()
