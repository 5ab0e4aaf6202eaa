//! The GRPO loop on the tiny model: it raises a verifiable reward (the share of odd byte
//! ids in the completion) within a fixed number of steps; only the LoRA factors change;
//! a run stopped at a checkpoint and resumed ends with the same adapter as an uninterrupted
//! run; an action mask that marks no token as an action leaves the adapters untouched.

use std::collections::BTreeMap;
use std::path::Path;

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor};
use mascot::model::{ChatMessage, LoadedModel, LoraSpec, SamplingConfig, TinyConfig};
use mascot::train::TrainError;
use mascot::train::grpo::{
    ChatRollouts, GrpoConfig, GrpoError, GrpoRun, PolicyPrompt, RewardFn, Rollout, RolloutSource,
    ScoreRequest, WeightedReward, train_grpo,
};
use mascot::train::metrics::read_metrics;
use mascot::train::params::trainable_params;
use mascot::train::{Control, NoProgress, ProgressEvent};

fn tiny() -> TinyConfig {
    TinyConfig {
        arch: "llama".into(),
        layers: 2,
        hidden: 32,
        intermediate: 64,
        heads: 4,
        kv_heads: 2,
        vocab: 260,
        max_seq_len: 128,
        seed: 11,
    }
}

fn policy() -> LoadedModel {
    let lora = LoraSpec {
        r: 8,
        alpha: 16.0,
        dropout: 0.0,
        targets: [
            "q_proj",
            "k_proj",
            "v_proj",
            "o_proj",
            "up_proj",
            "down_proj",
        ]
        .map(String::from)
        .to_vec(),
        rslora: false,
        layers: None,
    };
    LoadedModel::tiny(&tiny(), Device::flex().autodiff())
        .unwrap()
        .with_new_lora(&lora, 7)
        .unwrap()
}

fn prompts() -> Vec<PolicyPrompt> {
    [
        "I lost my keys.",
        "We won the game!",
        "The meeting ran late.",
    ]
    .iter()
    .enumerate()
    .map(|(i, text)| PolicyPrompt {
        id: format!("c{i}"),
        persona: "anchor".into(),
        messages: vec![
            ChatMessage::new("system", "You are The Anchor."),
            ChatMessage::new("user", *text),
        ],
    })
    .collect()
}

/// The verifiable reward: the share of completion tokens with an odd id.
struct OddShare;

impl RewardFn for OddShare {
    fn name(&self) -> &str {
        "odd_share"
    }
    fn score(&mut self, batch: &[ScoreRequest<'_>]) -> Result<Vec<Option<f64>>, GrpoError> {
        Ok(batch
            .iter()
            .map(|r| {
                let ids = r.completion_ids;
                let odd = ids.iter().filter(|&&t| t % 2 == 1).count();
                Some(odd as f64 / ids.len().max(1) as f64)
            })
            .collect())
    }
}

fn rollouts() -> ChatRollouts {
    ChatRollouts {
        terms: vec![WeightedReward {
            weight: 1.0,
            reward: Box::new(OddShare),
        }],
    }
}

fn config(steps: usize) -> GrpoConfig {
    GrpoConfig {
        group: 8,
        batch: 24,
        epochs: steps,
        lr: 2e-2,
        beta: 0.04,
        max_tokens: 12,
        checkpoint_every: 2,
        seed: 5,
        ..GrpoConfig::default()
    }
}

/// Every parameter's bits by module path, and the paths of the trainable ones.
fn weights(model: &LoadedModel) -> (BTreeMap<String, Vec<u32>>, Vec<String>) {
    #[derive(Default)]
    struct Collect(Vec<String>, BTreeMap<String, Vec<u32>>);
    impl ModuleVisitor for Collect {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.0.push(name.to_string());
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.0.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let bits = param
                .base()
                .into_data()
                .convert::<f32>()
                .try_into_vec::<f32>()
                .unwrap()
                .into_iter()
                .map(f32::to_bits)
                .collect();
            self.1.insert(self.0.join("."), bits);
        }
    }
    let mut c = Collect::default();
    model.decoder.visit(&mut c);
    let trainable = trainable_params(&model.decoder)
        .into_iter()
        .map(|p| p.path)
        .collect();
    (c.1, trainable)
}

fn mean_reward(dir: &Path, steps: std::ops::Range<usize>) -> f64 {
    let metrics = read_metrics(&dir.join("metrics.jsonl")).unwrap();
    let n = steps.len() as f64;
    steps
        .map(|s| metrics[s]["reward"].as_f64().unwrap())
        .sum::<f64>()
        / n
}

