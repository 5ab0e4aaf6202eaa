//! Kind -> implementation.

use crate::plan::StageKind;
use crate::stages::context::StageContext;

/// What a finished stage reports besides its files: a JSON summary (counts, bad rows...)
/// stored in the artifact's manifest.
#[derive(Debug, Clone, Default)]
pub struct StageOutput {
    pub summary: serde_json::Value,
}

/// The kinds this build can execute.
pub const EXECUTABLE: [StageKind; 4] = [
    StageKind::LoadDataset,
    StageKind::SimulatedUsers,
    StageKind::SampleCandidates,
    StageKind::Report,
];

/// Runs one stage, writing its files into `ctx.out_dir`.
pub fn run_stage(ctx: &StageContext) -> miette::Result<StageOutput> {
    match ctx.stage.kind {
        StageKind::LoadDataset => crate::stages::load_dataset::run(ctx),
        StageKind::SimulatedUsers => crate::stages::simulated_users::run(ctx),
        StageKind::SampleCandidates => crate::stages::sample_candidates::run(ctx),
        StageKind::Report => crate::stages::report::run(ctx),
        other => {
            let runnable: Vec<&str> = EXECUTABLE.iter().map(|k| k.as_str()).collect();
            Err(miette::miette!(
                code = "mascot::stage::not_executable",
                help = format!(
                    "this build executes {}; run a variant without `{}` stages for now",
                    runnable.join(", "),
                    other.as_str()
                ),
                "stage kind `{}` is not executable yet (stage `{}`)",
                other.as_str(),
                ctx.stage.id
            ))
        }
    }
}
