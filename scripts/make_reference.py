#!/usr/bin/env python3
"""Builds the tiny reference models under tests/fixtures/models/ with Hugging Face transformers
and records what transformers computes with them (logits, greedy ids, chat-template ids), so
the Rust tests can check the burn runtime against it.

    pip install torch transformers safetensors tokenizers
    python scripts/make_reference.py            # from the repository root

Fixtures written (each a Hugging Face folder plus reference.json):
  tiny-qwen3  Qwen3 (per-head q/k RMSNorm, head_dim 32 != hidden/heads), tied embeddings,
              f32, single model.safetensors, rope_theta inside `rope_parameters`.
  tiny-llama  Llama, GQA 4/2, untied lm_head, f32, sharded (model.safetensors.index.json),
              rope_theta as a top-level key, a chat template using bos_token.
  tiny-qwen2  Qwen2 (q/k/v bias), bf16 weights; references computed in f32 from the bf16
              weights (what the runtime does on CPU).
  tiny-llama-lora  A PEFT LoRA adapter (r 4, alpha 8, q/v/down_proj, random non-zero A and B)
              for tiny-llama, saved by PEFT, with the logits of the adapted model
              (needs `pip install peft`).
"""

import json
import os
import shutil
import sys

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import (
    AutoModelForCausalLM,
    LlamaConfig,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen3Config,
)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "models")
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
VOCAB = 320

CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content']"
    " + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# A template in the style of Zephyr/Llama with bos_token, whitespace control and a role check.
BOS_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}\n"
    "{% if message['role'] not in ['system', 'user', 'assistant'] %}"
    "{{ raise_exception('unknown role ' + message['role']) }}{% endif %}\n"
    "{{ '<|im_start|>' + message['role'] | upper + ': ' + message['content'].strip() + eos_token }}\n"
    "{% endfor %}\n"
    "{% if add_generation_prompt %}{{ '<|im_start|>ASSISTANT: ' }}{% endif %}"
)

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "A companion listens, reflects and helps the user feel understood.",
    "Multi-agent socio-collaborative companions plan, critique and refine their replies.",
    "Empathetic dialogues: I feel so happy today because my sister visited me!",
    "Meeting summary: the team agreed to ship the release next week.",
    "What is the capital of France? The capital of France is Paris.",
] * 20

PROMPTS = [
    "The quick brown fox",
    "Companions help the user feel understood, and",
]
MESSAGES = [
    {"role": "system", "content": "You are a kind companion."},
    {"role": "user", "content": "I feel happy today!"},
]


def build_tokenizer():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS, trainer=trainer)
    assert tok.get_vocab_size() <= VOCAB, tok.get_vocab_size()
    return tok


