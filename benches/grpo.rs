//! One GRPO step on SmolLM2-135M-Instruct (the Q4_1 GGUF, dequantised to f32): G = 4
//! completions of exactly 64 tokens for one chat prompt, a rule reward, the reference pass
//! (beta 0.04), and one AdamW update of LoRA r = 16 (alpha 32) on q/k/v/o. TRL's GRPOTrainer
//! on the same work is scripts/bench_trl_grpo.py; figures are in benches/README.md.
//!
//! Prints, per step, the wall time, its rollout part (generation + reward) and the CPU time
//! (user + system, all threads), then the medians over the steps after the first and the
//! peak resident memory (VmHWM).
//!
//! Needs the model: scripts/fetch_smollm2.sh. Run:
//! `RAYON_NUM_THREADS=2 cargo bench --bench grpo` (GRPO_BENCH_STEPS sets the step count, 4).

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use burn::tensor::Device;
use mascot::model::gguf::load_gguf;
use mascot::model::{ChatMessage, LoadedModel, LoraSpec, SamplingConfig};
use mascot::train::grpo::{
    ChatRollouts, GrpoConfig, GrpoError, GrpoRun, PolicyPrompt, RewardFn, Rollout, RolloutSource,
    ScoreRequest, WeightedReward, train_grpo,
};
use mascot::train::{Control, ProgressEvent};
use support::{model_path, peak_rss_mib};

const PROMPT: &str = "I finally finished the marathon I trained a year for!";
const SYSTEM: &str = "You are The Beacon: you amplify good news with warmth.";

/// The share of characters of the reply that are the letter `e` (the same rule as the TRL
/// script's reward).
struct ShareOfE;

impl RewardFn for ShareOfE {
    fn name(&self) -> &str {
        "share_of_e"
    }
    fn score(&mut self, batch: &[ScoreRequest<'_>]) -> Result<Vec<Option<f64>>, GrpoError> {
        Ok(batch
            .iter()
            .map(|r| {
                let n = r.completion.chars().count().max(1);
                Some(r.completion.chars().filter(|&c| c == 'e').count() as f64 / n as f64)
            })
            .collect())
    }
}

/// Times the rollouts (generation + reward) of each step.
struct Timed {
    inner: ChatRollouts,
    times: Rc<RefCell<Vec<f64>>>,
}

impl RolloutSource for Timed {
    type Prompt = PolicyPrompt;
    fn reward_terms(&self) -> Vec<(String, f64)> {
        self.inner.reward_terms()
    }
    fn rollouts(
        &mut self,
        policy: &LoadedModel,
        prompts: &[PolicyPrompt],
        group: usize,
        sampling: &SamplingConfig,
    ) -> Result<Vec<Rollout>, GrpoError> {
        let start = Instant::now();
        let out = self.inner.rollouts(policy, prompts, group, sampling)?;
        self.times.borrow_mut().push(start.elapsed().as_secs_f64());
        assert!(out.iter().all(|r| r.completion_ids.len() == 64));
        Ok(out)
    }
}

/// User + system CPU seconds of this process (all threads), from /proc/self/stat.
fn cpu_seconds() -> f64 {
    let ticks_per_second = 100.0; // USER_HZ on Linux
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised command name; utime and stime are 14 and 15.
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = fields.get(11)?.parse().ok()?;
            let stime: f64 = fields.get(12)?.parse().ok()?;
            Some((utime + stime) / ticks_per_second)
        })
        .unwrap_or(f64::NAN)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let Some(path) = model_path() else { return };
    let steps: usize = std::env::var("GRPO_BENCH_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let load = Instant::now();
    let spec: LoraSpec = serde_json::from_value(serde_json::json!({
        "r": 16, "alpha": 32.0, "dropout": 0.0,
        "targets": ["q_proj", "k_proj", "v_proj", "o_proj"]
    }))
    .unwrap();
    let mut policy = load_gguf(&path, Device::flex().autodiff())
        .unwrap()
        .with_new_lora(&spec, 0)
        .unwrap();
    // Exactly 64 tokens per completion: no stop token.
    policy.tokenizer.stop_ids.clear();
    eprintln!("model loaded in {:.1} s", load.elapsed().as_secs_f64());
    let prompts = vec![PolicyPrompt {
        id: "bench".into(),
        persona: "beacon".into(),
        messages: vec![
            ChatMessage::new("system", SYSTEM),
            ChatMessage::new("user", PROMPT),
        ],
    }];
    let rollout_times = Rc::new(RefCell::new(Vec::new()));
    let mut source = Timed {
        inner: ChatRollouts {
            terms: vec![WeightedReward {
                weight: 1.0,
                reward: Box::new(ShareOfE),
            }],
        },
        times: rollout_times.clone(),
    };
    let config = GrpoConfig {
        group: 4,
        batch: 4,
        epochs: steps,
        max_tokens: 64,
        temperature: 1.0,
        beta: 0.04,
        lr: 1e-5,
        checkpoint_every: 0,
        ..GrpoConfig::default()
    };
    let step_times = Rc::new(RefCell::new(Vec::new()));
    let cpu_times = Rc::new(RefCell::new(Vec::new()));
    let (recorded, recorded_cpu) = (step_times.clone(), cpu_times.clone());
    let mut cpu_mark = cpu_seconds();
    let mut progress = move |e: &ProgressEvent<'_>| {
        if let ProgressEvent::Step { metrics, .. } = e {
            let t = metrics.get("step_time").unwrap_or(f64::NAN);
            let now = cpu_seconds();
            let cpu = now - cpu_mark;
            cpu_mark = now;
            recorded.borrow_mut().push(t);
            recorded_cpu.borrow_mut().push(cpu);
            eprintln!(
                "step {}: {t:.2} s wall, {cpu:.2} s cpu (reward {:.3}, kl {:.6})",
                metrics.step,
                metrics.get("reward").unwrap_or(f64::NAN),
                metrics.get("kl").unwrap_or(f64::NAN)
            );
        }
        Control::Continue
    };
    let out = tempfile::tempdir().unwrap();
    train_grpo(
        policy,
        &mut source,
        &prompts,
        &config,
        GrpoRun {
            output_dir: out.path(),
            checkpoint_dir: None,
        },
        &mut progress,
    )
    .unwrap();
    let steps_t = step_times.borrow().clone();
    let cpu_t = cpu_times.borrow().clone();
    let rollouts_t = rollout_times.borrow().clone();
    let later = |v: &[f64]| median(v.iter().skip(1).copied().collect());
    println!(
        "grpo_step smollm2-135m G=4 x 64 tokens, LoRA r16 q/k/v/o, threads {}: \
         median step {:.2} s wall, {:.2} s cpu (rollout {:.2} s, scoring + update {:.2} s) \
         over steps 2..{}; first step {:.2} s; peak RSS {:.0} MiB",
        std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "default".into()),
        later(&steps_t),
        later(&cpu_t),
        later(&rollouts_t),
        later(&steps_t) - later(&rollouts_t),
        steps_t.len(),
        steps_t.first().copied().unwrap_or(f64::NAN),
        peak_rss_mib()
    );
}
