#!/usr/bin/env bash
# Runs the model benchmarks of both sides back to back, case by case, so that mascot and
# PyTorch see the same machine load: mascot decode, PyTorch decode, mascot LoRA step,
# PyTorch LoRA step. Prints `uptime` before each part. 2 threads each (RAYON_NUM_THREADS for
# mascot, torch.set_num_threads for PyTorch).
# Usage: scripts/bench_compare.sh [python]   (default python: /work/pyenv/bin/python, else python3)
set -euo pipefail
cd "$(dirname "$0")/.."
py="${1:-$( [ -x /work/pyenv/bin/python ] && echo /work/pyenv/bin/python || echo python3 )}"
export RAYON_NUM_THREADS=2
cargo bench --bench model --no-run
for case in decode lora; do
  echo "== $(uptime)"
  echo "== mascot $case"
  cargo bench --bench model -- "smollm2_$case" 2>&1 | grep -E "^smollm2|time:|peak RSS"
  echo "== $(uptime)"
  echo "== PyTorch $case"
  "$py" scripts/bench_torch.py --threads 2 --new-tokens 32 --repeats 3 --cases "$case" 2>&1 \
    | grep -E "^batch|^LoRA"
done
echo "== $(uptime)"
