//! Downloads of `hf("org/name")` models from a fake Hub on 127.0.0.1 (set as the endpoint):
//! only the files a model needs, written in huggingface_hub's cache layout (blobs named by
//! ETag, relative snapshot symlinks, refs), large files fetched from the "CDN" without the
//! token, transfers cut short resumed with `Range` (within a run and across runs), and the
//! Hub's errors (401 without a token, unknown repository or revision) made clear. Every test
//! passes its configuration explicitly; the binary test sets its child's environment only.

mod hub_support;

use std::path::Path;
use std::process::Command;

use burn::tensor::Device;
use hub_support::*;
use mascot::model::LoadedModel;
use mascot::model::hub::{HubConfig, HubError, HubModelRef, RepoId, Revision, resolve_or_download};

const NEEDED_LLAMA: [&str; 8] = [
    "chat_template.jinja",
    "config.json",
    "generation_config.json",
    "model-00001-of-00002.safetensors",
    "model-00002-of-00002.safetensors",
    "model.safetensors.index.json",
    "tokenizer.json",
    "tokenizer_config.json",
];

fn model_ref(id: &str, rev: &str) -> HubModelRef {
    HubModelRef {
        repo: RepoId::parse(id).unwrap(),
        revision: Revision::parse(rev).unwrap(),
    }
}

fn config(cache: &Path, hub: &FakeHub, token: Option<&str>) -> HubConfig {
    HubConfig {
        cache_dir: cache.to_path_buf(),
        endpoint: hub.url.clone(),
        token: token.map(str::to_string),
        offline: false,
    }
}

fn llama_hub() -> (FakeRepo, FakeHub) {
    let repo = FakeRepo::from_fixture("tiny-org/tiny-llama", COMMIT, "tiny-llama");
    let hub = FakeHub::start(vec![repo.clone()]);
    (repo, hub)
}

fn sorted_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn downloads_only_the_model_files_into_the_hub_layout() {
    let (repo, hub) = llama_hub();
    let cache = tempfile::tempdir().unwrap();
    let cfg = config(cache.path(), &hub, None);
    let found = resolve_or_download(&model_ref("tiny-org/tiny-llama", "main"), &cfg).unwrap();

    let repo_dir = cache.path().join("models--tiny-org--tiny-llama");
    assert_eq!(found.commit, COMMIT);
    assert_eq!(found.dir, repo_dir.join("snapshots").join(COMMIT));
    assert_eq!(
        std::fs::read_to_string(repo_dir.join("refs/main")).unwrap(),
        COMMIT
    );
    assert_eq!(sorted_names(&found.dir), NEEDED_LLAMA);
    for name in NEEDED_LLAMA {
        let f = repo.file(name);
        let link = std::fs::read_link(found.dir.join(name)).unwrap();
        assert_eq!(link, Path::new("../../blobs").join(f.etag()), "{name}");
        assert_eq!(
            std::fs::read(found.dir.join(name)).unwrap(),
            f.data,
            "{name}"
        );
    }
    // Weights are named by sha256, small files by their git hash, as on the Hub.
    let shard = repo.file("model-00001-of-00002.safetensors");
    assert_eq!(shard.etag(), sha256_hex(&shard.data));
    let blobs = sorted_names(&repo_dir.join("blobs"));
    assert_eq!(blobs.len(), NEEDED_LLAMA.len());
    assert!(
        blobs.iter().all(|b| !b.ends_with(".incomplete")),
        "{blobs:?}"
    );
    assert!(
        repo_dir
            .join(".no_exist")
            .join(COMMIT)
            .join("special_tokens_map.json")
            .is_file()
    );

    // Large files came from the CDN, without the token; nothing unneeded was asked for.
    let log = hub.log();
    assert!(log.iter().any(|l| l.server == "cdn"));
    for unneeded in ["pytorch_model.bin", "README.md", "reference.json"] {
        assert!(!log.iter().any(|l| l.url.contains(unneeded)), "{unneeded}");
    }

    // The model loads as its fixture folder does.
    let loaded = LoadedModel::from_hf_dir(&found.dir, Device::flex()).unwrap();
    let folder = LoadedModel::from_hf_dir(&fixture("tiny-llama"), Device::flex()).unwrap();
    assert_eq!(
        loaded.last_logits(&[3, 1, 4]).unwrap(),
        folder.last_logits(&[3, 1, 4]).unwrap()
    );

    // A second resolution is served by the cache alone.
    let before = hub.log().len();
    let again = resolve_or_download(&model_ref("tiny-org/tiny-llama", "main"), &cfg).unwrap();
    assert_eq!(again, found);
    assert_eq!(hub.log().len(), before);
}

