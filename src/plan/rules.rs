//! What a pipeline needs to be runnable: each stage kind states its own prerequisites (other
//! stages, settings; `crate::spec::stages::<kind>`); this pass asks every stage of a pipeline.
//! Checked for the base pipeline and for every variant.

use crate::lang::ir::Pipeline;
use crate::spec::Decls;
use crate::spec::wiring::{PipelineView, Problem};

/// Every problem of one (expanded) pipeline. A kind whose rules cannot be evaluated (its
/// table and its code disagree) is itself a problem, reported as an internal error.
pub fn problems(p: &Pipeline, decls: &Decls, experiment: &str, seed: u64) -> Vec<Problem> {
    let stages = p.stage_fields();
    let view = PipelineView {
        experiment,
        seed,
        settings: &p.settings,
        stages: &stages,
        decls,
    };
    let mut out = Vec::new();
    for (kind, fields) in &stages {
        match (kind.spec().problems)(fields, &view) {
            Ok(found) => out.extend(found),
            Err(e) => out.push(Problem {
                stage: *kind,
                message: format!(
                    "internal error in the rules of stage `{}`: {e}",
                    kind.as_str()
                ),
                help: "this is a bug in mascot's stage tables; please report it with this file"
                    .into(),
            }),
        }
    }
    out
}
