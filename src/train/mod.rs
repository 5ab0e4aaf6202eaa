//! Trainers: the shared pieces (AdamW with schedule and clipping, gradient accumulation,
//! `metrics.jsonl`, progress, atomic checkpoints and exact resume) and the supervised
//! trainers built on them (Bradley-Terry reward model, SFT). Usable without the executor:
//! a stage passes a config, input rows, an output directory, a progress callback and a
//! checkpoint directory.

pub mod chat;
pub mod checkpoint;
pub mod data_order;
pub mod error;
pub mod fsio;
pub mod grads;
pub mod grpo;
pub mod metrics;
pub mod optimizer;
pub mod params;
pub mod progress;
pub mod reward;
pub mod rng;
pub mod run_identity;
pub mod schedule;
pub mod sft;
pub mod supervised;
pub mod tensor_file;

pub use checkpoint::{Checkpoint, Checkpointer};
pub use error::TrainError;
pub use metrics::{METRICS_FILE, MetricsWriter, StepMetrics};
pub use optimizer::{Optimizer, OptimizerConfig, UpdateStats};
pub use progress::{BarProgress, Control, NoProgress, ProgressEvent, TrainProgress};
pub use rng::{RngState, TrainRng};
pub use schedule::LrSchedule;
pub use supervised::{LoopConfig, LoopOutcome, RunFiles, SupervisedTask, run_supervised};