#[test]
fn grpo_raises_the_reward_and_changes_only_the_adapters() {
    let out = tempfile::tempdir().unwrap();
    let start = policy();
    let (before, trainable) = weights(&start);
    // The trainable parameters are exactly the LoRA factors: 2 per target per layer.
    assert_eq!(trainable.len(), 2 * 6 * 2, "{trainable:?}");
    let outcome = train_grpo(
        start,
        &mut rollouts(),
        &prompts(),
        &config(16),
        GrpoRun {
            output_dir: out.path(),
            checkpoint_dir: None,
        },
        &mut NoProgress,
    )
    .unwrap();
    assert_eq!(outcome.total_steps, 16);
    let (after, _) = weights(&outcome.policy);
    assert_eq!(before.len(), after.len());
    for (path, bits) in &before {
        if trainable.contains(path) {
            assert_ne!(bits, &after[path], "adapter `{path}` did not train");
        } else {
            assert!(bits == &after[path], "base weight `{path}` changed");
        }
    }

    let first = mean_reward(out.path(), 0..4);
    let last = mean_reward(out.path(), 12..16);
    assert!(
        last > first + 0.15,
        "mean reward did not rise: first 4 steps {first:.3}, last 4 {last:.3}"
    );
    // Every TRL-named metric is present on every line.
    let metrics = read_metrics(&out.path().join("metrics.jsonl")).unwrap();
    for key in [
        "reward",
        "reward_std",
        "rewards/odd_share/mean",
        "rewards/odd_share/std",
        "frac_reward_zero_std",
        "kl",
        "entropy",
        "clip_ratio/low_mean",
        "clip_ratio/high_mean",
        "clip_ratio/region_mean",
        "completions/mean_length",
        "completions/clipped_ratio",
        "loss",
        "grad_norm",
        "learning_rate",
        "step_time",
    ] {
        assert!(metrics[15].get(key).is_some(), "missing {key}");
    }
    assert!(metrics[15]["kl"].as_f64().unwrap() > 0.0);
    // The adapter is saved in PEFT's format and loads onto a fresh base.
    let adapter = out.path().join("adapter");
    assert!(adapter.join("adapter_config.json").is_file());
    let reloaded = LoadedModel::tiny(&tiny(), Device::flex())
        .unwrap()
        .with_adapter(&adapter)
        .unwrap();
    let prompt = reloaded.encode_chat(&prompts()[0].messages).unwrap();
    let trained_policy = LoadedModel {
        decoder: outcome.policy.decoder.valid(),
        device: Device::flex(),
        ..outcome.policy
    };
    let greedy = SamplingConfig::greedy(8);
    assert_eq!(
        reloaded
            .generate_ids(std::slice::from_ref(&prompt), &greedy)
            .unwrap(),
        trained_policy.generate_ids(&[prompt], &greedy).unwrap()
    );
}

/// A run of 3 generation batches of 2 updates each, checkpointed every 2 steps; the
/// progress callback asks to stop, or panics (a crash), at `interrupt`.
fn resumable_run(dir: &Path, interrupt: Option<(usize, bool)>) -> Result<Vec<u8>, GrpoError> {
    let mut callback = |e: &ProgressEvent<'_>| match (e, interrupt) {
        (ProgressEvent::Step { metrics, .. }, Some((step, crash))) if metrics.step == step => {
            if crash {
                panic!("simulated crash at step {step}");
            }
            Control::Stop
        }
        _ => Control::Continue,
    };
    let cfg = GrpoConfig {
        iterations: 2,
        micro_batch: Some(10),
        ..config(3)
    };
    let outcome = train_grpo(
        policy(),
        &mut rollouts(),
        &prompts(),
        &cfg,
        GrpoRun {
            output_dir: &dir.join("out"),
            checkpoint_dir: Some(&dir.join("ckpt")),
        },
        &mut callback,
    )?;
    Ok(std::fs::read(outcome.adapter_dir.join("adapter_model.safetensors")).unwrap())
}

fn same_metrics(a: &Path, b: &Path) {
    let a = read_metrics(&a.join("out/metrics.jsonl")).unwrap();
    let b = read_metrics(&b.join("out/metrics.jsonl")).unwrap();
    assert_eq!(a.len(), 6);
    assert_eq!(b.len(), 6);
    for (x, y) in a.iter().zip(&b) {
        for key in [
            "reward",
            "loss",
            "grad_norm",
            "kl",
            "clip_ratio/region_mean",
        ] {
            assert_eq!(x[key], y[key], "{key} at step {}", x["step"]);
        }
    }
}

