#!/usr/bin/env bash
# GPU parity check: runs `mascot logits` and greedy `mascot generate` on the reference
# models in tests/fixtures/models/ on a GPU device and on the CPU, and compares both with
# the transformers reference (reference.json). Needs a binary built with
# `cargo build --features wgpu` (a Vulkan loader at run time) or `--features cuda`.
#
#   scripts/gpu_check.sh path/to/mascot wgpu:0 [OUT_DIR]
set -uo pipefail
bin="$1"; device="$2"; out="${3:-gpu-check}"
cd "$(dirname "$0")/.."
mkdir -p "$out"
status=0
for m in tiny-qwen3 tiny-llama tiny-qwen2; do
  dir="tests/fixtures/models/$m"
  prompt=$(python3 -c "import json;print(json.load(open('$dir/reference.json'))['prompts'][1]['text'])")
  for d in cpu "$device"; do
    tag="${m}_${d//:/}"
    t0=$EPOCHREALTIME
    "$bin" logits --model "$dir" --prompt "$prompt" --json --device "$d" \
      > "$out/$tag.logits.json" 2> "$out/$tag.logits.err" || { echo "$tag logits FAILED"; cat "$out/$tag.logits.err"; status=1; }
    t1=$EPOCHREALTIME
    "$bin" generate --model "$dir" --prompt "$prompt" --temperature 0 \
      --max-tokens 16 --json --device "$d" > "$out/$tag.generate.json" 2> "$out/$tag.generate.err" \
      || { echo "$tag generate FAILED"; cat "$out/$tag.generate.err"; status=1; }
    t2=$EPOCHREALTIME
    echo "$tag: logits $(awk "BEGIN{print $t1 - $t0}")s, generate 16 tokens $(awk "BEGIN{print $t2 - $t1}")s (process wall time, load included)"
  done
  python3 - "$dir/reference.json" "$out/${m}_cpu.logits.json" "$out/${m}_${device//:/}.logits.json" \
      "$out/${m}_cpu.generate.json" "$out/${m}_${device//:/}.generate.json" "$m" "$device" <<'PY' || status=1
import json, sys
ref_path, cpu_l, gpu_l, cpu_g, gpu_g, name, device = sys.argv[1:]
ref = json.load(open(ref_path))["prompts"][1]
expected = ref["logits"][-1]
load = lambda p: json.load(open(p))
try:
    cpu, gpu = load(cpu_l)["logits"], load(gpu_l)["logits"]
    gc, gg = load(cpu_g)["output_ids"], load(gpu_g)["output_ids"]
except Exception as e:
    print(f"{name}: missing output ({e})"); sys.exit(1)
err_gpu_ref = max(abs(a - b) for a, b in zip(gpu, expected))
err_gpu_cpu = max(abs(a - b) for a, b in zip(gpu, cpu))
ok = err_gpu_ref < 1e-3 and gc == gg
print(f"{name}: {device} vs transformers max abs {err_gpu_ref:.2e}; {device} vs cpu {err_gpu_cpu:.2e}; "
      f"greedy ids equal to cpu: {gc == gg} -> {'OK' if ok else 'MISMATCH'}")
sys.exit(0 if ok else 1)
PY
done
# The executor on the device: the quickstart with its tiny model placed on it.
cp -r experiments personas "$out/" && rm -rf "$out/experiments/.mascot" && mkdir -p "$out/tests/fixtures" && cp -r tests/fixtures/data "$out/tests/fixtures/"
sed -i "s|^model tiny {|model tiny {\n    device: \"$device\"|" "$out/experiments/quickstart.mascot"
if "$bin" run "$out/experiments/quickstart.mascot" --json > "$out/run.json" 2> "$out/run.err"; then
  echo "quickstart on $device: $(tail -1 "$out/run.json")"
else
  echo "quickstart on $device FAILED"; tail -20 "$out/run.err"; status=1
fi
exit $status
