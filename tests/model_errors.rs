//! Broken model folders give clear errors naming the file and tensor, never a panic; f16
//! weights load (cast to f32).

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use mascot::model::{LoadedModel, ModelError};

fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models")
        .join(name);
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join(name);
    std::fs::create_dir_all(&dst).unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dst.join(entry.file_name())).unwrap();
    }
    (tmp, dst)
}

fn load(dir: &Path) -> Result<LoadedModel, ModelError> {
    LoadedModel::from_hf_dir(dir, Device::flex())
}

/// Rewrites `model.safetensors` with `edit` applied to its (name, shape, f32 data) list.
fn rewrite_weights(
    dir: &Path,
    dtype: safetensors::Dtype,
    edit: impl Fn(&mut Vec<(String, Vec<usize>, Vec<f32>)>),
) {
    let path = dir.join("model.safetensors");
    let bytes = std::fs::read(&path).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut tensors: Vec<(String, Vec<usize>, Vec<f32>)> = st
        .tensors()
        .into_iter()
        .map(|(name, view)| {
            let data = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            (name, view.shape().to_vec(), data)
        })
        .collect();
    edit(&mut tensors);
    let encoded: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .into_iter()
        .map(|(n, s, d)| {
            let bytes = match dtype {
                safetensors::Dtype::F16 => d
                    .iter()
                    .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
                    .collect(),
                _ => d.iter().flat_map(|v| v.to_le_bytes()).collect(),
            };
            (n, s, bytes)
        })
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = encoded
        .iter()
        .map(|(n, s, b)| {
            (
                n.clone(),
                safetensors::tensor::TensorView::new(dtype, s.clone(), b).unwrap(),
            )
        })
        .collect();
    std::fs::write(&path, safetensors::serialize(views, None).unwrap()).unwrap();
}

#[test]
fn truncated_weights_name_the_file() {
    let (_tmp, dir) = copy_fixture("tiny-qwen3");
    let path = dir.join("model.safetensors");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let err = load(&dir).unwrap_err();
    assert!(matches!(err, ModelError::CorruptFile { .. }), "{err:?}");
    assert!(err.to_string().contains("model.safetensors"), "{err}");
}

#[test]
fn garbage_weights_are_a_corrupt_file() {
    let (_tmp, dir) = copy_fixture("tiny-qwen3");
    std::fs::write(
        dir.join("model.safetensors"),
        b"not a safetensors file at all",
    )
    .unwrap();
    assert!(matches!(
        load(&dir).unwrap_err(),
        ModelError::CorruptFile { .. }
    ));
}

#[test]
fn missing_tensor_names_the_tensor() {
    let (_tmp, dir) = copy_fixture("tiny-qwen3");
    rewrite_weights(&dir, safetensors::Dtype::F32, |t| {
        t.retain(|(n, _, _)| n != "model.layers.1.self_attn.k_norm.weight")
    });
    let err = load(&dir).unwrap_err();
    assert!(matches!(err, ModelError::MissingTensor { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("model.layers.1.self_attn.k_norm.weight"),
        "{err}"
    );
}

#[test]
fn shape_mismatch_names_the_tensor_and_shapes() {
    let (_tmp, dir) = copy_fixture("tiny-qwen3");
    rewrite_weights(&dir, safetensors::Dtype::F32, |t| {
        for (name, shape, data) in t.iter_mut() {
            if name == "model.layers.0.mlp.up_proj.weight" {
                *shape = vec![64, 128];
                data.truncate(64 * 128);
            }
        }
    });
    let err = load(&dir).unwrap_err();
    assert!(matches!(err, ModelError::ShapeMismatch { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("model.layers.0.mlp.up_proj.weight") && text.contains("[128, 64]"),
        "{text}"
    );
}

#[test]
fn missing_shard_and_bad_config_are_errors() {
    let (_tmp, dir) = copy_fixture("tiny-llama");
    std::fs::remove_file(dir.join("model-00002-of-00002.safetensors")).unwrap();
    let err = load(&dir).unwrap_err();
    assert!(
        err.to_string().contains("model-00002-of-00002.safetensors"),
        "{err}"
    );

    let (_tmp, dir) = copy_fixture("tiny-qwen3");
    std::fs::write(
        dir.join("config.json"),
        "{\"model_type\": \"qwen3\",\n \"vocab_size\": }",
    )
    .unwrap();
    let err = load(&dir).unwrap_err();
    assert!(matches!(err, ModelError::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("line 2"), "{err}");

    assert!(load(Path::new("/nonexistent/model")).is_err());
}

#[test]
fn f16_weights_load_and_agree_with_f32() {
    let (_tmp, dir) = copy_fixture("tiny-qwen3");
    let f32_model = load(&dir).unwrap();
    rewrite_weights(&dir, safetensors::Dtype::F16, |_| {});
    let f16_model = load(&dir).unwrap();
    let ids = f32_model.tokenizer.encode("The quick brown fox").unwrap();
    let a = f32_model.last_logits(&ids).unwrap();
    let b = f16_model.last_logits(&ids).unwrap();
    let max_err = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    // f16 rounding of the weights only: close, but not bit-identical.
    assert!(max_err > 0.0 && max_err < 0.1, "{max_err}");
}
