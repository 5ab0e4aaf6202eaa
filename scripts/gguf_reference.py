#!/usr/bin/env python3
"""Records what Hugging Face transformers makes of the SmolLM2-135M-Instruct Q4_1 GGUF, as the
reference the Rust GGUF tests compare against: token ids (plain strings and the chat-templated
prompt), dequantised tensor checksums, last-position logits, and greedy chat answers.

Needs: pip install torch transformers gguf accelerate  (and scripts/fetch_smollm2.sh run first)
Writes: tests/fixtures/models/smollm2_reference.json
"""

import json
import os
import sys
from pathlib import Path

import gguf
import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = Path(__file__).resolve().parent.parent
GGUF_DIR = ROOT / "tests/fixtures/models/downloaded"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
OUT = ROOT / "tests/fixtures/models/smollm2_reference.json"

STRINGS = [
    "Hello, world!",
    "The capital of France is",
    "  leading spaces, trailing space \nnew\nlines\tand tabs ",
    "Numbers 12345 and 3.14159, dates 2026-11-26",
    "Unicode: café, naïve, 日本語, emoji 🙂👍",
    "<|im_start|>user\nhi there<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>special in the middle<|im_end|>",
]
LOGITS_PROMPT = "What is the capital of France?"
CHAT_PROMPTS = [
    "What is the capital of France?",
    "Write one sentence about the sea.",
    "List three colours.",
]
MAX_NEW_TOKENS = 24
TENSORS = [
    "model.embed_tokens.weight",
    "model.layers.0.self_attn.q_proj.weight",
    "model.layers.0.self_attn.k_proj.weight",
    "model.layers.0.self_attn.v_proj.weight",
    "model.layers.0.self_attn.o_proj.weight",
    "model.layers.0.mlp.gate_proj.weight",
    "model.layers.0.mlp.down_proj.weight",
    "model.layers.0.input_layernorm.weight",
    "model.layers.29.self_attn.k_proj.weight",
    "model.norm.weight",
]


def checksum(t: torch.Tensor) -> dict:
    """Sums that a wrong dequantisation, shape or row order changes."""
    flat = t.detach().double().reshape(-1)
    rows = t.detach().double().reshape(t.shape[0], -1)
    # Row-weighted: sensitive to the order of rows (the q/k un-permutation).
    weights = torch.arange(rows.shape[0], dtype=torch.float64) % 101 + 1
    return {
        "shape": list(t.shape),
        "first": [float(v) for v in flat[:16]],
        "sum": float(flat.sum()),
        "abs_sum": float(flat.abs().sum()),
        "row_weighted_sum": float((rows.sum(dim=1) * weights).sum()),
    }


def main() -> None:
    torch.set_num_threads(2)
    torch.manual_seed(0)
    if not (GGUF_DIR / GGUF_NAME).exists():
        sys.exit(f"{GGUF_DIR / GGUF_NAME} is missing: run scripts/fetch_smollm2.sh")
    tok = AutoTokenizer.from_pretrained(GGUF_DIR, gguf_file=GGUF_NAME)
    model = AutoModelForCausalLM.from_pretrained(GGUF_DIR, gguf_file=GGUF_NAME, dtype=torch.float32)
    model.eval()

    def chat(prompt: str) -> str:
        return tok.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
        )

    tokens = [{"text": s, "ids": tok(s, add_special_tokens=False).input_ids} for s in STRINGS]
    chat_text = chat(LOGITS_PROMPT)
    chat_ids = tok(chat_text, add_special_tokens=False).input_ids

    state = model.state_dict()
    tensors = {name: checksum(state[name]) for name in TENSORS}

    with torch.no_grad():
        logits = model(torch.tensor([chat_ids])).logits[0, -1].double()
    logits_ref = {
        "prompt": LOGITS_PROMPT,
        "chat": True,
        "input_ids": chat_ids,
        "first_64": [float(v) for v in logits[:64]],
        "argmax": int(logits.argmax()),
        "sum": float(logits.sum()),
        "abs_sum": float(logits.abs().sum()),
        "max": float(logits.max()),
    }

    answers = []
    for prompt in CHAT_PROMPTS:
        ids = tok(chat(prompt), add_special_tokens=False).input_ids
        with torch.no_grad():
            out = model.generate(
                torch.tensor([ids]),
                attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                max_new_tokens=MAX_NEW_TOKENS,
                do_sample=False,
                pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
            )
        new = out[0, len(ids):].tolist()
        answers.append(
            {
                "prompt": prompt,
                "input_ids": ids,
                "output_ids": new,
                "text": tok.decode(new, skip_special_tokens=True),
            }
        )

    reference = {
        "generated_by": "scripts/gguf_reference.py",
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "gguf": getattr(gguf, "__version__", "unknown"),
        },
        "gguf_file": GGUF_NAME,
        "tokens": tokens,
        "chat_prompt": {"prompt": LOGITS_PROMPT, "text": chat_text, "ids": chat_ids},
        "tensors": tensors,
        "logits": logits_ref,
        "greedy": {"max_new_tokens": MAX_NEW_TOKENS, "answers": answers},
    }
    tmp = OUT.with_suffix(".json.tmp")
    with open(tmp, "w") as f:
        json.dump(reference, f, indent=1, ensure_ascii=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, OUT)
    print(f"wrote {OUT}")
    for a in answers:
        print(repr(a["prompt"]), "->", repr(a["text"]))


if __name__ == "__main__":
    main()
