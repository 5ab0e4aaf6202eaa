//! GRPO (equation 5): group-relative advantages, the clipped-ratio objective with a k3 KL
//! to a frozen reference, rollouts from a LoRA policy, the update loop with checkpoints and
//! TRL-named metrics, and the paper's reward pieces.

pub mod advantages;
pub mod config;
pub mod error;
pub mod format_reward;
pub mod host;
pub mod metrics;
pub mod objective;
pub mod per_persona;
pub mod prompt;
pub mod reference;
pub mod reward;
pub mod rm_reward;
pub mod rollout;
pub mod scoring;
pub mod trainer;
pub mod update;

pub use advantages::{Advantages, group_advantages, total_rewards};
pub use config::{GrpoConfig, LossType, ScaleRewards};
pub use error::GrpoError;
pub use format_reward::FormatReward;
pub use objective::{LossSettings, Normaliser, TokenLossInputs, TokenStats, policy_loss};
pub use per_persona::{PersonaOutcome, train_per_persona};
pub use prompt::PolicyPrompt;
pub use reference::reference_decoder;
pub use reward::{RewardFn, ScoreRequest, WeightedReward};
pub use rm_reward::RewardModelReward;
pub use rollout::{ChatRollouts, Rollout, RolloutSource, TurnPart};
pub use trainer::{ADAPTER_DIR, GrpoOutcome, GrpoRun, total_steps, train_grpo};
