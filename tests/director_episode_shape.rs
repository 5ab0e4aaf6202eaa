//! The director is trained on the episodes it is judged on: a GRPO rollout of
//! `optimize_director` and an episode of `generate_conversations` built from stage parameters
//! with the same settings (turns, simulated users, per-role budgets and temperatures) have
//! the same shape: the same roles speak in the same order, each with the same budget.

mod dialogue_support;

use std::cell::RefCell;

use burn::tensor::Device;
use dialogue_support::{ed_personas, ed_start};
use mascot::data::mbti::mbti_type;
use mascot::dialogue::{
    ChatModel, ConversationRow, GroupRewardWeights, Models, NoProgress, ScriptedModel,
    SimulatedUser, config_from_director_params, config_from_generate_params, plan_episodes,
    run_conversations,
};
use mascot::model::{LoadedModel, SamplingConfig, TinyConfig};
use mascot::spec::stages::generate_conversations::GenerateConversationsParams;
use mascot::spec::stages::optimize_director::OptimizeDirectorParams;
use mascot::stages::director_rollouts::{DirectorRollouts, JudgeCoherence};
use mascot::train::grpo::RolloutSource;

fn director() -> LoadedModel {
    LoadedModel::tiny(
        &TinyConfig {
            arch: "llama".into(),
            layers: 1,
            hidden: 16,
            intermediate: 32,
            heads: 2,
            kv_heads: 1,
            vocab: 320,
            max_seq_len: 4096,
            seed: 4,
        },
        Device::flex(),
    )
    .unwrap()
}

/// A model that answers with the role and the budget and temperature it was given.
fn scripted(role: &'static str) -> ScriptedModel {
    ScriptedModel::new(move |_, d| format!("{role} {} {:.2}", d.max_tokens, d.temperature))
}

/// The roles of an episode in order (`director`, `speaker`, `user`), each with what its
/// call was given when the model reports it.
fn shape(row: &ConversationRow) -> Vec<String> {
    let mut out = Vec::new();
    for t in &row.turns {
        if t.directive.is_some() {
            out.push("director".to_string());
        }
        out.push(format!("speaker: {}", t.response));
        if let Some(r) = &t.user_reply {
            out.push(format!("user: {}", r.text));
        }
    }
    out
}

const MODEL: &str = r#"{"source": "tiny", "arch": "llama", "layers": 1, "hidden": 16,
    "intermediate": 32, "heads": 2, "kv_heads": 1, "vocab": 320, "max_seq_len": 4096, "seed": 4}"#;

#[test]
fn a_director_rollout_has_the_shape_of_an_evaluation_episode() {
    let personas = ed_personas();
    let model: serde_json::Value = serde_json::from_str(MODEL).unwrap();
    let generate: GenerateConversationsParams = serde_json::from_value(serde_json::json!({
        "system": "mascot", "speaker": model, "director": model, "personas": personas,
        "order": "director", "turns": 3, "temperature": 0.7, "max_tokens": 24, "samples": 1,
        "limit": null, "seed": 9,
    }))
    .unwrap();
    let director_params: OptimizeDirectorParams = serde_json::from_value(serde_json::json!({
        "director": model, "speaker": model, "share_params": true, "personas": personas,
        "reward": {"level": "group", "terms": []}, "turns": 3,
        "speaker_max_tokens": 24, "user_max_tokens": 24, "speaker_temperature": 0.7,
        "user_temperature": 0.7,
        "grpo": {"group": 2, "clip": 0.2, "beta": 0.0, "epochs": 1, "batch": 2, "lr": 1e-5,
                 "max_tokens": 24, "temperature": 0.7},
        "seed": 9,
    }))
    .unwrap();
    let gen_cfg = config_from_generate_params(&generate).unwrap();
    let dir_cfg = config_from_director_params(&director_params);
    // The per-role settings agree (generate_conversations gives every role `max_tokens`).
    assert_eq!(
        (gen_cfg.turns, gen_cfg.max_tokens, gen_cfg.user_max_tokens),
        (dir_cfg.turns, dir_cfg.max_tokens, dir_cfg.user_max_tokens)
    );
    assert_eq!(
        (gen_cfg.temperature, gen_cfg.user_temperature),
        (dir_cfg.temperature, dir_cfg.user_temperature)
    );

    let policy = director();
    let speaker = scripted("speaker");
    let user = scripted("user");
    let starts = vec![ed_start(
        "c0",
        "I moved to a new city.",
        "I know nobody here.",
    )];
    let users = vec![SimulatedUser::mbti(mbti_type("INFP").unwrap())];

    // An evaluation episode of generate_conversations.
    let episodes = plan_episodes(&starts, &users, 1);
    let evaluated = run_conversations(
        &gen_cfg,
        &personas,
        &episodes,
        &Models {
            director: Some(&policy as &dyn ChatModel),
            speakers: vec![&speaker],
            user: Some(&user),
        },
        &NoProgress,
    )
    .unwrap();

    // A GRPO rollout of optimize_director on the same context and user.
    let coherence = JudgeCoherence {
        judge: None,
        personas: &personas,
        starts: &starts,
    };
    let mut source = DirectorRollouts {
        cfg: dir_cfg,
        personas: &personas,
        starts: &starts,
        users: &users,
        user: Some(&user),
        speakers: vec![&speaker],
        speakers_are_policy: false,
        coherence: &coherence,
        weights: GroupRewardWeights {
            coherence: 1.0,
            eta: 1.0,
        },
        last_rows: RefCell::new(Vec::new()),
    };
    let sampling = SamplingConfig {
        max_tokens: 24,
        temperature: 0.7,
        top_k: None,
        top_p: 1.0,
        seed: 1,
        stop: Vec::new(),
    };
    let rollouts = source
        .rollouts(&policy, &[(0, "c0/INFP".into())], 2, &sampling)
        .unwrap();
    assert_eq!(rollouts.len(), 2);
    let rows = source.last_rows.into_inner();
    assert_eq!(rows.len(), 2);
    let expected = shape(&evaluated[0]);
    assert_eq!(
        expected,
        vec![
            "director",
            "speaker: speaker 24 0.70",
            "user: user 24 0.70",
            "director",
            "speaker: speaker 24 0.70",
            "user: user 24 0.70",
            "director",
            "speaker: speaker 24 0.70",
        ]
    );
    for row in &rows {
        assert_eq!(shape(row), expected);
        assert_eq!(row.user_type.as_deref(), Some("INFP"));
    }
    // Only the directives are actions: one turn of the rollout per directive.
    for r in &rollouts {
        assert!(r.later_turns.len() < 3);
    }
}
