//! `hf("org/name")` models resolved from a Hugging Face cache laid out by hand as
//! huggingface_hub writes it (blobs, relative snapshot symlinks, refs), made from the tiny
//! fixture models: by branch, tag and commit hash, sharded and not; incomplete snapshots and
//! offline misses are clear errors; `mascot generate --model org/name` runs from the cache.
//! Every test passes its cache folder explicitly (library) or through the child's own
//! environment (binary), so no test changes this process's environment.

mod hub_support;

use std::process::Command;

use burn::tensor::Device;
use hub_support::*;
use mascot::model::hub::{
    HubCache, HubConfig, HubError, HubModelRef, RepoId, Revision, resolve_cached,
    resolve_or_download,
};
use mascot::model::{LoadedModel, ModelSource, ModelSpec};

fn model_ref(id: &str, rev: &str) -> HubModelRef {
    HubModelRef {
        repo: RepoId::parse(id).unwrap(),
        revision: Revision::parse(rev).unwrap(),
    }
}

fn offline(cache: &std::path::Path) -> HubConfig {
    HubConfig {
        cache_dir: cache.to_path_buf(),
        // Nothing listens there: any request would fail the test.
        endpoint: "http://127.0.0.1:9".into(),
        token: None,
        offline: true,
    }
}

#[test]
fn branch_tag_and_commit_resolve_to_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let repo = FakeRepo::from_fixture("tiny-org/tiny-qwen3", COMMIT, "tiny-qwen3");
    write_fake_cache(dir.path(), &repo, &["main", "v1.0"], None);
    let cache = HubCache::new(dir.path());
    let snapshot = dir
        .path()
        .join("models--tiny-org--tiny-qwen3/snapshots")
        .join(COMMIT);
    for rev in ["main", "v1.0", COMMIT] {
        let found = resolve_cached(&model_ref("tiny-org/tiny-qwen3", rev), &cache).unwrap();
        assert_eq!(found.commit, COMMIT, "{rev}");
        assert_eq!(found.dir, snapshot, "{rev}");
        assert_eq!(
            found.content_id(),
            format!("hf:tiny-org/tiny-qwen3@{COMMIT}")
        );
    }
    let err = resolve_cached(&model_ref("tiny-org/tiny-qwen3", "dev"), &cache).unwrap_err();
    assert!(matches!(err, HubError::NotCached { .. }), "{err}");
}

#[test]
fn a_commit_hash_needs_no_ref() {
    let dir = tempfile::tempdir().unwrap();
    let repo = FakeRepo::from_fixture("tiny-org/tiny-qwen3", COMMIT, "tiny-qwen3");
    write_fake_cache(dir.path(), &repo, &[], None);
    let cache = HubCache::new(dir.path());
    assert!(resolve_cached(&model_ref("tiny-org/tiny-qwen3", "main"), &cache).is_err());
    let found = resolve_cached(&model_ref("tiny-org/tiny-qwen3", COMMIT), &cache).unwrap();
    assert!(found.dir.ends_with(COMMIT));
}

#[test]
fn the_cached_model_loads_like_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let repo = FakeRepo::from_fixture("tiny-org/tiny-llama", COMMIT, "tiny-llama");
    write_fake_cache(dir.path(), &repo, &["main"], None);
    let from_cache = LoadedModel::from_hub(
        &model_ref("tiny-org/tiny-llama", "main"),
        &offline(dir.path()),
        Device::flex(),
    )
    .unwrap();
    let from_folder = LoadedModel::from_hf_dir(&fixture("tiny-llama"), Device::flex()).unwrap();
    let ids = [1u32, 5, 9, 42];
    assert_eq!(
        from_cache.last_logits(&ids).unwrap(),
        from_folder.last_logits(&ids).unwrap()
    );
    assert_eq!(
        from_cache.tokenizer.stop_ids,
        from_folder.tokenizer.stop_ids
    );
}

#[test]
fn an_hf_model_spec_loads_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let repo = FakeRepo::from_fixture("tiny-org/tiny-qwen3", COMMIT, "tiny-qwen3");
    write_fake_cache(dir.path(), &repo, &["main"], None);
    let spec: ModelSpec =
        serde_json::from_str(r#"{"source": "hf", "repo": "tiny-org/tiny-qwen3"}"#).unwrap();
    assert_eq!(
        spec.source,
        ModelSource::Hf {
            repo: RepoId::parse("tiny-org/tiny-qwen3").unwrap(),
            revision: Revision::main(),
        }
    );
    let json = serde_json::to_value(&spec).unwrap();
    assert_eq!(json["source"], "hf");
    assert_eq!(json["revision"], "main");
    let model = LoadedModel::load_with_hub(&spec, dir.path(), &offline(dir.path())).unwrap();
    let folder = LoadedModel::from_hf_dir(&fixture("tiny-qwen3"), Device::flex()).unwrap();
    assert_eq!(
        model.last_logits(&[7, 8, 9]).unwrap(),
        folder.last_logits(&[7, 8, 9]).unwrap()
    );

    let bad = serde_json::from_str::<ModelSpec>(r#"{"source": "hf", "repo": "no-org"}"#)
        .unwrap_err()
        .to_string();
    assert!(bad.contains("not a valid Hugging Face model id"), "{bad}");
}

#[test]
fn a_missing_shard_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let repo = FakeRepo::from_fixture("tiny-org/tiny-llama", COMMIT, "tiny-llama");
    write_fake_cache(
        dir.path(),
        &repo,
        &["main"],
        Some(&[
            "config.json",
            "tokenizer.json",
            "model.safetensors.index.json",
            "model-00001-of-00002.safetensors",
        ]),
    );
    let err = resolve_or_download(
        &model_ref("tiny-org/tiny-llama", "main"),
        &offline(dir.path()),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, HubError::IncompleteSnapshot { .. }), "{text}");
    assert!(text.contains("model-00002-of-00002.safetensors"), "{text}");
    assert!(!text.contains("model-00001"), "{text}");
}

