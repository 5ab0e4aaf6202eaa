//! The plan IR: what the planner produces and the executor consumes.
//!
//! A [`Plan`] lists its stages in a topological order (every stage after its inputs), each
//! stage once: two variants that need the same stage with the same inputs share one node
//! (same [`ContentKey`]). A plan is sealed: its fields are private and it is only made
//! through [`Plan::new`] (JSON included), which validates it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::plan::seal::{PlanError, validate};
use crate::spec::{ExternalInput, StageKind};

/// Stable, human-readable id of a stage node, `<variant>/<stage>[/<subset>]`, taken from the
/// first variant (in declaration order) that needs the node.
pub type StageId = String;

/// Hex blake3 digest identifying a stage's result (see `src/plan/KEYS.md`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContentKey(pub String);

impl ContentKey {
    /// The first 12 hex digits, for display.
    pub fn short(&self) -> &str {
        &self.0[..self.0.len().min(12)]
    }
}

impl std::fmt::Display for ContentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One node of the DAG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub id: StageId,
    pub kind: StageKind,
    /// Canonical parameters: a JSON object (keys sorted), the typed parameters of the kind
    /// (`crate::spec::stages::<kind>`).
    pub params: serde_json::Value,
    /// Upstream stages, by id, in a canonical order.
    pub inputs: Vec<StageId>,
    /// Files read from outside the store.
    pub external: Vec<ExternalInput>,
    pub key: ContentKey,
    /// The variants that need this node, in declaration order.
    pub variants: Vec<String>,
}

/// One expanded variant (MASCOT, MASCOT-P, a sweep point...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub name: String,
    /// How it was derived from the base pipeline, for display (`removes align_personas`).
    pub description: Option<String>,
    /// Every stage the variant needs, by id.
    pub stages: Vec<StageId>,
}

/// The compiled experiment: a sealed DAG. It is only made, or read back from JSON, through
/// [`Plan::new`], which checks it (see [`crate::plan::seal`]): ids unique, every input a stage
/// listed before the stage that reads it (so the graph is acyclic), every key equal to the
/// key of the stage's contents, every variant naming stages of the plan. The executor can
/// therefore trust any `Plan` it is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PlanParts")]
pub struct Plan {
    experiment: String,
    /// The experiment file, as given on the command line.
    source: PathBuf,
    variants: Vec<Variant>,
    /// Topologically sorted, deduplicated.
    stages: Vec<Stage>,
}

/// The parts of a plan before they are checked (what a JSON plan holds).
#[derive(Debug, Clone, Deserialize)]
pub struct PlanParts {
    pub experiment: String,
    pub source: PathBuf,
    pub variants: Vec<Variant>,
    pub stages: Vec<Stage>,
}

impl TryFrom<PlanParts> for Plan {
    type Error = PlanError;

    fn try_from(p: PlanParts) -> Result<Plan, PlanError> {
        Plan::new(p.experiment, p.source, p.variants, p.stages)
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
        })
    }

    pub fn experiment(&self) -> &str {
        &self.experiment
    }

    /// The experiment file, as given on the command line.
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

    /// The plan of one variant only, and the ids of the variant's stages it leaves out
    /// because they also read other variants' stages (a shared `report`); `None` when the
    /// plan has no such variant.
    pub fn restrict(&self, variant: &str) -> Option<Result<(Plan, Vec<StageId>), PlanError>> {
        let mut v = self.variants.iter().find(|v| v.name == variant)?.clone();
        let mut kept: Vec<Stage> = Vec::new();
        let mut left_out = Vec::new();
        for s in self.stages.iter().filter(|s| v.stages.contains(&s.id)) {
            if s.inputs.iter().all(|i| kept.iter().any(|k| &k.id == i)) {
                kept.push(s.clone());
            } else {
                left_out.push(s.id.clone());
            }
        }
        v.stages.retain(|id| !left_out.contains(id));
        let plan = Plan::new(self.experiment.clone(), self.source.clone(), vec![v], kept);
        Some(plan.map(|p| (p, left_out)))
    }
}
