//! The local judge: a runtime model prompted like the HTTP judge and parsed the same way.
//! The built-in tiny model has random weights, so its answers are noise: every item must
//! fail with a parse reason (never a made-up score), the greedy answers are cached, and a
//! second pass generates nothing.

#[path = "judge/fixtures.rs"]
mod fixtures;

use burn::tensor::Device;
use fixtures::*;
use mascot::judge::{
    CachedChat, CallCache, FailureKind, Judge, JudgeItem, LocalBackend, LocalConfig, ModelJudge,
    Outcome,
};
use mascot::model::{LoadedModel, TinyConfig};

fn tiny() -> TinyConfig {
    TinyConfig {
        arch: "llama".into(),
        layers: 2,
        hidden: 32,
        intermediate: 64,
        heads: 4,
        kv_heads: 2,
        vocab: 260,
        max_seq_len: 4096,
        seed: 3,
    }
}

fn local_judge(cache: Option<CallCache>) -> Judge {
    let model = LoadedModel::tiny(&tiny(), Device::flex()).unwrap();
    let mut config = LocalConfig::new(serde_json::to_value(tiny()).unwrap());
    config.max_tokens = 12;
    config.batch = 2;
    let backend = LocalBackend::new(model, config).unwrap();
    Judge::Model(ModelJudge::new(CachedChat::new(Box::new(backend), cache)))
}

fn items() -> Vec<JudgeItem> {
    ["I'm so sorry.", "That sounds lonely.", "What was he like?"]
        .iter()
        .enumerate()
        .map(|(i, r)| {
            response_item(
                &format!("item{i}"),
                "My dog died yesterday.",
                None,
                anchor(),
                r,
            )
        })
        .collect()
}

#[test]
fn noise_from_a_random_model_fails_with_reasons_and_is_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let judge = local_judge(Some(CallCache::open(dir.path()).unwrap()));
    let first = judge.judge(&agent_rubric(), &items()).unwrap();
    assert_eq!(first.stats.calls, 3);
    for j in &first.judged {
        match &j.outcome {
            Outcome::Failed { kind, reason } => {
                assert_eq!(*kind, FailureKind::Parse, "{}", j.id);
                assert!(!reason.is_empty());
            }
            other => panic!(
                "{}: a random model cannot produce valid scores: {other:?}",
                j.id
            ),
        }
    }
    // Failed items are never cached, even at temperature 0: the second pass asks again and,
    // greedy decoding being deterministic, fails the same way.
    let second = judge.judge(&agent_rubric(), &items()).unwrap();
    assert_eq!(second.stats.calls, 3);
    assert_eq!(second.stats.cache_hits, 0);
    assert_eq!(second.judged, first.judged);

    // The same model without a cache answers the same (greedy is deterministic).
    let uncached = local_judge(None).judge(&agent_rubric(), &items()).unwrap();
    assert_eq!(uncached.judged, first.judged);
}
