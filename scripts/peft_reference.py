#!/usr/bin/env python3
"""Applies a LoRA adapter that mascot trained (SFT) to its transformers base model with
`peft`, and records the last-position logits of a few prompts, so the Rust test
`tests/train_peft_parity.rs` can compare them with `mascot logits --adapter DIR`.

    # 1. train the tiny SFT adapter (Rust; deterministic, CPU)
    cargo test --test train_peft_parity -- --ignored make_sft_adapter_fixture
    # 2. apply it with peft
    /work/pyenv/bin/python scripts/peft_reference.py \
        tests/fixtures/models/tiny-llama tests/fixtures/models/tiny-llama-sft-adapter

Writes ADAPTER/reference.json:
{"prompts": [{"text", "chat", "input_ids", "logits"}], "merged_max_diff": float}.
"""

import json
import os
import sys

import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

PROMPTS = [
    {"text": "The quick brown fox", "chat": False},
    {"text": "Companions help the user feel understood, and", "chat": False},
    {"text": "I feel happy today!", "chat": True},
]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    base_dir, adapter_dir = sys.argv[1], sys.argv[2]
    tok = AutoTokenizer.from_pretrained(base_dir)
    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    model = PeftModel.from_pretrained(base, adapter_dir)
    model.eval()
    records = []
    with torch.no_grad():
        for p in PROMPTS:
            if p["chat"]:
                text = tok.apply_chat_template(
                    [{"role": "user", "content": p["text"]}],
                    add_generation_prompt=True,
                    tokenize=False,
                )
            else:
                text = p["text"]
            ids = tok(text, add_special_tokens=False)["input_ids"]
            logits = model(torch.tensor([ids])).logits[0, -1].float()
            records.append({**p, "input_ids": ids, "logits": logits.tolist()})
        # The merged model must agree with the adapted one (sanity check of the adapter).
        merged = model.merge_and_unload()
        diff = 0.0
        for r in records:
            out = merged(torch.tensor([r["input_ids"]])).logits[0, -1].float()
            diff = max(diff, (out - torch.tensor(r["logits"])).abs().max().item())
    assert diff < 1e-4, diff
    with open(os.path.join(adapter_dir, "reference.json"), "w") as f:
        json.dump({"prompts": records, "merged_max_diff": diff}, f)
    print(f"wrote {adapter_dir}/reference.json (merged max diff {diff:.2e})")


if __name__ == "__main__":
    main()