#[test]
fn a_stopped_or_crashed_run_resumes_to_the_same_adapter() {
    let straight = tempfile::tempdir().unwrap();
    let full = resumable_run(straight.path(), None).unwrap();

    // A stop asked at step 3 takes effect at the end of its batch (step 4), where the
    // checkpoint is written.
    let stopped = tempfile::tempdir().unwrap();
    let err = resumable_run(stopped.path(), Some((3, false))).unwrap_err();
    assert!(
        matches!(err, GrpoError::Train(TrainError::Stopped { step: 4, .. })),
        "{err}"
    );
    assert_eq!(resumable_run(stopped.path(), None).unwrap(), full);
    same_metrics(straight.path(), stopped.path());

    // A crash at step 5 (after the metrics line of step 5 was written) resumes from the
    // checkpoint of step 4 and drops that line.
    let crashed = tempfile::tempdir().unwrap();
    let path = crashed.path().to_path_buf();
    let panicked = std::panic::catch_unwind(move || resumable_run(&path, Some((5, true))));
    assert!(panicked.is_err());
    assert_eq!(
        read_metrics(&crashed.path().join("out/metrics.jsonl"))
            .unwrap()
            .len(),
        5
    );
    assert_eq!(resumable_run(crashed.path(), None).unwrap(), full);
    same_metrics(straight.path(), crashed.path());

    // A finished run leaves a final checkpoint: running it again trains nothing and writes
    // the same adapter.
    std::fs::remove_dir_all(crashed.path().join("out/adapter")).unwrap();
    assert_eq!(resumable_run(crashed.path(), None).unwrap(), full);
}

/// Rollouts whose action mask marks no completion token: nothing is trained.
struct NoActions(ChatRollouts);

impl RolloutSource for NoActions {
    type Prompt = PolicyPrompt;
    fn reward_terms(&self) -> Vec<(String, f64)> {
        self.0.reward_terms()
    }
    fn rollouts(
        &mut self,
        policy: &LoadedModel,
        prompts: &[PolicyPrompt],
        group: usize,
        sampling: &SamplingConfig,
    ) -> Result<Vec<Rollout>, GrpoError> {
        let mut rollouts = self.0.rollouts(policy, prompts, group, sampling)?;
        for r in &mut rollouts {
            r.action_mask = Some(vec![false; r.completion_ids.len()]);
        }
        Ok(rollouts)
    }
}

#[test]
fn tokens_outside_the_action_mask_are_not_trained() {
    let out = tempfile::tempdir().unwrap();
    let start = policy();
    let (before, _) = weights(&start);
    let outcome = train_grpo(
        start,
        &mut NoActions(rollouts()),
        &prompts(),
        &config(2),
        GrpoRun {
            output_dir: out.path(),
            checkpoint_dir: None,
        },
        &mut NoProgress,
    )
    .unwrap();
    let (after, _) = weights(&outcome.policy);
    assert!(before == after, "masked tokens moved the adapters");
    let metrics = read_metrics(&out.path().join("metrics.jsonl")).unwrap();
    assert_eq!(metrics[0]["grad_norm"].as_f64().unwrap(), 0.0);
    assert_eq!(metrics[0]["loss"].as_f64().unwrap(), 0.0);
}

/// Records which personas it scored, batch by batch.
/// Each rollout cut into two turns (the director's case): turn 1 is the first `k`
/// completion tokens after the prompt, turn 2 the rest after the prompt and turn 1.
struct TwoTurns(ChatRollouts);

impl RolloutSource for TwoTurns {
    type Prompt = PolicyPrompt;
    fn reward_terms(&self) -> Vec<(String, f64)> {
        self.0.reward_terms()
    }
    fn rollouts(
        &mut self,
        policy: &LoadedModel,
        prompts: &[PolicyPrompt],
        group: usize,
        sampling: &SamplingConfig,
    ) -> Result<Vec<Rollout>, GrpoError> {
        let whole = self.0.rollouts(policy, prompts, group, sampling)?;
        Ok(whole
            .into_iter()
            .map(|r| {
                if r.completion_ids.len() < 2 {
                    return r;
                }
                let k = r.completion_ids.len() / 2;
                let mut second_prompt = r.prompt_ids.clone();
                second_prompt.extend_from_slice(&r.completion_ids[..k]);
                let mut split = Rollout::from_turns(vec![
                    (r.prompt_ids.clone(), r.completion_ids[..k].to_vec()),
                    (second_prompt, r.completion_ids[k..].to_vec()),
                ])
                .unwrap();
                split.rewards = r.rewards.clone();
                split.truncated = r.truncated;
                split
            })
            .collect())
    }
}

