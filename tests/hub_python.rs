//! One Hugging Face cache shared by Python and mascot, checked against the real
//! huggingface_hub (scripts/hub_interop.py): a cache Python's `snapshot_download` fills from
//! the fake Hub resolves in mascot, and a cache mascot fills reads in Python offline, file for
//! file. Ignored by default (CI has no Python); run it with
//! `MASCOT_PYTHON=/path/to/python cargo test --test hub_python -- --ignored`.

mod hub_support;

use std::path::Path;
use std::process::Command;

use hub_support::*;
use mascot::model::hub::{
    HubCache, HubConfig, HubModelRef, RepoId, Revision, resolve_cached, resolve_or_download,
};

fn interop(hub: &FakeHub, args: &[&str]) -> serde_json::Value {
    let python = std::env::var("MASCOT_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/hub_interop.py");
    let out = Command::new(python)
        .arg(script)
        .args(args)
        .env_remove("HF_HUB_OFFLINE")
        .env_remove("HF_TOKEN")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}\nrequests: {:#?}", hub.log());
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap()
}

#[test]
#[ignore = "needs Python with huggingface_hub (MASCOT_PYTHON)"]
fn python_and_mascot_share_the_cache() {
    let repo = FakeRepo::from_fixture("tiny-org/tiny-llama", COMMIT, "tiny-llama");
    let hub = FakeHub::start(vec![repo.clone()]);
    let model = HubModelRef {
        repo: RepoId::parse("tiny-org/tiny-llama").unwrap(),
        revision: Revision::main(),
    };

    // Python downloads, mascot reads (offline).
    let py_cache = tempfile::tempdir().unwrap();
    let py = interop(
        &hub,
        &[
            "download",
            "tiny-org/tiny-llama",
            "main",
            py_cache.path().to_str().unwrap(),
            &hub.url,
        ],
    );
    eprintln!("huggingface_hub {}", py["version"]);
    let found = resolve_cached(&model, &HubCache::new(py_cache.path())).unwrap();
    assert_eq!(found.commit, COMMIT);
    assert_eq!(Path::new(py["snapshot"].as_str().unwrap()), found.dir);
    for f in &repo.files {
        if found.dir.join(&f.name).is_file() {
            assert_eq!(
                std::fs::read(found.dir.join(&f.name)).unwrap(),
                f.data,
                "{}",
                f.name
            );
        }
    }
    let offline = HubConfig {
        cache_dir: py_cache.path().to_path_buf(),
        endpoint: "http://127.0.0.1:9".into(),
        token: None,
        offline: true,
    };
    resolve_or_download(&model, &offline).unwrap();

    // mascot downloads, Python reads (offline).
    let our_cache = tempfile::tempdir().unwrap();
    let cfg = HubConfig {
        cache_dir: our_cache.path().to_path_buf(),
        endpoint: hub.url.clone(),
        token: None,
        offline: false,
    };
    let ours = resolve_or_download(&model, &cfg).unwrap();
    let read = interop(
        &hub,
        &[
            "read",
            "tiny-org/tiny-llama",
            "main",
            our_cache.path().to_str().unwrap(),
        ],
    );
    assert_eq!(Path::new(read["snapshot"].as_str().unwrap()), ours.dir);
    let files = read["files"].as_object().unwrap();
    for name in [
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "generation_config.json",
        "chat_template.jinja",
        "model.safetensors.index.json",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
    ] {
        assert_eq!(
            files[name].as_str(),
            Some(sha256_hex(&repo.file(name).data).as_str()),
            "{name}"
        );
    }
    assert_eq!(
        read["no_exist"],
        serde_json::json!(["special_tokens_map.json"])
    );
}
