//! One base per process, many adapters: loads are counted, a mixed-adapter batch gives each
//! row what its adapter alone gives, batched greedy episodes equal sequential ones, and the
//! LoRA reference of GRPO is the base.

use std::path::Path;

use burn::module::Param;
use burn::tensor::{Tensor, TensorData};
use mascot::data::{mbti_type, read_ed_csv};
use mascot::dialogue::{
    ChatModel, Completion, ConversationConfig, Decoding, EpisodeStart, Message, Models, NoProgress,
    SimulatedUser, SpeakerOrder, SystemKind, plan_episodes, run_conversations,
};
use mascot::model::decoder::Decoder;
use mascot::model::generation::{DecodePath, stepwise_logits};
use mascot::model::mixed::{MixedRequest, can_mix, generate_mixed, mixed_stepwise_logits};
use mascot::model::shared::{base_key, load_count};
use mascot::model::{LoadedModel, LoraSpec, ModelSource, ModelSpec, SamplingConfig, TinyConfig};
use mascot::spec::persona::Persona;
use mascot::train::grpo::reference_decoder;

/// A tiny model spec no other test of this binary uses (the load counts are per weights).
fn tiny_spec(seed: u64) -> ModelSpec {
    ModelSpec {
        source: ModelSource::Tiny(TinyConfig {
            arch: "llama".into(),
            layers: 2,
            hidden: 64,
            intermediate: 128,
            heads: 4,
            kv_heads: 2,
            vocab: 320,
            max_seq_len: 4096,
            seed,
        }),
        dtype: "f32".into(),
        device: "cpu".into(),
        lora: None,
        thinking: Default::default(),
    }
}

fn lora() -> LoraSpec {
    serde_json::from_value(serde_json::json!({
        "r": 4, "alpha": 8, "dropout": 0.0, "targets": ["q_proj", "k_proj", "v_proj", "o_proj"]
    }))
    .unwrap()
}

/// Gives every adapter of `decoder` a nonzero B (fresh adapters start at B = 0, which would
/// make every adapter equal to the base), drawn from `seed`.
fn perturb(decoder: &mut Decoder, seed: u64) {
    let mut state = seed;
    let mut draw = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.5
    };
    for layer in &mut decoder.layers {
        let a = &mut layer.self_attn;
        for linear in [&mut a.q_proj, &mut a.k_proj, &mut a.v_proj, &mut a.o_proj] {
            let adapter = linear.lora.as_mut().unwrap();
            let b = adapter.b.val();
            let [r, out] = b.dims();
            let values: Vec<f32> = (0..r * out).map(|_| draw()).collect();
            let new = Tensor::<2>::from_data(TensorData::new(values, [r, out]), &b.device());
            adapter.b = Param::from_tensor(new);
        }
    }
}

fn adapted(spec: &ModelSpec, seed: u64) -> LoadedModel {
    let mut model = LoadedModel::load(spec, Path::new("."))
        .unwrap()
        .with_new_lora(&lora(), seed)
        .unwrap();
    perturb(&mut model.decoder, seed);
    model
}

#[test]
fn a_model_shared_by_three_roles_and_a_trainer_is_loaded_once() {
    let spec = tiny_spec(9101);
    let key = base_key(&spec, Path::new(".")).unwrap();
    assert_eq!(load_count(&key), 0);
    let speaker = adapted(&spec, 1);
    let director = LoadedModel::load(&spec, Path::new(".")).unwrap();
    let user = LoadedModel::load(&spec, Path::new(".")).unwrap();
    let policy = LoadedModel::load_trainable(&spec, Path::new("."))
        .unwrap()
        .with_new_lora(&lora(), 2)
        .unwrap();
    assert_eq!(
        load_count(&key),
        1,
        "one read of the weights for four models"
    );
    assert!(policy.device.is_autodiff() && !director.device.is_autodiff());
    assert!(can_mix(&[&speaker, &director, &user]));
    // The roles still play their parts: the speaker's adapter changes its replies' logits.
    let ids = director
        .encode_chat(&[mascot::model::ChatMessage::new("user", "hi")])
        .unwrap();
    let base = director.last_logits(&ids).unwrap();
    assert_eq!(base, user.last_logits(&ids).unwrap());
    assert_ne!(base, speaker.last_logits(&ids).unwrap());
    // Other weights are a load of their own.
    let other = tiny_spec(9102);
    LoadedModel::load(&other, Path::new(".")).unwrap();
    assert_eq!(load_count(&base_key(&other, Path::new(".")).unwrap()), 1);
    assert_eq!(load_count(&key), 1);
}

