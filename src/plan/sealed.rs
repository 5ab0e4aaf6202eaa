//! The sealed plan: what the executor consumes. A [`Plan`] lists its stages in a topological
//! order (every stage after its inputs), each stage once. Its fields are private and it is
//! only made through [`Plan::new`] (a JSON plan included), which checks it first: stage ids
//! unique, every input a stage listed before its reader (a list in topological order cannot
//! hold a cycle; an input listed after its reader is reported as the cycle it closes, or as
//! misplaced), every content key recomputed from the stage's contents and equal, every
//! variant naming existing stages. The executor can therefore trust any `Plan` it is given.
//!
//! A plan also carries the experiment's `executor` declaration, when it has one: beside the
//! stages, in no key (where a stage runs never changes what it computes).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::plan::ir::{Stage, Variant};
use crate::plan::key::{ContentKey, content_key};
use crate::spec::executor::ExecutorSpec;

/// The compiled experiment: a sealed DAG (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PlanParts")]
pub struct Plan {
    experiment: String,
    /// The experiment file's name (without its directory).
    source: PathBuf,
    variants: Vec<Variant>,
    /// Topologically sorted, deduplicated.
    stages: Vec<Stage>,
    /// The experiment's `executor` declaration (none: `mascot run` runs locally unless told
    /// otherwise). Left out of the JSON when absent, so plans without one read as before.
    #[serde(skip_serializing_if = "Option::is_none")]
    executor: Option<ExecutorSpec>,
}

/// The parts of a plan before they are checked (what a JSON plan holds).
#[derive(Debug, Clone, Deserialize)]
pub struct PlanParts {
    pub experiment: String,
    pub source: PathBuf,
    pub variants: Vec<Variant>,
    pub stages: Vec<Stage>,
    #[serde(default)]
    pub executor: Option<ExecutorSpec>,
}

impl TryFrom<PlanParts> for Plan {
    type Error = PlanError;

    fn try_from(p: PlanParts) -> Result<Plan, PlanError> {
        Ok(Plan::new(p.experiment, p.source, p.variants, p.stages)?.with_executor(p.executor))
    }
}

impl Plan {
    /// Checks the parts and seals them into a plan.
    pub fn new(
        experiment: String,
        source: PathBuf,
        variants: Vec<Variant>,
        stages: Vec<Stage>,
    ) -> Result<Plan, PlanError> {
        validate(&variants, &stages)?;
        Ok(Plan {
            experiment,
            source,
            variants,
            stages,
            executor: None,
        })
    }

    /// The same plan with the experiment's executor declaration (it changes no key, so the
    /// plan needs no new check).
    pub fn with_executor(mut self, executor: Option<ExecutorSpec>) -> Plan {
        self.executor = executor;
        self
    }

    /// The executor the experiment declares, if it declares one.
    pub fn executor(&self) -> Option<&ExecutorSpec> {
        self.executor.as_ref()
    }

    pub fn experiment(&self) -> &str {
        &self.experiment
    }

    /// The experiment file's name (without its directory).
    pub fn source(&self) -> &Path {
        &self.source
    }

    pub fn variants(&self) -> &[Variant] {
        &self.variants
    }

    /// Every stage, each after its inputs.
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// The stage with this id.
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// The plan of some variants only: every stage one of them needs, and the inputs of
    /// those (a closed plan: it runs as it is), plus each stage of no variant (the
    /// comparison) whose inputs are all selected. Names repeat harmlessly; a name that is
    /// no variant is an error.
    pub fn restrict(&self, names: &[String]) -> Result<Plan, RestrictError> {
        let mut wanted: HashSet<&str> = HashSet::new();
        let mut variants = Vec::new();
        for name in names {
            let Some(v) = self.variants.iter().find(|v| &v.name == name) else {
                return Err(RestrictError::UnknownVariant(name.clone()));
            };
            if !variants.iter().any(|x: &Variant| x.name == v.name) {
                variants.push(v.clone());
            }
            wanted.extend(v.stages.iter().map(String::as_str));
        }
        // Inputs before readers: walking the stages backwards closes over inputs in one pass.
        for s in self.stages.iter().rev() {
            if wanted.contains(s.id.as_str()) {
                wanted.extend(s.inputs.iter().map(String::as_str));
            }
        }
        let mut kept: Vec<Stage> = Vec::new();
        for s in &self.stages {
            let selected = wanted.contains(s.id.as_str())
                || (s.variants.is_empty()
                    && !s.inputs.is_empty()
                    && s.inputs.iter().all(|i| wanted.contains(i.as_str())));
            if selected {
                wanted.insert(s.id.as_str());
                kept.push(s.clone());
            }
        }
        // Keep the variants in plan order.
        variants.sort_by_key(|v| self.variants.iter().position(|x| x.name == v.name));
        Plan::new(self.experiment.clone(), self.source.clone(), variants, kept)
            .map(|p| p.with_executor(self.executor.clone()))
            .map_err(RestrictError::Invalid)
    }
}

/// Why a plan could not be restricted to some variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestrictError {
    #[error("no variant `{0}`")]
    UnknownVariant(String),
    #[error("the restricted plan is not valid: {0}")]
    Invalid(PlanError),
}

/// Why a plan is not valid. For a compiled plan this is a planner bug; for a JSON plan, a
/// hand edit (recompile it instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("two stages have the id `{0}`")]
    DuplicateId(String),
    #[error("stage `{stage}` reads `{input}`, which is not a stage of the plan")]
    UnknownInput { stage: String, input: String },
    #[error("the stages form a cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    #[error(
        "stage `{stage}` reads `{input}`, which is listed after it (a plan lists every stage after its inputs)"
    )]
    InputAfter { stage: String, input: String },
    #[error("stage `{stage}` has the key {found}, but its contents give {expected}")]
    KeyMismatch {
        stage: String,
        found: String,
        expected: String,
    },
    #[error("variant `{variant}` names `{stage}`, which is not a stage of the plan")]
    UnknownVariantStage { variant: String, stage: String },
    #[error("two variants are called `{0}`")]
    DuplicateVariant(String),
}

