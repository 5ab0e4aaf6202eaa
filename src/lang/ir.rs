//! The checked experiment (IR): resolved declarations, the base pipeline with every field
//! typed and defaulted, and the variant operations, ready for [`crate::plan::expand`].

use std::path::PathBuf;

use serde::Serialize;

use crate::lang::diagnostic::Diagnostic;
use crate::lang::span::Span;
use crate::spec::executor::ExecutorSpec;
use crate::spec::{Decls, Fields, StageKind, Val};

/// A checked experiment.
#[derive(Debug, Clone, Serialize)]
pub struct Ir {
    pub experiment: String,
    /// The experiment file, as given.
    pub source: PathBuf,
    pub seed: u64,
    /// Name of the variant the pipeline itself describes.
    pub base: String,
    #[serde(skip)]
    pub base_span: Span,
    #[serde(skip)]
    pub decls: Decls,
    #[serde(skip)]
    pub pipeline: Pipeline,
    #[serde(skip)]
    pub variants: Vec<VariantDef>,
    #[serde(skip)]
    pub sweeps: Vec<SweepDef>,
    /// The `executor` declaration, if any: where `mascot run` executes the stages. It
    /// reaches no stage (no key depends on it).
    #[serde(skip)]
    pub executor: Option<ExecutorSpec>,
    /// Warnings found while checking (unused declarations).
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
}

/// The base pipeline: settings and stages in pipeline order.
#[derive(Debug, Clone, Default)]
pub struct Pipeline {
    pub settings: Fields,
    pub settings_span: Option<Span>,
    pub stages: Vec<StageDef>,
}

impl Pipeline {
    pub fn stage(&self, kind: StageKind) -> Option<&StageDef> {
        self.stages.iter().find(|s| s.kind == kind)
    }

    pub fn has(&self, kind: StageKind) -> bool {
        self.stage(kind).is_some()
    }

    /// Each stage's kind and fields, in pipeline order (for a [`crate::spec::wiring::PipelineView`]).
    pub fn stage_fields(&self) -> Vec<(StageKind, &Fields)> {
        self.stages.iter().map(|s| (s.kind, &s.fields)).collect()
    }
}

/// One stage of the pipeline with its checked fields (defaults filled in).
#[derive(Debug, Clone)]
pub struct StageDef {
    pub kind: StageKind,
    pub fields: Fields,
    pub span: Span,
}

/// A variant: operations applied to the base pipeline.
#[derive(Debug, Clone)]
pub struct VariantDef {
    pub name: String,
    pub span: Span,
    pub ops: Vec<Op>,
}

/// A variant operation.
#[derive(Debug, Clone)]
pub enum Op {
    /// `remove STAGE` (the span is the operation's).
    Remove(StageKind, Span),
    /// `set STAGE.FIELD = VALUE`; `stage` is `None` for a pipeline setting.
    Set {
        stage: Option<StageKind>,
        field: &'static str,
        value: Val,
        span: Span,
    },
    /// `set seed = N`: the experiment seed.
    Seed(u64, Span),
}

/// A sweep: one variant per value, or per combination of values when it has several axes.
#[derive(Debug, Clone)]
pub struct SweepDef {
    pub name: String,
    pub span: Span,
    /// The variants it applies to, by name (empty: the base pipeline).
    pub on: Vec<(String, Span)>,
    pub axes: Vec<SweepAxisDef>,
}

/// One axis of a sweep: what it sets and to which values.
#[derive(Debug, Clone)]
pub struct SweepAxisDef {
    /// The setting or field (`Op::Set`) or the seed (`Op::Seed`) each value is applied as:
    /// one operation per value.
    pub ops: Vec<Op>,
    /// The field's name (`k`, `seed`, `speaker`), used in the variant names of a grid.
    pub field: &'static str,
    /// The path as written (`sample_candidates.k`), used when two axes share a field name.
    pub path: String,
}
