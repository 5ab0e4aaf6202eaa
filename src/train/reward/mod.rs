//! The Bradley-Terry reward model (equation 3): preference data, loss and statistics, the
//! trainer, the Hugging Face export and the loader that scores with a saved model.

pub mod adapter;
pub mod data;
pub mod export;
pub mod load;
pub mod loss;
pub mod trainer;

pub use adapter::{ADAPTER_DIR, save_reward_adapter};
pub use data::{PreferencePair, TokenizedPair, TokenizedPairs, tokenize_pairs};
pub use export::{RewardExport, export_reward_model};
pub use load::{LoadedRewardModel, load_reward_adapter, load_reward_model};
pub use loss::{PairStats, bradley_terry_sum};
pub use trainer::{
    REWARD_SUMMARY_FILE, RewardConfig, RewardEval, RewardRun, RewardSummary, evaluate_pairs,
    train_reward_model,
};
