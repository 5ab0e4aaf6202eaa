#!/usr/bin/env python3
"""Checks that Python's huggingface_hub and mascot share one Hugging Face cache.

Run by the ignored test `python_and_mascot_share_the_cache` in tests/hub_download.rs, which
starts a fake Hub on 127.0.0.1 and passes its URL:

1. `download`: huggingface_hub's `snapshot_download` fills a fresh cache from the endpoint
   (mascot then resolves the model from it, offline).
2. `read`: huggingface_hub reads a cache mascot filled, offline (`local_files_only=True`),
   and prints each file's path and sha256 so the test compares them with the fixture.

Needs: pip install huggingface_hub.
Usage: python3 scripts/hub_interop.py download|read REPO_ID REVISION CACHE_DIR [ENDPOINT]
"""

import hashlib
import json
import os
import sys


def main():
    mode, repo_id, revision, cache_dir = sys.argv[1:5]
    if len(sys.argv) > 5:
        os.environ["HF_ENDPOINT"] = sys.argv[5]
    if mode == "read":
        os.environ["HF_HUB_OFFLINE"] = "1"
    # huggingface_hub reads its environment at import time.
    import huggingface_hub
    from huggingface_hub import hf_hub_download, snapshot_download, try_to_load_from_cache

    files = [
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "generation_config.json",
        "chat_template.jinja",
        "model.safetensors",
        "model.safetensors.index.json",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "special_tokens_map.json",
    ]
    if mode == "download":
        path = snapshot_download(
            repo_id, revision=revision, cache_dir=cache_dir, allow_patterns=files
        )
        print(json.dumps({"version": huggingface_hub.__version__, "snapshot": path}))
        return
    out = {"version": huggingface_hub.__version__, "files": {}, "no_exist": []}
    snapshot = snapshot_download(
        repo_id, revision=revision, cache_dir=cache_dir, local_files_only=True
    )
    out["snapshot"] = snapshot
    for name in files:
        cached = try_to_load_from_cache(repo_id, name, cache_dir=cache_dir, revision=revision)
        if cached is None:
            continue
        if not isinstance(cached, str):
            # huggingface_hub's _CACHED_NO_EXIST: a `.no_exist` marker.
            out["no_exist"].append(name)
            continue
        path = hf_hub_download(
            repo_id, name, revision=revision, cache_dir=cache_dir, local_files_only=True
        )
        with open(path, "rb") as f:
            out["files"][name] = hashlib.sha256(f.read()).hexdigest()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
