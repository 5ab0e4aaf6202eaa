//! A LoRA-trained reward model also saved as a PEFT adapter for sequence classification
//! (`adapter/` beside the merged folder): the LoRA factors under PEFT's names, the trained
//! head as `base_model.model.score.weight`, and `adapter_config.json` with
//! `task_type: SEQ_CLS` and `modules_to_save: ["score"]` (what TRL's RewardTrainer saves with
//! a PEFT config), so `PeftModel.from_pretrained(AutoModelForSequenceClassification(base),
//! DIR/adapter)` rebuilds the same scores.

use std::path::Path;

use burn::module::Module;

use crate::model::LoraSpec;
use crate::model::lora::{PeftConfig, save_peft_adapter};
use crate::model::reward::RewardModel;
use crate::train::error::TrainError;
use crate::train::fsio::write_json_atomic;
use crate::train::tensor_file::{load_tensors, save_tensors};

/// Sub-folder of the reward-model output that holds the adapter.
pub const ADAPTER_DIR: &str = "adapter";

/// Writes `model`'s adapters and head to `dir` in PEFT's sequence-classification layout.
pub fn save_reward_adapter(
    model: &RewardModel,
    spec: &LoraSpec,
    dir: &Path,
) -> Result<(), TrainError> {
    save_peft_adapter(&model.decoder, spec, dir)?;
    let weights = dir.join("adapter_model.safetensors");
    let mut tensors = load_tensors(&weights)?;
    let score = model.score.valid();
    let [hidden, _] = score.weight.dims();
    let values = score
        .weight
        .val()
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| {
            TrainError::config(
                "device",
                format!("cannot read the reward head back: {e:?}"),
                "train on a device whose tensors can be read back (cpu)",
            )
        })?;
    tensors.insert(
        "base_model.model.score.weight".into(),
        (vec![1, hidden], values),
    );
    save_tensors(&weights, &tensors)?;
    let mut config = serde_json::to_value(PeftConfig::from_spec(spec))
        .map_err(|e| TrainError::corrupt("adapter config", dir, e))?;
    config["task_type"] = "SEQ_CLS".into();
    config["modules_to_save"] = serde_json::json!(["score"]);
    write_json_atomic(&dir.join("adapter_config.json"), &config)
}
