//! The nodes of a plan: stages and variants, plain serialisable data. The sealed whole that
//! the executor consumes is [`crate::plan::Plan`]; two variants that need the same stage with
//! the same inputs share one node (same [`ContentKey`]).

use serde::{Deserialize, Serialize};

use crate::plan::key::ContentKey;
use crate::spec::{ExternalInput, StageKind};

/// Stable, human-readable id of a stage node, `<variant>/<stage>[/<subset>]`, taken from the
/// first variant (in declaration order) that needs the node.
pub type StageId = String;

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