#[test]
fn a_transfer_cut_short_resumes_with_range() {
    let (repo, hub) = llama_hub();
    let shard = "model-00001-of-00002.safetensors";
    let size = repo.file(shard).data.len();
    let cut = size / 3;
    hub.cut_next_get(shard, cut);
    let cache = tempfile::tempdir().unwrap();
    let found = resolve_or_download(
        &model_ref("tiny-org/tiny-llama", "main"),
        &config(cache.path(), &hub, None),
    )
    .unwrap();
    assert_eq!(
        std::fs::read(found.dir.join(shard)).unwrap(),
        repo.file(shard).data
    );
    let etag = repo.file(shard).etag();
    let gets: Vec<_> = hub
        .log()
        .into_iter()
        .filter(|l| l.method == "GET" && l.url.contains(&etag))
        .collect();
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert_eq!(gets[0].range, None);
    assert_eq!(
        gets[1].range.as_deref(),
        Some(format!("bytes={cut}-").as_str())
    );
}

#[test]
fn a_partial_blob_from_an_earlier_run_is_resumed() {
    let (repo, hub) = llama_hub();
    let shard = repo.file("model-00002-of-00002.safetensors").clone();
    let cache = tempfile::tempdir().unwrap();
    let blobs = cache.path().join("models--tiny-org--tiny-llama/blobs");
    std::fs::create_dir_all(&blobs).unwrap();
    let have = 1000;
    std::fs::write(
        blobs.join(format!("{}.incomplete", shard.etag())),
        &shard.data[..have],
    )
    .unwrap();
    let found = resolve_or_download(
        &model_ref("tiny-org/tiny-llama", "main"),
        &config(cache.path(), &hub, None),
    )
    .unwrap();
    assert_eq!(
        std::fs::read(found.dir.join(&shard.name)).unwrap(),
        shard.data
    );
    let gets: Vec<_> = hub
        .log()
        .into_iter()
        .filter(|l| l.method == "GET" && l.url.contains(&shard.etag()))
        .collect();
    assert_eq!(gets.len(), 1, "{gets:?}");
    assert_eq!(gets[0].range.as_deref(), Some("bytes=1000-"));
}

#[test]
fn a_partial_blob_with_wrong_bytes_is_rejected_and_removed() {
    let (repo, hub) = llama_hub();
    let shard = repo.file("model-00002-of-00002.safetensors").clone();
    let cache = tempfile::tempdir().unwrap();
    let blobs = cache.path().join("models--tiny-org--tiny-llama/blobs");
    std::fs::create_dir_all(&blobs).unwrap();
    let partial = blobs.join(format!("{}.incomplete", shard.etag()));
    std::fs::write(&partial, vec![0xAB; 1000]).unwrap();
    let cfg = config(cache.path(), &hub, None);
    let err = resolve_or_download(&model_ref("tiny-org/tiny-llama", "main"), &cfg).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, HubError::CorruptDownload { .. }), "{text}");
    assert!(
        text.contains(&shard.name) && text.contains(&shard.etag()),
        "{text}"
    );
    assert!(!partial.exists());
    // The next run downloads it afresh.
    let found = resolve_or_download(&model_ref("tiny-org/tiny-llama", "main"), &cfg).unwrap();
    assert_eq!(
        std::fs::read(found.dir.join(&shard.name)).unwrap(),
        shard.data
    );
}