/// Checks a plan's parts (see the module documentation).
pub fn validate(variants: &[Variant], stages: &[Stage]) -> Result<(), PlanError> {
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(stages.len());
    for (i, s) in stages.iter().enumerate() {
        if index.insert(s.id.as_str(), i).is_some() {
            return Err(PlanError::DuplicateId(s.id.clone()));
        }
    }
    for (i, s) in stages.iter().enumerate() {
        for input in &s.inputs {
            match index.get(input.as_str()) {
                None => {
                    return Err(PlanError::UnknownInput {
                        stage: s.id.clone(),
                        input: input.clone(),
                    });
                }
                Some(&j) if j >= i => {
                    return Err(match cycle_through(stages, &index, i) {
                        Some(path) => PlanError::Cycle(path),
                        None => PlanError::InputAfter {
                            stage: s.id.clone(),
                            input: input.clone(),
                        },
                    });
                }
                Some(_) => {}
            }
        }
    }
    // Each key is checked against the keys its inputs claim, and every claim is checked in
    // turn, so the stages can be checked independently (in parallel); the first mismatch in
    // plan order is reported.
    let mismatch = stages.par_iter().find_map_first(|s| {
        let inputs: Vec<&ContentKey> = s
            .inputs
            .iter()
            .map(|id| &stages[index[id.as_str()]].key)
            .collect();
        let expected = content_key(s.kind, &s.params, &s.external, &inputs);
        (expected != s.key).then(|| PlanError::KeyMismatch {
            stage: s.id.clone(),
            found: s.key.0.clone(),
            expected: expected.0,
        })
    });
    if let Some(e) = mismatch {
        return Err(e);
    }
    let mut names: HashSet<&str> = HashSet::with_capacity(variants.len());
    for v in variants {
        if !names.insert(&v.name) {
            return Err(PlanError::DuplicateVariant(v.name.clone()));
        }
        if let Some(missing) = v.stages.iter().find(|id| !index.contains_key(id.as_str())) {
            return Err(PlanError::UnknownVariantStage {
                variant: v.name.clone(),
                stage: missing.clone(),
            });
        }
    }
    Ok(())
}

/// A path of inputs from stage `start` back to itself, as ids (`a -> b -> a`).
fn cycle_through(
    stages: &[Stage],
    index: &HashMap<&str, usize>,
    start: usize,
) -> Option<Vec<String>> {
    // Depth-first over "reads" edges; `trail` is the current path.
    let mut trail = vec![start];
    let mut next_input = vec![0usize];
    let mut visited = vec![false; stages.len()];
    visited[start] = true;
    while let Some(&at) = trail.last() {
        let k = next_input.last_mut()?;
        let Some(input) = stages[at].inputs.get(*k) else {
            trail.pop();
            next_input.pop();
            continue;
        };
        *k += 1;
        let Some(&j) = index.get(input.as_str()) else {
            continue;
        };
        if j == start {
            let mut path: Vec<String> = trail.iter().map(|&t| stages[t].id.clone()).collect();
            path.push(stages[start].id.clone());
            return Some(path);
        }
        if !visited[j] {
            visited[j] = true;
            trail.push(j);
            next_input.push(0);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::StageKind;
    use serde_json::json;

    fn stage(id: &str, inputs: &[&Stage]) -> Stage {
        let params = json!({ "title": id, "variants": [] });
        let keys: Vec<&ContentKey> = inputs.iter().map(|s| &s.key).collect();
        Stage {
            id: id.into(),
            kind: StageKind::Report,
            key: content_key(StageKind::Report, &params, &[], &keys),
            params,
            inputs: inputs.iter().map(|s| s.id.clone()).collect(),
            external: vec![],
            variants: vec!["main".into()],
        }
    }

    #[test]
    fn accepts_a_topological_plan_and_names_each_fault() {
        let a = stage("a", &[]);
        let b = stage("b", &[&a]);
        assert_eq!(validate(&[], &[a.clone(), b.clone()]), Ok(()));

        let mut edited = b.clone();
        edited.params["title"] = json!("edited");
        let err = validate(&[], &[a.clone(), edited]).unwrap_err();
        assert!(
            matches!(err, PlanError::KeyMismatch { ref stage, .. } if stage == "b"),
            "{err}"
        );

        let err = validate(&[], &[b.clone(), a.clone()]).unwrap_err();
        assert!(matches!(err, PlanError::InputAfter { .. }), "{err}");

        let mut a_reads_b = a.clone();
        a_reads_b.inputs = vec!["b".into()];
        let err = validate(&[], &[a_reads_b, b.clone()]).unwrap_err();
        assert_eq!(
            err,
            PlanError::Cycle(vec!["a".into(), "b".into(), "a".into()])
        );
        assert_eq!(err.to_string(), "the stages form a cycle: a -> b -> a");

        let err = validate(&[], &[a.clone(), a.clone()]).unwrap_err();
        assert_eq!(err, PlanError::DuplicateId("a".into()));

        let v = Variant {
            name: "main".into(),
            description: None,
            stages: vec!["zzz".into()],
        };
        let err = validate(&[v], &[a]).unwrap_err();
        assert!(
            matches!(err, PlanError::UnknownVariantStage { .. }),
            "{err}"
        );
    }
}