#[test]
fn a_mixed_adapter_batch_gives_each_row_its_adapters_logits() {
    let spec = tiny_spec(9201);
    let base = LoadedModel::load(&spec, Path::new(".")).unwrap();
    let a = adapted(&spec, 11);
    let b = adapted(&spec, 12);
    let models = [&base, &a, &b];
    let prompt =
        |n: usize, s: u32| -> Vec<u32> { (0..n as u32).map(|i| (i * 7 + s) % 300 + 1).collect() };
    // Rows grouped by model, prompts of different lengths (left padding differs per row).
    let rows: Vec<(usize, Vec<u32>, Vec<u32>)> = vec![
        (0, prompt(5, 1), prompt(4, 50)),
        (1, prompt(9, 2), prompt(4, 60)),
        (1, prompt(3, 3), prompt(4, 70)),
        (2, prompt(7, 4), prompt(4, 80)),
        (2, prompt(12, 5), prompt(4, 90)),
    ];
    let mixed = mixed_stepwise_logits(&models, &rows).unwrap();
    let vocab = base.config.vocab_size;
    let mut max_diff = 0.0f32;
    for (r, (m, p, c)) in rows.iter().enumerate() {
        let alone = stepwise_logits(
            &models[*m].decoder,
            std::slice::from_ref(p),
            std::slice::from_ref(c),
            &base.device,
            DecodePath::Auto,
        )
        .unwrap();
        assert_eq!(alone.len(), mixed.len());
        for (step, logits) in alone.iter().enumerate() {
            let row = &mixed[step][r * vocab..(r + 1) * vocab];
            for (x, y) in row.iter().zip(logits) {
                max_diff = max_diff.max((x - y).abs());
            }
        }
    }
    assert!(max_diff <= 1e-5, "mixed vs alone: max |diff| = {max_diff}");
    // The adapters matter: row 1 under the base would differ.
    let as_base = stepwise_logits(
        &base.decoder,
        std::slice::from_ref(&rows[1].1),
        std::slice::from_ref(&rows[1].2),
        &base.device,
        DecodePath::Auto,
    )
    .unwrap();
    let diff: f32 = as_base[0]
        .iter()
        .zip(&mixed[0][vocab..2 * vocab])
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    assert!(diff > 1e-3, "the adapter changes the logits ({diff})");

    // Sampling: each row draws what its model alone draws with the same seed.
    let cfg = SamplingConfig {
        temperature: 1.0,
        ..SamplingConfig::greedy(6)
    };
    let requests: Vec<MixedRequest> = rows
        .iter()
        .enumerate()
        .rev()
        .map(|(i, (m, p, _))| MixedRequest {
            model: *m,
            prompt: p.clone(),
            seed: 100 + i as u64,
        })
        .collect();
    let out = generate_mixed(&models, &requests, &cfg).unwrap();
    for (req, got) in requests.iter().zip(&out) {
        let alone = models[req.model]
            .generate_ids(
                std::slice::from_ref(&req.prompt),
                &SamplingConfig {
                    seed: req.seed,
                    ..cfg.clone()
                },
            )
            .unwrap();
        assert_eq!(got.output_ids, alone[0].output_ids);
    }
}

fn personas() -> Vec<Persona> {
    ["Anchor", "Catalyst", "Beacon"]
        .iter()
        .map(|n| Persona {
            name: (*n).into(),
            description: format!("{n} supports the user."),
            traits: vec!["kind".into()],
            style: None,
            examples: vec![],
        })
        .collect()
}

/// A model that hides its runtime model, so the turn loop calls it on its own.
struct Alone<'a>(&'a LoadedModel);

impl ChatModel for Alone<'_> {
    fn generate(
        &self,
        chats: &[Vec<Message>],
        decoding: &Decoding,
    ) -> Result<Vec<Completion>, Box<dyn std::error::Error + Send + Sync>> {
        self.0.generate(chats, decoding)
    }
    fn count_tokens(&self, text: &str) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
        self.0.count_tokens(text)
    }
    fn context_window(&self) -> usize {
        self.0.context_window()
    }
}