#[test]
fn a_token_is_required_and_sent_to_the_hub_only() {
    let (_, hub) = llama_hub();
    hub.require_token("hf_secret");
    let cache = tempfile::tempdir().unwrap();
    let model = model_ref("tiny-org/tiny-llama", "main");

    let err = resolve_or_download(&model, &config(cache.path(), &hub, None)).unwrap_err();
    let text = format!("{:?}", miette::Report::new(err));
    assert!(text.contains("HTTP 401"), "{text}");
    assert!(text.contains("no token was sent"), "{text}");
    assert!(text.contains("HF_TOKEN"), "{text}");

    let err = resolve_or_download(&model, &config(cache.path(), &hub, Some("hf_wrong")))
        .unwrap_err()
        .to_string();
    assert!(err.contains("was rejected"), "{err}");

    resolve_or_download(&model, &config(cache.path(), &hub, Some("hf_secret"))).unwrap();
    let log = hub.log();
    assert!(log.iter().any(|l| l.server == "cdn"));
    assert!(
        log.iter()
            .filter(|l| l.server == "cdn")
            .all(|l| l.authorization.is_none())
    );
    assert!(
        log.iter()
            .any(|l| l.server == "hub" && l.authorization.as_deref() == Some("Bearer hf_secret"))
    );
}

#[test]
fn unknown_repo_and_revision_are_named() {
    let (_, hub) = llama_hub();
    let cache = tempfile::tempdir().unwrap();
    let cfg = config(cache.path(), &hub, None);
    let err = resolve_or_download(&model_ref("tiny-org/nope", "main"), &cfg).unwrap_err();
    let text = format!("{:?}", miette::Report::new(err));
    assert!(text.contains("`tiny-org/nope` was not found"), "{text}");
    assert!(text.contains(&hub.url), "{text}");
    assert!(text.contains("HF_TOKEN"), "{text}");

    let err = resolve_or_download(&model_ref("tiny-org/tiny-llama", "dev"), &cfg)
        .unwrap_err()
        .to_string();
    assert!(err.contains("revision `dev`"), "{err}");
    // Nothing was written for the failed lookups.
    assert!(!cache.path().join("models--tiny-org--nope").exists());
}