#[test]
fn a_dangling_blob_link_counts_as_missing() {
    let dir = tempfile::tempdir().unwrap();
    let repo = FakeRepo::from_fixture("tiny-org/tiny-qwen3", COMMIT, "tiny-qwen3");
    write_fake_cache(dir.path(), &repo, &["main"], None);
    let blob = dir
        .path()
        .join("models--tiny-org--tiny-qwen3/blobs")
        .join(repo.file("tokenizer.json").etag());
    std::fs::remove_file(blob).unwrap();
    let err = resolve_cached(
        &model_ref("tiny-org/tiny-qwen3", "main"),
        &HubCache::new(dir.path()),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("missing tokenizer.json"), "{err}");
}

#[test]
fn offline_miss_names_repo_revision_and_cache() {
    let dir = tempfile::tempdir().unwrap();
    let err =
        resolve_or_download(&model_ref("Qwen/Qwen3-8B", "main"), &offline(dir.path())).unwrap_err();
    let text = format!("{:?}", miette::Report::new(err));
    for needle in [
        "Qwen/Qwen3-8B",
        "revision `main`",
        dir.path().to_str().unwrap(),
        "HF_HUB_OFFLINE is set",
        "HF_HUB_OFFLINE unset",
        "model::hub::not_cached",
    ] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
}

#[test]
fn a_corrupt_ref_is_a_cache_error() {
    let dir = tempfile::tempdir().unwrap();
    let repo = FakeRepo::from_fixture("tiny-org/tiny-qwen3", COMMIT, "tiny-qwen3");
    write_fake_cache(dir.path(), &repo, &["main"], None);
    std::fs::write(
        dir.path().join("models--tiny-org--tiny-qwen3/refs/main"),
        "garbage",
    )
    .unwrap();
    let err = resolve_cached(
        &model_ref("tiny-org/tiny-qwen3", "main"),
        &HubCache::new(dir.path()),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("refs/main") && err.contains("garbage"),
        "{err}"
    );
}

fn mascot(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mascot"));
    cmd.args(args);
    for var in [
        "HF_HUB_CACHE",
        "HUGGINGFACE_HUB_CACHE",
        "HF_HOME",
        "HF_ENDPOINT",
        "HF_TOKEN",
        "HF_HUB_OFFLINE",
        "TRANSFORMERS_OFFLINE",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn generate_with_a_model_id_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let repo = FakeRepo::from_fixture("tiny-org/tiny-qwen3", COMMIT, "tiny-qwen3");
    write_fake_cache(dir.path(), &repo, &["main"], None);
    let reference: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixture("tiny-qwen3").join("reference.json")).unwrap(),
    )
    .unwrap();
    let prompt = &reference["prompts"][0];
    let (code, stdout, stderr) = mascot(
        &[
            "generate",
            "--model",
            "tiny-org/tiny-qwen3",
            "--prompt",
            prompt["text"].as_str().unwrap(),
            "--max-tokens",
            "12",
            "--json",
        ],
        &[
            ("HF_HUB_CACHE", dir.path().to_str().unwrap()),
            ("HF_HUB_OFFLINE", "1"),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let out: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(out["input_ids"], prompt["input_ids"]);
    assert_eq!(out["output_ids"], prompt["greedy_ids"]);

    // The same through HF_HOME (cache in `$HF_HOME/hub`), with a pinned commit.
    let home = tempfile::tempdir().unwrap();
    write_fake_cache(&home.path().join("hub"), &repo, &[], None);
    let (code, stdout, stderr) = mascot(
        &[
            "logits",
            "--model",
            "tiny-org/tiny-qwen3",
            "--revision",
            COMMIT,
            "--prompt",
            "hello",
            "--json",
        ],
        &[
            ("HF_HOME", home.path().to_str().unwrap()),
            ("HF_HUB_OFFLINE", "true"),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\"logits\""), "{stdout}");
}

#[test]
fn generate_offline_miss_and_bad_ids_exit_1_with_help() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().to_str().unwrap();
    let env = [("HF_HUB_CACHE", cache), ("HF_HUB_OFFLINE", "1")];
    let (code, _, stderr) = mascot(
        &["generate", "--model", "Qwen/Qwen3-0.6B", "--prompt", "hi"],
        &env,
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("Qwen/Qwen3-0.6B"), "{stderr}");
    assert!(stderr.contains(cache), "{stderr}");
    assert!(stderr.contains("HF_HUB_OFFLINE"), "{stderr}");

    let (code, _, stderr) = mascot(
        &["generate", "--model", "Qwen/Qwen3--0.6B", "--prompt", "hi"],
        &env,
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("not a valid Hugging Face model id"),
        "{stderr}"
    );

    let (code, _, stderr) = mascot(
        &[
            "generate",
            "--model",
            "tiny-org/x",
            "--revision",
            "../up",
            "--prompt",
            "hi",
        ],
        &env,
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("not a valid revision"), "{stderr}");

    // A path-looking argument stays a path: no Hub lookup for a missing .gguf file.
    let (code, _, stderr) = mascot(
        &[
            "generate",
            "--model",
            "models/missing.gguf",
            "--prompt",
            "hi",
        ],
        &env,
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("models/missing.gguf"), "{stderr}");
    assert!(!stderr.contains("Hugging Face cache"), "{stderr}");
}
