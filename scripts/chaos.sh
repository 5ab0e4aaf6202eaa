#!/usr/bin/env bash
# Chaos test of the whole pipeline: scripts/chaos.sh N EXPERIMENT [SEED]
#
# 1. Runs EXPERIMENT to the end once, undisturbed, in a fresh store (the reference).
# 2. Runs it again in another fresh store and kills it with SIGKILL at N random moments,
#    resuming after each kill (`mascot run` again on the same store). A pass that finishes
#    before the next kill is checked and followed by a new pass in a fresh store, so the N
#    kills spread over every stage kind, training steps and checkpoint writes included.
# 3. After every finished pass: `mascot cache verify` must be clean, the pass's artifacts must
#    be exactly the reference's (same keys; every file of every artifact byte-identical, by
#    the blake3 in its manifest, which `cache verify` checks against the bytes), or the script
#    names the first artifact and file that differ. Measurements of the run itself are the
#    exceptions: the reports' pages (their stage table shows time and memory) and the
#    trainers' `step_time` field in JSON and JSON Lines files.
#
# Kill moments are drawn uniformly over the expected remaining time of the pass (the
# reference's wall time, scaled by the share of its artifacts not built yet), from SEED.
# The binary is built with cargo first (MASCOT_BIN overrides it). Exit 0 when every check
# held; 1 with the reason otherwise. CPU runs are deterministic for a given seed, which is
# what makes byte-identity the right check.
set -euo pipefail

usage() { echo "usage: scripts/chaos.sh N EXPERIMENT [SEED]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
kills_wanted="$1"
experiment="$2"
seed="${3:-1}"
[[ "$kills_wanted" =~ ^[0-9]+$ ]] || usage
[[ -f "$experiment" ]] || { echo "chaos: no experiment file $experiment" >&2; exit 2; }

cd "$(dirname "$0")/.."
if [[ -z "${MASCOT_BIN:-}" ]]; then
    cargo build --quiet --bin mascot
    MASCOT_BIN="${CARGO_TARGET_DIR:-target}/debug/mascot"
fi
[[ -x "$MASCOT_BIN" ]] || { echo "chaos: $MASCOT_BIN is not an executable" >&2; exit 2; }

work="$(mktemp -d)"
# CHAOS_KEEP=1 keeps the stores (printed at the end) to inspect a difference.
if [[ -n "${CHAOS_KEEP:-}" ]]; then
    trap 'echo "chaos: stores kept in $work" >&2' EXIT
else
    trap 'rm -rf "$work"' EXIT
fi
ref="$work/reference"

now() { date +%s.%N; }

echo "chaos: reference run of $experiment"
t0="$(now)"
if ! "$MASCOT_BIN" run "$experiment" --store "$ref" --json >"$work/ref.out" 2>"$work/ref.err"; then
    echo "chaos: the undisturbed run failed:" >&2
    tail -20 "$work/ref.err" >&2
    exit 1
fi
ref_seconds="$(python3 -c "print(max(0.5, $(now) - $t0))")"
ref_count="$(find "$ref/objects" -mindepth 1 -maxdepth 1 -type d | wc -l)"
echo "chaos: reference: $ref_count artifacts in ${ref_seconds} s"

# Compares a finished store with the reference; prints the first difference. The report's
# pages are the one exception: their stage table shows each stage's measured wall time and
# peak memory (docs/runtime.md, "Memory"), which no two runs share; every other file must be equal.
compare() {
    python3 - "$ref" "$1" <<'PY'
import json, os, sys
ref, got = sys.argv[1], sys.argv[2]
# Files that carry measurements of the run itself (wall time, peak memory).
VOLATILE = {"report.html", "report.md"}
# Fields of JSON / JSON Lines files that measure the run itself: the trainers' per-step wall
# time (TRL's `step_time`), also repeated in a stage's final metrics. Two undisturbed runs
# differ in them; every other byte must be equal.
VOLATILE_FIELDS = {"step_time"}
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in VOLATILE_FIELDS}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
def parsed(store, key, path):
    with open(os.path.join(store, "objects", key, path)) as f:
        text = f.read()
    if path.endswith(".jsonl"):
        return [strip(json.loads(l)) for l in text.splitlines() if l.strip()]
    return strip(json.loads(text))
def same_but_timings(key, path):
    if not (path.endswith(".json") or path.endswith(".jsonl")):
        return False
    try:
        return parsed(ref, key, path) == parsed(got, key, path)
    except (OSError, ValueError):
        return False
def artifacts(store):
    out = {}
    objects = os.path.join(store, "objects")
    for key in sorted(os.listdir(objects)):
        with open(os.path.join(objects, key, "manifest.json")) as f:
            m = json.load(f)
        out[key] = (m["stage_id"], {e["path"]: e["blake3"] for e in m["files"]})
    return out
a, b = artifacts(ref), artifacts(got)
for key in sorted(set(a) | set(b)):
    if key not in b:
        sys.exit(f"artifact {key} ({a[key][0]}) of the reference is missing")
    if key not in a:
        sys.exit(f"artifact {key} ({b[key][0]}) is not in the reference")
    (stage, fa), (_, fb) = a[key], b[key]
    for path in sorted(set(fa) | set(fb)):
        if path in VOLATILE and path in fa and path in fb:
            continue
        if fa.get(path) != fb.get(path):
            if path in fa and path in fb and same_but_timings(key, path):
                continue
            why = "missing" if path not in fb else "extra" if path not in fa else "different bytes"
            sys.exit(f"artifact {key} ({stage}): file {path}: {why}")
print(f"{len(a)} artifacts identical")
PY
}