def randomise(model, generator):
    """Larger-than-default random weights so that logits are far from uniform and every
    weight (norm gains and biases included) matters."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=generator))
            else:
                p.copy_(0.15 * torch.randn(p.shape, generator=generator))


def reference(model, hf_tok, dtype_note):
    eos = hf_tok.convert_tokens_to_ids("<|im_end|>")
    record = {"dtype": dtype_note, "prompts": []}
    for text in PROMPTS:
        ids = hf_tok(text, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0].float()
            out = model.generate(
                torch.tensor([ids]),
                attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                do_sample=False,
                max_new_tokens=12,
                eos_token_id=eos,
                pad_token_id=0,
            )
        record["prompts"].append(
            {
                "text": text,
                "input_ids": ids,
                "logits": logits.tolist(),
                "greedy_ids": out[0, len(ids):].tolist(),
            }
        )
    # Batched greedy generation with left padding.
    hf_tok.padding_side = "left"
    batch = hf_tok(PROMPTS, add_special_tokens=False, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model.generate(
            **batch, do_sample=False, max_new_tokens=12, eos_token_id=eos, pad_token_id=0
        )
    width = batch["input_ids"].shape[1]
    record["batched_greedy_ids"] = []
    for row in out[:, width:].tolist():
        # Drop the padding HF appends after a sequence has finished.
        if eos in row:
            row = row[: row.index(eos) + 1]
        record["batched_greedy_ids"].append(row)
    chat_text = hf_tok.apply_chat_template(MESSAGES, add_generation_prompt=True, tokenize=False)
    record["chat"] = {
        "messages": MESSAGES,
        "text": chat_text,
        "input_ids": hf_tok(chat_text, add_special_tokens=False)["input_ids"],
    }
    return record


def save(name, config, template, save_dtype, shard_size=None, bos=None):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(sum(map(ord, name)))
    model = AutoModelForCausalLM.from_config(config).float().eval()
    randomise(model, generator)
    folder = os.path.join(OUT, name)
    shutil.rmtree(folder, ignore_errors=True)
    kwargs = {"max_shard_size": shard_size} if shard_size else {}
    model.to(save_dtype).save_pretrained(folder, safe_serialization=True, **kwargs)
    # The reference is what transformers computes from the saved folder in f32 (a fresh load
    # also recomputes the RoPE buffers, which a bf16 round trip of the module would round).
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    tok = build_tokenizer()
    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
    )
    hf_tok.chat_template = template
    hf_tok.save_pretrained(folder)
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump(reference(model, hf_tok, str(save_dtype)), f)
    return folder


def set_top_level_rope_theta(folder, theta):
    """Older transformers write `rope_theta` at the top level; newer ones inside
    `rope_parameters`. Keep one fixture in each form."""
    path = os.path.join(folder, "config.json")
    with open(path) as f:
        cfg = json.load(f)
    cfg.pop("rope_parameters", None)
    cfg.pop("rope_scaling", None)
    cfg["rope_theta"] = theta
    with open(path, "w") as f:
        json.dump(cfg, f, indent=2)


def save_lora(base_folder):
    from peft import LoraConfig, get_peft_model

    model = AutoModelForCausalLM.from_pretrained(base_folder, dtype=torch.float32).eval()
    config = LoraConfig(
        r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "v_proj", "down_proj"]
    )
    model = get_peft_model(model, config)
    generator = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_" in name:
                p.copy_(0.2 * torch.randn(p.shape, generator=generator))
    folder = os.path.join(OUT, "tiny-llama-lora")
    shutil.rmtree(folder, ignore_errors=True)
    model.save_pretrained(folder)
    os.remove(os.path.join(folder, "README.md"))
    config_path = os.path.join(folder, "adapter_config.json")
    with open(config_path) as f:
        adapter_config = json.load(f)
    adapter_config["base_model_name_or_path"] = "../tiny-llama"
    with open(config_path, "w") as f:
        json.dump(adapter_config, f, indent=2, sort_keys=True)
    tok = PreTrainedTokenizerFast.from_pretrained(base_folder)
    ids = tok(PROMPTS[0], add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0].float()
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump({"text": PROMPTS[0], "input_ids": ids, "logits": logits.tolist()}, f)


def main():
    common = dict(
        vocab_size=VOCAB,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        eos_token_id=2,
        bos_token_id=0,
    )
    save(
        "tiny-qwen3",
        Qwen3Config(head_dim=32, rope_theta=1_000_000.0, tie_word_embeddings=True, rms_norm_eps=1e-6, **common),
        CHATML,
        torch.float32,
    )
    llama = save(
        "tiny-llama",
        LlamaConfig(rope_theta=10_000.0, tie_word_embeddings=False, rms_norm_eps=1e-5, **common),
        BOS_TEMPLATE,
        torch.float32,
        shard_size="300KB",
        bos="<|endoftext|>",
    )
    set_top_level_rope_theta(llama, 10_000.0)
    save_lora(llama)
    save(
        "tiny-qwen2",
        Qwen2Config(rope_theta=10_000.0, tie_word_embeddings=True, rms_norm_eps=1e-6, **common),
        CHATML,
        torch.bfloat16,
    )
    for name in sorted(os.listdir(OUT)):
        folder = os.path.join(OUT, name)
        if os.path.isdir(folder):
            size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
            print(f"{name}: {size / 1024:.0f} KiB", file=sys.stderr)


if __name__ == "__main__":
    main()
