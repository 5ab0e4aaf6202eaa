//! Supervised fine-tuning on demonstrations: the data format, its tokenization with the
//! completion mask, and the LoRA trainer.

pub mod data;
pub mod trainer;

pub use data::{
    SftExample, TokenizedExample, TokenizedExamples, assistant_mask, assistant_spans,
    tokenize_examples,
};
pub use trainer::{
    SFT_SUMMARY_FILE, SftConfig, SftRun, SftSummary, completion_loss, paper_lora, train_sft,
};
