#!/usr/bin/env python3
"""Applies a LoRA adapter that mascot trained (SFT or GRPO) to its transformers base model
with `peft`, checks that the adapter is what peft itself writes, and records the
last-position logits (adapted and merged) and a greedy continuation of a few prompts, so the
Rust tests `tests/train_peft_parity.rs` (SFT) and `tests/grpo_peft_parity.rs` (GRPO) can
compare them with `mascot logits --adapter DIR` and `mascot generate --adapter DIR`.

    # 1. train the adapter (Rust; deterministic, CPU), one of
    cargo test --test train_peft_parity -- --ignored make_sft_adapter_fixture
    cargo test --test grpo_peft_parity -- --ignored make_grpo_adapter_fixture
    # 2. apply it with peft
    /work/pyenv/bin/python scripts/peft_reference.py \
        tests/fixtures/models/tiny-llama tests/fixtures/models/tiny-llama-grpo-adapter

Checks (the script fails when one does not hold):
- adapter_config.json has every field peft writes for the same LoraConfig (peft_type,
  task_type, r, lora_alpha, lora_dropout, target_modules, bias, fan_in_fan_out, use_rslora,
  use_dora, base_model_name_or_path) with the same values; the tensor names and shapes of
  adapter_model.safetensors are those of peft's own save of that config;
- after PeftModel.from_pretrained, every LoRA tensor of the peft model equals the file's
  (nothing left at peft's initialisation, nothing of the file unused);
- the merged model (merge_and_unload) gives the adapted model's logits within 1e-4.

Writes ADAPTER/reference.json:
{"prompts": [{"text", "chat", "input_ids", "logits", "merged_logits", "greedy_ids"}],
 "merged_max_diff": float, "max_abs_lora_b": float}.
"""

import json
import os
import sys
import tempfile

import torch
from peft import LoraConfig, PeftModel, get_peft_model, get_peft_model_state_dict
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoTokenizer

PROMPTS = [
    {"text": "The quick brown fox", "chat": False},
    {"text": "Companions help the user feel understood, and", "chat": False},
    {"text": "I feel happy today!", "chat": True},
]
# New tokens of the greedy continuation (`mascot generate --max-tokens`).
GREEDY_TOKENS = 8
# Fields of adapter_config.json whose values must equal those peft writes.
CONFIG_FIELDS = [
    "peft_type",
    "task_type",
    "r",
    "lora_alpha",
    "lora_dropout",
    "bias",
    "fan_in_fan_out",
    "use_rslora",
    "use_dora",
]


def load_base(base_dir):
    return AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)


def check_format(base_dir, adapter_dir, ours):
    """Saves a fresh peft adapter with the same LoraConfig and compares the two folders."""
    config = LoraConfig(
        r=ours["r"],
        lora_alpha=ours["lora_alpha"],
        lora_dropout=ours["lora_dropout"],
        target_modules=ours["target_modules"],
        use_rslora=ours["use_rslora"],
        bias="none",
        task_type="CAUSAL_LM",
    )
    fresh = get_peft_model(load_base(base_dir), config)
    with tempfile.TemporaryDirectory() as tmp:
        fresh.save_pretrained(tmp)
        with open(os.path.join(tmp, "adapter_config.json")) as f:
            theirs = json.load(f)
        their_tensors = load_file(os.path.join(tmp, "adapter_model.safetensors"))
    for field in CONFIG_FIELDS + ["target_modules", "base_model_name_or_path"]:
        assert field in ours, f"adapter_config.json lacks `{field}`"
        assert field in theirs, f"peft no longer writes `{field}`"
    for field in CONFIG_FIELDS:
        assert ours[field] == theirs[field], (field, ours[field], theirs[field])
    assert set(ours["target_modules"]) == set(theirs["target_modules"]), (
        ours["target_modules"],
        theirs["target_modules"],
    )
    # peft writes the base's name or path; mascot's adapters name none (null), which peft
    # accepts when the base model is given, as PeftModel.from_pretrained(base, dir) does.
    assert ours["base_model_name_or_path"] in (None, theirs["base_model_name_or_path"])
    our_tensors = load_file(os.path.join(adapter_dir, "adapter_model.safetensors"))
    shapes = lambda ts: {k: tuple(v.shape) for k, v in ts.items()}
    assert shapes(our_tensors) == shapes(their_tensors), (
        sorted(set(our_tensors) ^ set(their_tensors)),
        shapes(our_tensors),
    )
    return our_tensors


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    base_dir, adapter_dir = sys.argv[1], sys.argv[2]
    with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
        ours = json.load(f)
    our_tensors = check_format(base_dir, adapter_dir, ours)
    max_abs_lora_b = max(
        v.abs().max().item() for k, v in our_tensors.items() if ".lora_B." in k
    )

    tok = AutoTokenizer.from_pretrained(base_dir)
    model = PeftModel.from_pretrained(load_base(base_dir), adapter_dir)
    model.eval()
    loaded = get_peft_model_state_dict(model)
    assert set(loaded) == set(our_tensors), sorted(set(loaded) ^ set(our_tensors))
    for name, value in our_tensors.items():
        assert torch.equal(loaded[name], value), f"peft did not load `{name}`"

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
            out = model.generate(
                input_ids=torch.tensor([ids]),
                attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                max_new_tokens=GREEDY_TOKENS,
                do_sample=False,
                pad_token_id=tok.eos_token_id,
            )
            greedy = out[0, len(ids) :].tolist()
            records.append(
                {**p, "input_ids": ids, "logits": logits.tolist(), "greedy_ids": greedy}
            )
        # The merged model must agree with the adapted one (sanity check of the adapter);
        # its logits are what mascot's merged forward is compared with.
        merged = model.merge_and_unload()
        diff = 0.0
        for r in records:
            out = merged(torch.tensor([r["input_ids"]])).logits[0, -1].float()
            r["merged_logits"] = out.tolist()
            diff = max(diff, (out - torch.tensor(r["logits"])).abs().max().item())
    assert diff < 1e-4, diff
    with open(os.path.join(adapter_dir, "reference.json"), "w") as f:
        json.dump(
            {
                "prompts": records,
                "merged_max_diff": diff,
                "max_abs_lora_b": max_abs_lora_b,
            },
            f,
        )
    print(
        f"wrote {adapter_dir}/reference.json (merged max diff {diff:.2e}, "
        f"max |lora_B| {max_abs_lora_b:.3e})"
    )


if __name__ == "__main__":
    main()