#[test]
fn later_turns_are_scored_after_their_own_prompts() {
    // With the token-mean loss, a completion cut into two turns (the second after the prompt
    // and the first) is the same loss as the whole completion: causal log-probabilities.
    let cfg = GrpoConfig {
        loss: mascot::train::grpo::LossType::Bnpo,
        ..config(1)
    };
    let run = |source: &mut dyn FnMut(&Path)| {
        let out = tempfile::tempdir().unwrap();
        source(out.path());
        read_metrics(&out.path().join("metrics.jsonl")).unwrap()
    };
    let whole = run(&mut |dir| {
        train_grpo(
            policy(),
            &mut rollouts(),
            &prompts(),
            &cfg,
            GrpoRun {
                output_dir: dir,
                checkpoint_dir: None,
            },
            &mut NoProgress,
        )
        .unwrap();
    });
    let split = run(&mut |dir| {
        train_grpo(
            policy(),
            &mut TwoTurns(rollouts()),
            &prompts(),
            &cfg,
            GrpoRun {
                output_dir: dir,
                checkpoint_dir: None,
            },
            &mut NoProgress,
        )
        .unwrap();
    });
    for name in [
        "loss",
        "grad_norm",
        "kl",
        "entropy",
        "reward",
        "completions/mean_length",
    ] {
        let (a, b) = (
            whole[0][name].as_f64().unwrap(),
            split[0][name].as_f64().unwrap(),
        );
        assert!(
            (a - b).abs() <= 1e-5 * (1.0 + a.abs()),
            "{name}: whole {a}, two turns {b}"
        );
    }
    assert!(whole[0]["grad_norm"].as_f64().unwrap() > 0.0);
}

struct PersonaLog(std::rc::Rc<std::cell::RefCell<Vec<Vec<String>>>>);

impl RewardFn for PersonaLog {
    fn name(&self) -> &str {
        "persona_log"
    }
    fn score(&mut self, batch: &[ScoreRequest<'_>]) -> Result<Vec<Option<f64>>, GrpoError> {
        let mut seen: Vec<String> = batch.iter().map(|r| r.prompt.persona.clone()).collect();
        seen.dedup();
        self.0.borrow_mut().push(seen);
        Ok(batch
            .iter()
            .map(|r| Some(r.completion_ids.len() as f64))
            .collect())
    }
}

#[test]
fn per_persona_runs_train_one_adapter_per_persona_on_its_own_prompts() {
    let out = tempfile::tempdir().unwrap();
    let mut rows = prompts();
    rows[1].persona = "The Beacon".into();
    let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let mut source = ChatRollouts {
        terms: vec![WeightedReward {
            weight: 1.0,
            reward: Box::new(PersonaLog(log.clone())),
        }],
    };
    let cfg = GrpoConfig {
        group: 2,
        batch: 2,
        beta: 0.0,
        ..config(1)
    };
    let outcomes = mascot::train::grpo::train_per_persona(
        |_| Ok(policy()),
        &mut source,
        &rows,
        &cfg,
        GrpoRun {
            output_dir: out.path(),
            checkpoint_dir: None,
        },
        &mut NoProgress,
    )
    .unwrap();
    let names: Vec<&str> = outcomes.iter().map(|o| o.persona.as_str()).collect();
    assert_eq!(names, vec!["anchor", "The Beacon"]);
    // anchor has 2 prompts (2 steps at batch 1), The Beacon 1.
    assert_eq!(outcomes[0].total_steps, 2);
    assert_eq!(outcomes[1].total_steps, 1);
    assert_eq!(
        *log.borrow(),
        vec![vec!["anchor"], vec!["anchor"], vec!["The Beacon"]]
    );
    for (o, slug) in outcomes.iter().zip(["anchor", "the_beacon"]) {
        assert_eq!(
            o.adapter_dir,
            out.path().join("personas").join(slug).join("adapter")
        );
        assert!(o.adapter_dir.join("adapter_model.safetensors").is_file());
    }
}

#[test]
fn a_checkpoint_of_another_configuration_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = |lr: f64| {
        train_grpo(
            policy(),
            &mut rollouts(),
            &prompts(),
            &GrpoConfig {
                group: 2,
                batch: 6,
                max_tokens: 4,
                lr,
                ..config(1)
            },
            GrpoRun {
                output_dir: &dir.path().join("out"),
                checkpoint_dir: Some(&dir.path().join("ckpt")),
            },
            &mut NoProgress,
        )
    };
    run(1e-3).unwrap();
    let err = run(2e-3).unwrap_err();
    assert!(
        matches!(err, GrpoError::Train(TrainError::CheckpointMismatch { .. })),
        "{err}"
    );
    // The same configuration finds its final checkpoint and trains nothing more.
    let again = run(1e-3).unwrap();
    assert_eq!(again.resumed_from, Some(1));
}

