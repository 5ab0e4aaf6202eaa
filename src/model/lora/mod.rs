//! LoRA: the adaptable linear layer with its low-rank path and seeded dropout, attaching fresh or saved
//! adapters to a frozen base, PEFT's file format, and merging adapters into the weights.

mod attach;
mod dropout_seed;
mod linear;
mod peft;
mod targets;

pub use attach::{attach_new_lora, merge_lora};
pub use dropout_seed::seed_lora_dropout;
pub use linear::{LoraLinear, LowRankAdapter};
pub use peft::{PeftConfig, load_peft_adapter, peft_tensor_name, save_peft_adapter};
pub use targets::{LORA_TARGETS, lora_scale, target_linear, target_linear_mut, validate_lora_spec};
