//! The frozen reference of the KL term. With LoRA it is the policy with its adapters
//! switched off, as TRL does for a PEFT model (`disable_adapter()`): the shared base, no
//! weights of its own, whatever adapter the policy started from. A full fine-tune would
//! keep a copy of its starting weights (GRPO here always trains LoRA adapters).

use burn::module::Module;

use crate::model::decoder::Decoder;
use crate::model::loaded::LoadedModel;

/// The inference decoder the reference log-probabilities come from.
pub fn reference_decoder(policy: &LoadedModel) -> Decoder {
    let mut decoder = policy.decoder.valid();
    if policy.lora.is_some() {
        for layer in &mut decoder.layers {
            let a = &mut layer.self_attn;
            let m = &mut layer.mlp;
            for linear in [
                &mut a.q_proj,
                &mut a.k_proj,
                &mut a.v_proj,
                &mut a.o_proj,
                &mut m.gate_proj,
                &mut m.up_proj,
                &mut m.down_proj,
            ] {
                linear.lora = None;
            }
        }
    }
    decoder
}
