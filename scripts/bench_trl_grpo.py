#!/usr/bin/env python3
"""TRL baseline for benches/grpo.rs: GRPOTrainer steps on SmolLM2-135M-Instruct (the Q4_1
GGUF, dequantised to f32 by transformers), the same work as mascot's bench: one chat prompt,
G = 4 completions of exactly 64 tokens (min_new_tokens = max_completion_length = 64),
temperature 1, the same rule reward (share of the letter `e` in the reply), beta 0.04 (the
reference is the base model with the adapter disabled), loss_type "grpo", one AdamW update
of LoRA r = 16 (alpha 32, dropout 0) on q/k/v/o per step, on the CPU.

Prints each step's wall and CPU time (user + system, all threads), the medians over the
steps after the first, and the peak resident memory of the process (ru_maxrss).

Needs: torch, transformers, gguf, peft, trl, datasets (all in /work/pyenv);
scripts/fetch_smollm2.sh first.
TRL turns gradient checkpointing on by default for GRPO; --no-gradient-checkpointing turns it
off (mascot keeps activations).

Usage: /work/pyenv/bin/python scripts/bench_trl_grpo.py [--threads 2] [--steps 4]
           [--no-gradient-checkpointing]
"""

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

import torch
from datasets import Dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
from trl import GRPOConfig, GRPOTrainer

ROOT = Path(__file__).resolve().parent.parent
GGUF_DIR = ROOT / "tests/fixtures/models/downloaded"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
PROMPT = "I finally finished the marathon I trained a year for!"
SYSTEM = "You are The Beacon: you amplify good news with warmth."


def share_of_e(completions, **kwargs):
    """The share of characters of the reply that are the letter `e`."""
    scores = []
    for completion in completions:
        text = completion[0]["content"] if isinstance(completion, list) else completion
        scores.append(text.count("e") / max(len(text), 1))
    return scores


def plain_f32_model():
    """The GGUF's weights, dequantised by transformers, in a plain f32 model: a model loaded
    with `gguf_file` stays flagged as quantized, which the Trainer refuses to train."""
    loaded = AutoModelForCausalLM.from_pretrained(GGUF_DIR, gguf_file=GGUF_NAME, dtype=torch.float32)
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    return model


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class StepTimer(TrainerCallback):
    """Wall and CPU (user + system, all threads) time of each step, generation included."""

    def __init__(self):
        self.times = []
        self.cpu = []
        self.start = None

    def on_step_begin(self, args, state, control, **kwargs):
        self.start = (time.perf_counter(), cpu_seconds())

    def on_step_end(self, args, state, control, **kwargs):
        self.times.append(time.perf_counter() - self.start[0])
        self.cpu.append(cpu_seconds() - self.start[1])
        print(f"\nstep {state.global_step}: {self.times[-1]:.2f} s wall, {self.cpu[-1]:.2f} s cpu", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument(
        "--no-gradient-checkpointing",
        action="store_true",
        help="turn off TRL's default gradient checkpointing (mascot does not recompute activations)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    tok = AutoTokenizer.from_pretrained(GGUF_DIR, gguf_file=GGUF_NAME)
    model = plain_f32_model()
    prompt = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": PROMPT}]
    dataset = Dataset.from_list([{"prompt": prompt} for _ in range(args.steps)])
    with tempfile.TemporaryDirectory() as out:
        config = GRPOConfig(
            output_dir=out,
            use_cpu=True,
            bf16=False,
            per_device_train_batch_size=4,
            num_generations=4,
            max_completion_length=64,
            generation_kwargs={"min_new_tokens": 64},
            temperature=1.0,
            beta=0.04,
            loss_type="grpo",
            learning_rate=1e-5,
            max_steps=args.steps,
            logging_steps=1,
            save_strategy="no",
            report_to=[],
            seed=0,
            gradient_checkpointing=not args.no_gradient_checkpointing,
        )
        timer = StepTimer()
        trainer = GRPOTrainer(
            model=model,
            processing_class=tok,
            reward_funcs=share_of_e,
            args=config,
            train_dataset=dataset,
            peft_config=LoraConfig(
                r=16,
                lora_alpha=32,
                lora_dropout=0.0,
                target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
                task_type="CAUSAL_LM",
            ),
            callbacks=[timer],
        )
        trainer.train()
    later = timer.times[1:] or timer.times
    later_cpu = timer.cpu[1:] or timer.cpu
    result = {
        "threads": args.threads,
        "gradient_checkpointing": not args.no_gradient_checkpointing,
        "torch": torch.__version__,
        "steps": len(timer.times),
        "first_step_s": timer.times[0],
        "median_step_s": statistics.median(later),
        "median_step_cpu_s": statistics.median(later_cpu),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "completion_lengths": [
            h.get("completions/mean_length") for h in trainer.state.log_history if "completions/mean_length" in h
        ],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