#[test]
fn a_repo_without_safetensors_is_refused_before_any_download() {
    let mut repo = FakeRepo::from_fixture("tiny-org/old", COMMIT, "tiny-qwen3");
    repo.files.retain(|f| f.name != "model.safetensors");
    let hub = FakeHub::start(vec![repo]);
    let cache = tempfile::tempdir().unwrap();
    let err = resolve_or_download(
        &model_ref("tiny-org/old", "main"),
        &config(cache.path(), &hub, None),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no safetensors weights"), "{err}");
    assert!(err.contains("pytorch_model.bin"), "{err}");
    assert!(hub.log().iter().all(|l| l.url.starts_with("/api/")));
}

#[test]
fn a_python_written_cache_is_completed_without_downloading_again() {
    // `hf download` of the whole repository leaves no `.no_exist` markers: one listing call
    // tells which optional files exist, and nothing already there is fetched.
    let repo = FakeRepo::from_fixture("tiny-org/tiny-qwen3", COMMIT, "tiny-qwen3");
    let hub = FakeHub::start(vec![repo.clone()]);
    let cache = tempfile::tempdir().unwrap();
    write_fake_cache(cache.path(), &repo, &["main"], None);
    let cfg = config(cache.path(), &hub, None);
    let found = resolve_or_download(&model_ref("tiny-org/tiny-qwen3", "main"), &cfg).unwrap();
    assert_eq!(found.commit, COMMIT);
    let log = hub.log();
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(log[0].url.starts_with(&format!(
        "/api/models/tiny-org/tiny-qwen3/revision/{COMMIT}"
    )));
    resolve_or_download(&model_ref("tiny-org/tiny-qwen3", "main"), &cfg).unwrap();
    assert_eq!(hub.log().len(), 1);

    // Only config.json cached (a Python `AutoConfig` call): the rest is downloaded.
    let partial = tempfile::tempdir().unwrap();
    write_fake_cache(partial.path(), &repo, &["main"], Some(&["config.json"]));
    let found = resolve_or_download(
        &model_ref("tiny-org/tiny-qwen3", "main"),
        &config(partial.path(), &hub, None),
    )
    .unwrap();
    assert!(found.dir.join("model.safetensors").is_file());
    assert!(
        !hub.log()
            .iter()
            .any(|l| l.method == "GET" && l.url.ends_with("/config.json"))
    );
}

#[test]
fn a_pinned_commit_downloads_that_commit_without_a_ref() {
    let (_, hub) = llama_hub();
    let cache = tempfile::tempdir().unwrap();
    let found = resolve_or_download(
        &model_ref("tiny-org/tiny-llama", COMMIT),
        &config(cache.path(), &hub, None),
    )
    .unwrap();
    assert_eq!(found.commit, COMMIT);
    assert!(
        !cache
            .path()
            .join("models--tiny-org--tiny-llama/refs")
            .exists()
    );
    let err = resolve_or_download(
        &model_ref("tiny-org/tiny-llama", OTHER_COMMIT),
        &config(cache.path(), &hub, None),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains(&format!("revision `{OTHER_COMMIT}`")), "{err}");
}

#[test]
fn generate_downloads_through_the_binary() {
    let repo = FakeRepo::from_fixture("tiny-org/tiny-qwen3", COMMIT, "tiny-qwen3");
    let hub = FakeHub::start(vec![repo]);
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mascot"))
        .args([
            "generate",
            "--model",
            "tiny-org/tiny-qwen3",
            "--prompt",
            "hello",
            "--max-tokens",
            "3",
            "--json",
        ])
        .env_remove("HF_HUB_CACHE")
        .env_remove("HUGGINGFACE_HUB_CACHE")
        .env_remove("HF_HUB_OFFLINE")
        .env_remove("TRANSFORMERS_OFFLINE")
        .env("HF_HOME", home.path())
        .env("HF_ENDPOINT", &hub.url)
        .env("HF_TOKEN", "hf_any")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("downloading tiny-org/tiny-qwen3 model.safetensors"),
        "{stderr}"
    );
    assert!(
        stderr.contains("downloaded tiny-org/tiny-qwen3 model.safetensors"),
        "{stderr}"
    );
    let snapshot = home
        .path()
        .join("hub/models--tiny-org--tiny-qwen3/snapshots")
        .join(COMMIT);
    assert!(snapshot.join("model.safetensors").is_file());
    assert!(
        hub.log()
            .iter()
            .filter(|l| l.server == "hub")
            .all(|l| l.authorization.as_deref() == Some("Bearer hf_any"))
    );
}

/// Two runs downloading the same model at once (threads here, processes in practice: the
/// cache's locks are file locks) both end with the complete model, and the cache holds each
/// blob once, with no partial file left.
#[test]
fn two_concurrent_downloads_of_one_model_do_not_corrupt_the_cache() {
    let (repo, hub) = llama_hub();
    let cache = tempfile::tempdir().unwrap();
    let cfg = config(cache.path(), &hub, None);
    let wanted = model_ref("tiny-org/tiny-llama", "main");
    let found: Vec<_> = std::thread::scope(|s| {
        let a = s.spawn(|| resolve_or_download(&wanted, &cfg));
        let b = s.spawn(|| resolve_or_download(&wanted, &cfg));
        [a.join().unwrap(), b.join().unwrap()]
    })
    .into_iter()
    .map(|r| r.expect("both downloads succeed"))
    .collect();
    assert_eq!(found[0], found[1]);
    for name in NEEDED_LLAMA {
        assert_eq!(
            std::fs::read(found[0].dir.join(name)).unwrap(),
            repo.file(name).data,
            "{name}"
        );
    }
    let blobs = sorted_names(&cache.path().join("models--tiny-org--tiny-llama/blobs"));
    assert_eq!(blobs.len(), NEEDED_LLAMA.len(), "{blobs:?}");
    assert!(
        !blobs.iter().any(|b| b.ends_with(".incomplete")),
        "{blobs:?}"
    );
}