python_rand() { python3 -c "import random,sys; random.seed(int(sys.argv[1])); print(random.random())" "$1"; }

kills=0
passes=0
draw=0
while [[ $kills -lt $kills_wanted ]]; do
    passes=$((passes + 1))
    store="$work/pass-$passes"
    echo "chaos: pass $passes"
    while :; do
        built="$( (find "$store/objects" -mindepth 1 -maxdepth 1 -type d 2>/dev/null || true) | wc -l)"
        left="$(python3 -c "print(max(0.0, 1 - $built / max(1, $ref_count)))")"
        draw=$((draw + 1))
        r="$(python_rand "$((seed * 1000003 + draw))")"
        delay="$(python3 -c "print(0.05 + $r * $ref_seconds * max($left, 0.05) * 1.1)")"
        "$MASCOT_BIN" run "$experiment" --store "$store" --json >"$work/run.out" 2>"$work/run.err" &
        pid=$!
        if [[ $kills -lt $kills_wanted ]]; then
            sleep "$delay"
            if kill -0 "$pid" 2>/dev/null; then
                kill -9 "$pid" 2>/dev/null || true
                wait "$pid" 2>/dev/null || true
                kills=$((kills + 1))
                echo "chaos: kill $kills at +${delay} s ($built of $ref_count artifacts built before it)"
                continue
            fi
        fi
        if ! wait "$pid"; then
            echo "chaos: a resumed run failed (pass $passes):" >&2
            tail -20 "$work/run.err" >&2
            exit 1
        fi
        break
    done
    if ! out="$("$MASCOT_BIN" cache verify --store "$store" 2>&1)"; then
        echo "chaos: cache verify is not clean after pass $passes:" >&2
        echo "$out" >&2
        exit 1
    fi
    if ! out="$(compare "$store")"; then
        echo "chaos: pass $passes differs from the undisturbed run: $out" >&2
        exit 1
    fi
    echo "chaos: pass $passes: verify clean, $out"
    rm -rf "$store"
done
echo "chaos: $kills kills survived over $passes passes; every artifact identical to the undisturbed run's; verify clean"
