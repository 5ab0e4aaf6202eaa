//! The paper's reward pieces in a GRPO run: the reward-model term scores the policy's reply
//! as the reward model scores a `(system, prompt, response)` chat (think block stripped), and
//! `R = rm + lambda * format` is logged term by term.

use burn::tensor::Device;
use mascot::model::reward::RewardModel;
use mascot::model::{ChatMessage, LoadedModel, LoraSpec, TinyConfig};
use mascot::train::NoProgress;
use mascot::train::chat::ChatCodec;
use mascot::train::grpo::rm_reward::RewardModelReward;
use mascot::train::grpo::{
    ChatRollouts, FormatReward, GrpoConfig, GrpoRun, PolicyPrompt, RewardFn, ScoreRequest,
    WeightedReward, train_grpo,
};
use mascot::train::metrics::read_metrics;
use mascot::train::reward::{RewardExport, export_reward_model, load_reward_model};

fn tiny() -> TinyConfig {
    TinyConfig {
        arch: "qwen3".into(),
        layers: 2,
        hidden: 32,
        intermediate: 64,
        heads: 4,
        kv_heads: 2,
        vocab: 260,
        max_seq_len: 256,
        seed: 4,
    }
}

/// A reward model with a random head on the tiny base, exported and loaded back.
fn reward_model(dir: &std::path::Path) -> mascot::train::reward::LoadedRewardModel {
    let base = LoadedModel::tiny(&tiny(), Device::flex()).unwrap();
    let rm = RewardModel::new(base.decoder.clone(), 3, &base.device);
    let pad = ChatCodec::of(&base).pad_id(None).unwrap();
    export_reward_model(
        &rm,
        &RewardExport {
            config: &base.config,
            tokenizer: &base.tokenizer,
            chat_template: base.chat_template.as_ref(),
            pad_id: pad,
        },
        dir,
    )
    .unwrap();
    load_reward_model(dir, "cpu").unwrap()
}

fn prompt() -> PolicyPrompt {
    PolicyPrompt {
        id: "c0".into(),
        persona: "anchor".into(),
        messages: vec![
            ChatMessage::new("system", "You are The Anchor."),
            ChatMessage::new("user", "I lost my keys."),
        ],
    }
}

#[test]
fn the_rm_term_scores_the_reply_as_the_reward_model_scores_a_chat() {
    let dir = tempfile::tempdir().unwrap();
    let direct = reward_model(dir.path());
    let mut term = RewardModelReward::new("rm", reward_model(dir.path()));
    term.batch = 2;
    let p = prompt();
    let replies = [
        "I am here with you.",
        "<think>they feel lost</think> I am here with you.",
        "Keys again?",
    ];
    let batch: Vec<ScoreRequest<'_>> = replies
        .iter()
        .map(|r| ScoreRequest {
            prompt: &p,
            completion: r,
            completion_ids: &[],
            truncated: false,
        })
        .collect();
    let scores = term.score(&batch).unwrap();
    let expected = |reply: &str| {
        f64::from(
            direct
                .score("You are The Anchor.", "I lost my keys.", reply)
                .unwrap(),
        )
    };
    assert!((scores[0].unwrap() - expected("I am here with you.")).abs() < 1e-5);
    // The think block is not shown to the reward model.
    assert!((scores[1].unwrap() - scores[0].unwrap()).abs() < 1e-6);
    assert!((scores[2].unwrap() - expected("Keys again?")).abs() < 1e-5);
    assert_ne!(scores[0], scores[2]);
}

/// Scores every completion 1.
struct Constant;

impl RewardFn for Constant {
    fn name(&self) -> &str {
        "constant"
    }
    fn score(
        &mut self,
        batch: &[ScoreRequest<'_>],
    ) -> Result<Vec<Option<f64>>, mascot::train::grpo::GrpoError> {
        Ok(vec![Some(1.0); batch.len()])
    }
}

#[test]
fn rm_plus_lambda_format_is_logged_term_by_term() {
    let dir = tempfile::tempdir().unwrap();
    let rm = reward_model(&dir.path().join("rm"));
    let lora: LoraSpec = serde_json::from_value(serde_json::json!({
        "r": 4, "alpha": 8.0, "dropout": 0.0, "targets": ["q_proj", "v_proj"]
    }))
    .unwrap();
    let policy = LoadedModel::tiny(&tiny(), Device::flex().autodiff())
        .unwrap()
        .with_new_lora(&lora, 1)
        .unwrap();
    let format = FormatReward::new(2, 8, policy.tokenizer.clone());
    let lambda = 0.5;
    let mut source = ChatRollouts {
        terms: vec![
            WeightedReward {
                weight: 1.0,
                reward: Box::new(RewardModelReward::new("rm", rm)),
            },
            WeightedReward {
                weight: lambda,
                reward: Box::new(format),
            },
            WeightedReward {
                weight: 0.25,
                reward: Box::new(Constant),
            },
        ],
    };
    let out = dir.path().join("out");
    train_grpo(
        policy,
        &mut source,
        &[prompt()],
        &GrpoConfig {
            group: 4,
            batch: 4,
            epochs: 2,
            max_tokens: 8,
            ..GrpoConfig::default()
        },
        GrpoRun {
            output_dir: &out,
            checkpoint_dir: None,
        },
        &mut NoProgress,
    )
    .unwrap();
    let metrics = read_metrics(&out.join("metrics.jsonl")).unwrap();
    assert_eq!(metrics.len(), 2);
    for m in &metrics {
        let rm_mean = m["rewards/rm/mean"].as_f64().unwrap();
        let format_mean = m["rewards/format/mean"].as_f64().unwrap();
        // The random tiny policy never writes a think block.
        assert_eq!(format_mean, 0.0);
        let total = m["reward"].as_f64().unwrap();
        assert_eq!(m["rewards/constant/mean"].as_f64().unwrap(), 1.0);
        assert!((total - (rm_mean + lambda * format_mean + 0.25)).abs() < 1e-9);
        assert!(m["rewards/rm/std"].as_f64().unwrap() > 0.0);
    }
}
