//! Which stages of a plan a run covers: all of them, or those the named variants need.

use std::collections::BTreeSet;

use crate::exec::error::ExecError;
use crate::plan::{Plan, Stage};

/// The stages to run, in plan (topological) order. Unknown variant names are an error that
/// lists the known ones and the closest match.
pub fn select_stages<'p>(plan: &'p Plan, variants: &[String]) -> Result<Vec<&'p Stage>, ExecError> {
    if variants.is_empty() {
        return Ok(plan.stages().iter().collect());
    }
    let mut wanted: BTreeSet<&str> = BTreeSet::new();
    for name in variants {
        let Some(v) = plan.variants().iter().find(|v| &v.name == name) else {
            let known: Vec<&str> = plan.variants().iter().map(|v| v.name.as_str()).collect();
            let closest = known
                .iter()
                .map(|k| (strsim::jaro_winkler(k, name), *k))
                .filter(|(s, _)| *s > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, k)| format!("did you mean `{k}`? "))
                .unwrap_or_default();
            return Err(ExecError::UnknownVariant {
                name: name.clone(),
                help: format!(
                    "{closest}variants of `{}`: {}",
                    plan.experiment(),
                    known.join(", ")
                ),
            });
        };
        wanted.extend(v.stages.iter().map(String::as_str));
    }
    // Close over inputs, in case a variant lists only its final stages.
    let mut changed = true;
    while changed {
        changed = false;
        for s in plan.stages() {
            if wanted.contains(s.id.as_str()) {
                for i in &s.inputs {
                    changed |= wanted.insert(i.as_str());
                }
            }
        }
    }
    Ok(plan
        .stages()
        .iter()
        .filter(|s| wanted.contains(s.id.as_str()))
        .collect())
}
