//! The executable stage kinds: one line per kind (its implementation file's `run` and
//! `VERSION`). A kind listed in the spec but not here is planned and keyed, and fails with
//! "not executable yet" when run.

use crate::spec::StageKind;
use crate::stages::context::StageContext;
use crate::stages::output::StageOutput;
use crate::stages::{
    align_personas, build_preferences, compare, compare_policies, evaluate, generate_conversations,
    judge_candidates, load_dataset, optimize_director, report, sample_candidates, simulated_users,
    train_reward_model, train_sft,
};

/// A stage kind's implementation.
pub struct Implementation {
    pub kind: StageKind,
    /// Enters the executor key of this kind's stages only: bump it when the implementation
    /// changes what it writes, and only that kind's artifacts are rebuilt.
    pub version: u32,
    pub run: fn(&StageContext) -> miette::Result<StageOutput>,
}

const fn imp(
    kind: StageKind,
    version: u32,
    run: fn(&StageContext) -> miette::Result<StageOutput>,
) -> Implementation {
    Implementation { kind, version, run }
}

/// Every executable kind, one line each.
#[rustfmt::skip]
pub const IMPLEMENTATIONS: &[Implementation] = &[
    imp(StageKind::LoadDataset, load_dataset::VERSION, load_dataset::run),
    imp(StageKind::SimulatedUsers, simulated_users::VERSION, simulated_users::run),
    imp(StageKind::SampleCandidates, sample_candidates::VERSION, sample_candidates::run),
    imp(StageKind::TrainSft, train_sft::VERSION, train_sft::run),
    imp(StageKind::JudgeCandidates, judge_candidates::VERSION, judge_candidates::run),
    imp(StageKind::BuildPreferences, build_preferences::VERSION, build_preferences::run),
    imp(StageKind::TrainRewardModel, train_reward_model::VERSION, train_reward_model::run),
    imp(StageKind::GenerateConversations, generate_conversations::VERSION, generate_conversations::run),
    imp(StageKind::Evaluate, evaluate::VERSION, evaluate::run),
    imp(StageKind::ComparePolicies, compare_policies::VERSION, compare_policies::run),
    #[cfg(test)]
    imp(StageKind::Toy, crate::stages::toy::VERSION, crate::stages::toy::run),
    imp(StageKind::AlignPersonas, align_personas::VERSION, align_personas::run),
    imp(StageKind::OptimizeDirector, optimize_director::VERSION, optimize_director::run),
    imp(StageKind::Report, report::VERSION, report::run),
    imp(StageKind::Compare, compare::VERSION, compare::run),
];

/// The implementation of `kind`, when this build executes it.
pub fn implementation(kind: StageKind) -> Option<&'static Implementation> {
    IMPLEMENTATIONS.iter().find(|i| i.kind == kind)
}

/// Whether this build executes `kind`.
pub fn is_executable(kind: StageKind) -> bool {
    implementation(kind).is_some()
}

/// Runs one stage, writing its files into `ctx.out_dir`.
pub fn run_stage(ctx: &StageContext) -> miette::Result<StageOutput> {
    match implementation(ctx.stage.kind) {
        Some(i) => (i.run)(ctx),
        None => {
            let runnable: Vec<&str> = IMPLEMENTATIONS.iter().map(|i| i.kind.as_str()).collect();
            let kind = ctx.stage.kind.as_str();
            Err(miette::miette!(
                code = "mascot::stage::not_executable",
                help = format!(
                    "this build executes {}; run a variant without `{kind}` stages for now",
                    runnable.join(", "),
                ),
                "stage kind `{kind}` is not executable yet (stage `{}`)",
                ctx.stage.id
            ))
        }
    }
}