/// TRL's optimizer steps for one process, written as TRL computes them: the `RepeatSampler`
/// yields `floor(n / unique) * unique * G * (mu * spg)` indices, the dataloader takes
/// `batch * spg` of them at a time (one device step), and the Trainer steps the optimizer
/// every `grad_accum` device steps (`steps_per_generation` defaults to `grad_accum`).
fn trl_steps(n: usize, batch: usize, group: usize, grad_accum: usize, mu: usize) -> usize {
    let spg = grad_accum;
    let generation_batch = batch * spg;
    let unique = generation_batch / group;
    let sampler_len = (n / unique) * unique * group * (mu * spg);
    let dataloader_len = sampler_len / (batch * spg);
    dataloader_len / grad_accum
}

#[test]
fn optimizer_steps_follow_trls_batch_arithmetic() {
    use mascot::train::grpo::total_steps;
    for (n, batch, group, grad_accum, mu) in [
        (7, 4, 2, 2, 2),
        (100, 16, 8, 1, 1),
        (100, 16, 8, 4, 1),
        (33, 16, 8, 2, 3),
        (5, 2, 2, 1, 1),
        (64, 32, 4, 3, 2),
    ] {
        let cfg = GrpoConfig {
            group,
            batch,
            grad_accum,
            iterations: mu,
            ..GrpoConfig::default()
        };
        cfg.validate().unwrap();
        assert_eq!(
            total_steps(&cfg, n),
            trl_steps(n, batch, group, grad_accum, mu),
            "n {n} batch {batch} group {group} grad_accum {grad_accum} mu {mu}"
        );
    }
    // A real run: 3 prompts, generation batches of batch 4 x grad_accum 1 completions (2
    // prompts at G = 2), 2 epochs, mu 2: floor(3 / 2) * 2 * 2 = 4 optimizer steps, and every
    // generation batch scores batch * grad_accum completions.
    let out = tempfile::tempdir().unwrap();
    let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    struct Count(std::rc::Rc<std::cell::RefCell<Vec<usize>>>);
    impl RewardFn for Count {
        fn name(&self) -> &str {
            "count"
        }
        fn score(&mut self, batch: &[ScoreRequest<'_>]) -> Result<Vec<Option<f64>>, GrpoError> {
            self.0.borrow_mut().push(batch.len());
            Ok(batch
                .iter()
                .map(|r| Some(r.completion_ids.len() as f64))
                .collect())
        }
    }
    let cfg = GrpoConfig {
        group: 2,
        batch: 4,
        grad_accum: 1,
        iterations: 2,
        epochs: 2,
        max_tokens: 4,
        ..config(1)
    };
    let outcome = train_grpo(
        policy(),
        &mut ChatRollouts {
            terms: vec![WeightedReward {
                weight: 1.0,
                reward: Box::new(Count(log.clone())),
            }],
        },
        &prompts(),
        &cfg,
        GrpoRun {
            output_dir: out.path(),
            checkpoint_dir: None,
        },
        &mut NoProgress,
    )
    .unwrap();
    // 3 prompts, 2 per generation batch: 1 full batch per epoch (the third prompt dropped).
    assert_eq!(outcome.total_steps, trl_steps(3, 4, 2, 1, 2) * 2);
    assert_eq!(outcome.total_steps, 4);
    assert_eq!(*log.borrow(), vec![4, 4]);
    let metrics = read_metrics(&out.path().join("metrics.jsonl")).unwrap();
    assert_eq!(metrics.len(), 4);
    // Too few prompts for one generation batch is an error, not a silent empty run.
    let err = train_grpo(
        policy(),
        &mut rollouts(),
        &prompts(),
        &GrpoConfig {
            group: 2,
            batch: 8,
            ..config(1)
        },
        GrpoRun {
            output_dir: &out.path().join("short"),
            checkpoint_dir: None,
        },
        &mut NoProgress,
    )
    .unwrap_err();
    assert!(err.to_string().contains("generation batch"), "{err}");
}
