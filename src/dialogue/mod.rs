//! The director/speaker conversations of MASCOT (Section 2.2) and its baselines: episode
//! starts from dataset records, the batched turn loop (equation 6), directive parsing,
//! system recipes, simulated users, output rows and the group reward pieces (equation 7).
//! Usable without the executor: models come in through [`ChatModel`].

pub mod chat_model;
pub mod config;
pub mod directive;
pub mod director_actions;
pub mod director_phase;
pub mod episode;
pub mod error;
pub mod esc;
pub mod esc_prompts;
pub mod group_reward;
pub mod history;
pub mod live_chat;
pub mod loaded_chat_model;
pub mod progress;
pub mod prompts_mascot;
pub mod prompts_single;
pub mod respond;
pub mod rows;
pub mod scripted;
pub mod self_consistency;
pub mod simulated_user;
pub mod speaker_order;
pub mod stage_params;
pub mod system;
pub mod text;
pub mod thinking;
pub mod transcript_cut;
pub mod turn_loop;

pub use chat_model::{ChatModel, Completion, Decoding, generate_batched, mix_seed};
pub use config::ConversationConfig;
pub use directive::{ParsedDirective, parse_directive};
pub use director_actions::{DirectorAction, director_actions};
pub use episode::{DatasetRecord, EpisodeStart, parse_record, starts_from_records};
pub use error::DialogueError;
pub use group_reward::{
    CoherenceScorer, GroupReward, GroupRewardWeights, diverse, episode_diverse, group_reward,
    group_rewards, scale_to_unit,
};
pub use live_chat::{ChatGroup, ChatTurn, LiveChat};
pub use progress::{DialogueProgress, NoProgress};
pub use rows::{
    ConversationRow, DatasetKind, DirectiveRow, EpisodeCounters, Message, Opening, ParseFailure,
    RecipeStep, TokenCount, TranscriptCut, TurnRow, UserReply,
};
pub use scripted::ScriptedModel;
pub use simulated_user::SimulatedUser;
pub use speaker_order::{SpeakerOrder, least_recently_used};
pub use stage_params::{
    config_from_director_params, config_from_generate_params, group_reward_from_spec,
};
pub use system::SystemKind;
pub use thinking::{ThoughtReply, read_reply};
pub use turn_loop::{EpisodePlan, Models, plan_episodes, run_conversations};
