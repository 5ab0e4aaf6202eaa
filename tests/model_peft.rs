//! A LoRA adapter saved by PEFT (`tests/fixtures/models/tiny-llama-lora`, random non-zero A and
//! B on q/v/down_proj) loads onto tiny-llama and reproduces PEFT's logits, merged or not; saving
//! it again writes PEFT's tensor names with the same values.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use mascot::model::LoadedModel;
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    input_ids: Vec<u32>,
    logits: Vec<Vec<f32>>,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models")
}

fn max_err(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn peft_adapter_matches_peft_logits_and_round_trips() {
    let adapter = fixtures().join("tiny-llama-lora");
    let reference: Reference =
        serde_json::from_str(&std::fs::read_to_string(adapter.join("reference.json")).unwrap())
            .unwrap();
    let expected: Vec<f32> = reference.logits.iter().flatten().copied().collect();
    let base = LoadedModel::from_hf_dir(&fixtures().join("tiny-llama"), Device::flex()).unwrap();
    let base_logits = base.all_logits(&reference.input_ids).unwrap();
    assert!(
        max_err(&base_logits, &expected) > 1e-2,
        "the adapter should change the logits"
    );

    let model = base.with_adapter(&adapter).unwrap();
    let err = max_err(&model.all_logits(&reference.input_ids).unwrap(), &expected);
    eprintln!("PEFT adapter: max abs logit error {err:e}");
    assert!(err < 1e-3, "{err}");

    let tmp = tempfile::tempdir().unwrap();
    model.save_adapter(tmp.path()).unwrap();
    let ours = std::fs::read(tmp.path().join("adapter_model.safetensors")).unwrap();
    let peft = std::fs::read(adapter.join("adapter_model.safetensors")).unwrap();
    let ours = safetensors::SafeTensors::deserialize(&ours).unwrap();
    let peft = safetensors::SafeTensors::deserialize(&peft).unwrap();
    let mut names: Vec<&str> = ours.names();
    let mut peft_names: Vec<&str> = peft.names();
    names.sort();
    peft_names.sort();
    assert_eq!(names, peft_names);
    for name in names {
        let (a, b) = (ours.tensor(name).unwrap(), peft.tensor(name).unwrap());
        assert_eq!(a.shape(), b.shape(), "{name}");
        assert_eq!(a.data(), b.data(), "{name}");
    }

    let merged = model.merge_adapter();
    let err = max_err(&merged.all_logits(&reference.input_ids).unwrap(), &expected);
    assert!(err < 1e-3, "merged: {err}");
}