#[test]
fn persona_adapters_in_one_batch_play_the_episodes_their_own_calls_play() {
    let spec = tiny_spec(9301);
    let director = LoadedModel::load(&spec, Path::new(".")).unwrap();
    let speakers: Vec<LoadedModel> = (0..3).map(|i| adapted(&spec, 20 + i)).collect();
    let split = read_ed_csv(Path::new(
        "tests/fixtures/data/empathetic_dialogues/test.csv",
    ))
    .unwrap();
    let starts: Vec<EpisodeStart> = split
        .conversations
        .iter()
        .take(2)
        .map(|c| EpisodeStart::from_ed(c).unwrap())
        .collect();
    let users = [
        SimulatedUser::mbti(mbti_type("INFP").unwrap()),
        SimulatedUser::mbti(mbti_type("ESTJ").unwrap()),
    ];
    let episodes = plan_episodes(&starts, &users, 1);
    assert_eq!(episodes.len(), 4);
    for order in [SpeakerOrder::Director, SpeakerOrder::Random] {
        let cfg = ConversationConfig {
            system: SystemKind::Mascot,
            order,
            turns: 3,
            max_tokens: 6,
            director_max_tokens: 6,
            user_max_tokens: 6,
            temperature: 0.0,
            seed: 5,
            batch_size: 8,
            ..Default::default()
        };
        // Every episode's turn in one call per role, the persona adapters in one mixed batch.
        let batched = run_conversations(
            &cfg,
            &personas(),
            &episodes,
            &Models {
                director: Some(&director),
                speakers: speakers.iter().map(|m| m as &dyn ChatModel).collect(),
                user: Some(&director),
            },
            &NoProgress,
        )
        .unwrap();
        // One call per persona model, as before multi-LoRA batching.
        let alone: Vec<Alone<'_>> = speakers.iter().map(Alone).collect();
        let separate = run_conversations(
            &cfg,
            &personas(),
            &episodes,
            &Models {
                director: Some(&director),
                speakers: alone.iter().map(|m| m as &dyn ChatModel).collect(),
                user: Some(&director),
            },
            &NoProgress,
        )
        .unwrap();
        assert_eq!(batched, separate, "order {order:?}");
        if order == SpeakerOrder::Random {
            // Some turn had several personas speaking at once: a truly mixed batch.
            let mixed = (0..3).any(|t| {
                let who: std::collections::BTreeSet<&str> = batched
                    .iter()
                    .map(|r| r.turns[t].speaker.as_str())
                    .collect();
                who.len() > 1
            });
            assert!(mixed, "the random order mixes personas within a turn");
        }
    }
}

#[test]
fn the_lora_reference_log_probs_are_the_base_models() {
    let spec = tiny_spec(9401);
    let base = LoadedModel::load(&spec, Path::new(".")).unwrap();
    let mut policy = LoadedModel::load_trainable(&spec, Path::new("."))
        .unwrap()
        .with_new_lora(&lora(), 3)
        .unwrap();
    perturb(&mut policy.decoder, 3);
    let pairs = vec![
        (vec![5u32, 9, 17, 33], vec![40u32, 41, 42]),
        (vec![7u32, 8], vec![50u32, 60, 70, 80]),
    ];
    let values = |lp: mascot::model::CompletionLogprobs| -> Vec<f32> {
        (lp.logprobs * lp.mask)
            .into_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .unwrap()
    };
    let reference = reference_decoder(&policy);
    let plain = policy.device.clone().without_autodiff();
    let got = values(
        mascot::model::logprobs::completion_logprobs(
            &reference,
            &pairs,
            base.config.vocab_size,
            &plain,
        )
        .unwrap(),
    );
    let want = values(base.completion_logprobs(&pairs).unwrap());
    let policy_lp = values(policy.completion_logprobs(&pairs).unwrap());
    assert_eq!(got.len(), want.len());
    let diff = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(diff <= 1e-6, "reference vs base: {diff}");
    let moved = policy_lp
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        moved > 1e-4,
        "the policy's adapter moves its log-probs ({moved})"
    );
}
