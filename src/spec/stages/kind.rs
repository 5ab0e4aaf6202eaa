//! The stage kinds, named once. `with_stage_kinds!` holds the list (`Variant => module`, in
//! pipeline order: a kind only reads kinds listed before it) and hands it to a macro: here
//! to define [`StageKind`], in `mod.rs` to declare each kind's file, in `registry.rs` to map
//! each kind to its `SPEC`. Adding a kind is a new `src/spec/stages/<module>.rs` and one line
//! in this list.

/// Calls `$then!` with the list of stage kinds.
macro_rules! with_stage_kinds {
    ($then:ident) => {
        $then! {
            /// Read a dataset split and select a subset (ED valence subset, QMSum domain).
            LoadDataset => load_dataset,
            /// The simulated user profiles (16 MBTI types).
            SimulatedUsers => simulated_users,
            /// Supervised fine-tuning of the base policy.
            TrainSft => train_sft,
            /// Equation 1: K candidate responses per (context, persona).
            SampleCandidates => sample_candidates,
            /// Score candidates with a judge on rubric criteria (equation 2).
            JudgeCandidates => judge_candidates,
            /// Keep pairs with margin >= delta.
            BuildPreferences => build_preferences,
            /// Bradley-Terry reward model (equation 3).
            TrainRewardModel => train_reward_model,
            /// Phase 1: GRPO with LoRA on RM + lambda * format reward (equations 4, 5).
            AlignPersonas => align_personas,
            /// Phase 2: GRPO for the director on the group reward (equation 7).
            OptimizeDirector => optimize_director,
            /// Generate conversations for an evaluation subset (MASCOT or a baseline).
            GenerateConversations => generate_conversations,
            /// Score conversations with agent-level and group-level rubrics (0-100).
            Evaluate => evaluate,
            /// A policy before and after training on held-out contexts, with paired
            /// bootstrap intervals of the differences.
            ComparePolicies => compare_policies,
            /// A kind that exists only in test builds: it proves that a kind is one spec file,
            /// one implementation file and one line in each registry.
            #[cfg(test)]
            Toy => toy,
            /// Markdown summary of one variant's results.
            Report => report,
            /// One table comparing every variant that has a report (added by the planner).
            Compare => compare,
        }
    };
}
pub(crate) use with_stage_kinds;

/// Declares each kind's module (`src/spec/stages/<module>.rs`).
macro_rules! declare_modules {
    ($( $(#[doc = $doc:expr])* $(#[cfg($cfg:meta)])? $Variant:ident => $module:ident, )*) => {
        $( $(#[cfg($cfg)])? pub mod $module; )*
    };
}
pub(crate) use declare_modules;

/// Defines [`StageKind`] from the list.
macro_rules! define_stage_kind {
    ($( $(#[doc = $doc:expr])* $(#[cfg($cfg:meta)])? $Variant:ident => $module:ident, )*) => {
        /// What a stage does. Which kinds this build executes is the executor's registry's
        /// business (`crate::stages`); running another kind fails with a clear error.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum StageKind {
            $( $(#[doc = $doc])* $(#[cfg($cfg)])? $Variant, )*
        }

        impl StageKind {
            /// Every kind, in pipeline order.
            pub const ALL: &'static [StageKind] = &[ $( $(#[cfg($cfg)])? StageKind::$Variant, )* ];

            /// The snake_case name used in `.mascot` files, ids, keys and the CLI.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $(#[cfg($cfg)])? StageKind::$Variant => stringify!($module), )*
                }
            }
        }
    };
}

with_stage_kinds!(define_stage_kind);

impl StageKind {
    /// The kind a stage block name stands for.
    pub fn from_name(name: &str) -> Option<StageKind> {
        StageKind::ALL.iter().copied().find(|k| k.as_str() == name)
    }
}

impl serde::Serialize for StageKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for StageKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        StageKind::from_name(&name).ok_or_else(|| {
            let known: Vec<&str> = StageKind::ALL.iter().map(|k| k.as_str()).collect();
            serde::de::Error::custom(format!(
                "unknown stage kind `{name}` (known: {})",
                known.join(", ")
            ))
        })
    }
}
