//! The judge library fed from an experiment file: the rubrics of `personas/rubrics.mascot`
//! are fully covered by the heuristic judge, and the judge declarations build their backends.

use std::path::Path;

use mascot::judge::{
    HeuristicJudge, JudgeError, RubricLevel, chat_backend_from_spec, judge_from_spec,
    persona_profile, rubric_from_spec,
};
use mascot::model::{ModelSource, ModelSpec, TinyConfig};
use mascot::spec::judge::JudgeSpec;

fn ir() -> mascot::lang::Ir {
    let loaded = mascot::lang::load_file(Path::new("experiments/ed.mascot"));
    mascot::lang::check(&loaded).expect("experiments/ed.mascot checks")
}

#[test]
fn the_papers_rubrics_have_a_heuristic_proxy_for_every_criterion() {
    let ir = ir();
    let agent = rubric_from_spec(&ir.decls.rubrics["agent_criteria"]).unwrap();
    let group = rubric_from_spec(&ir.decls.rubrics["group_criteria"]).unwrap();
    assert_eq!(agent.level, RubricLevel::Agent);
    assert_eq!((agent.low, agent.high), (1, 5));
    assert_eq!(agent.criteria.len(), 5);
    assert_eq!(group.level, RubricLevel::Group);
    assert_eq!(group.criteria.len(), 4);
    assert_eq!(HeuristicJudge::proxies(&agent).unwrap().len(), 5);
    assert_eq!(HeuristicJudge::proxies(&group).unwrap().len(), 4);

    let anchor = persona_profile(&ir.decls.personas["anchor"]);
    assert_eq!(anchor.name, "Anchor");
    assert_eq!(anchor.traits.len(), 5);
    assert!(anchor.style.is_some());
}

#[test]
fn judge_declarations_build_their_judges() {
    let ir = ir();
    let offline = judge_from_spec(&ir.decls.judges["offline"], Path::new("."), None).unwrap();
    assert!(offline.is_proxy());
    // Building the HTTP judge reads no key and makes no request.
    let gpt4o = judge_from_spec(&ir.decls.judges["gpt4o"], Path::new("."), None).unwrap();
    assert!(!gpt4o.is_proxy());
    let err = chat_backend_from_spec(&ir.decls.judges["offline"], Path::new(".")).unwrap_err();
    assert!(matches!(err, JudgeError::Config { .. }));
    assert!(err.to_string().contains("cannot generate text"), "{err}");
}

#[test]
fn a_local_spec_loads_its_model() {
    let tiny = TinyConfig {
        arch: "llama".into(),
        layers: 1,
        hidden: 16,
        intermediate: 32,
        heads: 2,
        kv_heads: 1,
        vocab: 260,
        max_seq_len: 64,
        seed: 1,
    };
    let spec = JudgeSpec::Local {
        model: ModelSpec {
            source: ModelSource::Tiny(tiny),
            dtype: "f32".into(),
            device: "cpu".into(),
            lora: None,
            thinking: Default::default(),
        },
        temperature: 0.0,
    };
    let backend = chat_backend_from_spec(&spec, Path::new(".")).unwrap();
    let identity = backend.identity();
    assert_eq!(identity["backend"], "local");
    assert_eq!(identity["model"]["spec"]["source"], "tiny", "{identity}");
    assert_eq!(identity["model"]["spec"]["seed"], 1, "{identity}");
    assert_eq!(identity["model"]["weights"], serde_json::Value::Null);
}

#[test]
fn a_fractional_scale_is_an_invalid_rubric() {
    let mut spec = ir().decls.rubrics["agent_criteria"].clone();
    spec.scale = [1.0, 4.5];
    let err = rubric_from_spec(&spec).unwrap_err();
    assert!(matches!(err, JudgeError::InvalidRubric { .. }), "{err}");
}

#[test]
fn a_local_model_file_enters_the_identity_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("judge.gguf");
    std::fs::write(&path, b"not really a gguf").unwrap();
    let spec = ModelSpec {
        source: ModelSource::Gguf {
            path: "judge.gguf".into(),
        },
        dtype: "f32".into(),
        device: "cpu".into(),
        lora: None,
        thinking: Default::default(),
    };
    let a = mascot::judge::from_spec::model_identity(&spec, dir.path()).unwrap();
    std::fs::write(&path, b"other weights").unwrap();
    let b = mascot::judge::from_spec::model_identity(&spec, dir.path()).unwrap();
    assert_ne!(a["weights"], b["weights"]);
    assert_eq!(a["weights"].as_str().unwrap().len(), 64);
    let missing = mascot::judge::from_spec::model_identity(&spec, Path::new("/nonexistent"));
    assert!(matches!(missing, Err(JudgeError::Config { .. })));
}
