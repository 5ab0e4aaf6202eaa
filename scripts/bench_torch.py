#!/usr/bin/env python3
"""PyTorch eager baseline for benches/model.rs on the same machine and thread count:
SmolLM2-135M-Instruct (the Q4_1 GGUF, dequantised to f32 by transformers) greedy decode
tokens/s at batch 1 and batch 8 (prefill excluded: batch * (n - 1) / (t(n tokens) - t(1 token))),
and a LoRA step as the paper trains (r 16, alpha 32, dropout 0.1 on q/k/v/o; forward, backward,
AdamW) at batch 4 x 128 tokens. Peak resident memory of each case is measured from the point
the case starts (the kernel's peak counter is reset through /proc/self/clear_refs), with the
model already loaded, as benches/model.rs does.

Needs: pip install torch transformers gguf accelerate peft; scripts/fetch_smollm2.sh first.
Usage: python3 scripts/bench_torch.py [--threads 2] [--new-tokens 32]
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = Path(__file__).resolve().parent.parent
GGUF_DIR = ROOT / "tests/fixtures/models/downloaded"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
PROMPT = "What is the capital of France?"


def reset_peak_rss():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", default="decode,lora", help="comma-separated: decode, lora")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    tok = AutoTokenizer.from_pretrained(GGUF_DIR, gguf_file=GGUF_NAME)
    model = AutoModelForCausalLM.from_pretrained(GGUF_DIR, gguf_file=GGUF_NAME, dtype=torch.float32)
    model.eval()
    results_load_rss = peak_rss_mib()
    text = tok.apply_chat_template([{"role": "user", "content": PROMPT}], tokenize=False, add_generation_prompt=True)
    ids = tok(text, add_special_tokens=False).input_ids
    results = {"threads": args.threads, "torch": torch.__version__, "prompt_tokens": len(ids),
               "load_peak_rss_mib": results_load_rss}

    cases = set(args.cases.split(","))
    for batch in (1, 8) if "decode" in cases else ():
        input_ids = torch.tensor([ids] * batch)
        mask = torch.ones_like(input_ids)

        def generate(n):
            with torch.no_grad():
                model.generate(
                    input_ids,
                    attention_mask=mask,
                    max_new_tokens=n,
                    min_new_tokens=n,
                    do_sample=False,
                    pad_token_id=tok.eos_token_id,
                )

        reset_peak_rss()
        generate(2)  # warm-up
        t_prefill = timed(lambda: generate(1), args.repeats)
        t_all = timed(lambda: generate(args.new_tokens), args.repeats)
        decode_tps = batch * (args.new_tokens - 1) / (t_all - t_prefill)
        results[f"batch{batch}"] = {
            "new_tokens": args.new_tokens,
            "prefill_s": t_prefill,
            "generate_s": t_all,
            "decode_tokens_per_s": decode_tps,
            "end_to_end_tokens_per_s": batch * args.new_tokens / t_all,
            "peak_rss_mib": peak_rss_mib(),
        }
        print(f"batch {batch}: decode {decode_tps:.1f} tok/s (prefill {t_prefill*1e3:.0f} ms, "
              f"{args.new_tokens} tokens {t_all:.2f} s), peak RSS {peak_rss_mib():.0f} MiB", flush=True)

    if "lora" not in cases:
        print(json.dumps(results, indent=1))
        return
    from peft import LoraConfig, get_peft_model

    reset_peak_rss()
    lora = get_peft_model(
        model,
        LoraConfig(r=16, lora_alpha=32, lora_dropout=0.1, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]),
    )
    lora.train()
    opt = torch.optim.AdamW([p for p in lora.parameters() if p.requires_grad], lr=1e-4)
    tokens = torch.randint(0, 49152, (4, 128))

    def step():
        opt.zero_grad()
        out = lora(input_ids=tokens, labels=tokens)
        out.loss.backward()
        opt.step()

    step()  # warm-up
    t_step = timed(step, args.repeats)
    results["lora_step_b4x128"] = {"step_s": t_step, "tokens_per_s": 4 * 128 / t_step,
                                   "peak_rss_mib": peak_rss_mib()}
    print(f"LoRA step 4x128: {t_step*1e3:.0f} ms, peak RSS {peak_rss_mib():.0f} MiB", flush=True)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
