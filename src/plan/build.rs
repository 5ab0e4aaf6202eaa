//! Plan building: expanded variants -> one DAG of stage nodes (petgraph), nodes deduplicated
//! by content key, validated acyclic, then sealed into the read-only [`Plan`].
//!
//! This is graph mechanics only. What nodes a stage makes, with which parameters and which
//! upstream nodes, is the stage kind's own business (`crate::spec::stages::<kind>`); the
//! builder hands each kind a [`Graph`] of the variant being built.

use std::collections::{HashMap, HashSet};

use petgraph::graph::{DiGraph, NodeIndex};
use serde_json::Value;

use crate::lang::ir::Ir;
use crate::plan::expand::ExpandedVariant;
use crate::plan::ir::{Stage, Variant};
use crate::plan::key::ContentKey;
use crate::plan::key::{canonicalize, content_key};
use crate::plan::sealed::Plan;
use crate::plan::sealed::PlanError;
use crate::spec::stages::{Planner, SummaryInput};
use crate::spec::wiring::{Graph, NewNode, NodeRef, PipelineView, Placed};
use crate::spec::{ExternalInput, Fields, LowerError, StageKind};

/// Why a plan could not be built (a bug in the planner or a stage kind, not in the file).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BuildError {
    #[error("the planner made an invalid plan: {0}")]
    #[diagnostic(
        code(mascot::plan::invalid_build),
        help("this is a planner bug; please report the experiment file")
    )]
    Invalid(#[from] PlanError),
    #[error("internal error planning stage `{kind}` of variant `{variant}`: {error}")]
    #[diagnostic(
        code(mascot::plan::lowering),
        help(
            "a stage kind's field table and its lowering disagree; please report the experiment file"
        )
    )]
    Lower {
        kind: &'static str,
        variant: String,
        error: LowerError,
    },
}

/// A summary stage (`report`) being collected over the variants that list it.
struct Summary<'a> {
    kind: StageKind,
    lower: fn(&SummaryInput) -> Result<Value, LowerError>,
    fields: Vec<&'a Fields>,
    variants: Vec<String>,
    inputs: Vec<NodeIndex>,
    /// `inputs` as a set (a sweep has thousands of final nodes).
    seen: HashSet<NodeIndex>,
}

/// Builds the deduplicated DAG of every variant.
pub fn build(ir: &Ir, variants: &[ExpandedVariant]) -> Result<Plan, BuildError> {
    let mut b = Builder {
        graph: DiGraph::new(),
        by_key: HashMap::new(),
    };
    let mut plan_variants = Vec::new();
    let mut summaries: Vec<Summary> = Vec::new();
    for v in variants {
        let nodes = b.variant(ir, v)?;
        for s in &v.pipeline.stages {
            let Planner::Summary(lower) = s.kind.spec().plan else {
                continue;
            };
            let at = match summaries.iter().position(|x| x.kind == s.kind) {
                Some(i) => i,
                None => {
                    summaries.push(Summary {
                        kind: s.kind,
                        lower,
                        fields: Vec::new(),
                        variants: Vec::new(),
                        inputs: Vec::new(),
                        seen: HashSet::new(),
                    });
                    summaries.len() - 1
                }
            };
            let summary = &mut summaries[at];
            for n in terminal(&b.graph, &nodes) {
                if summary.seen.insert(n) {
                    summary.inputs.push(n);
                }
            }
            summary.fields.push(&s.fields);
            summary.variants.push(v.name.clone());
        }
        plan_variants.push((v.name.clone(), v.description.clone(), nodes));
    }
    summaries.sort_by_key(|s| s.kind);
    for s in summaries {
        let input = SummaryInput {
            fields: &s.fields,
            experiment: &ir.experiment,
            variants: &s.variants,
        };
        let lowered = (s.lower)(&input).map_err(|error| BuildError::Lower {
            kind: s.kind.as_str(),
            variant: s.variants[0].clone(),
            error,
        })?;
        let node = b.node(&s.variants[0], s.kind, None, &lowered, s.inputs, vec![]);
        let listing: HashSet<&String> = s.variants.iter().collect();
        for (name, _, nodes) in &mut plan_variants {
            if listing.contains(name) {
                b.graph[node].variants.push(name.clone());
                b.graph[node].variants.dedup();
                nodes.push(node);
            }
        }
    }
    // Nodes are created after their inputs, so index order is a topological order (which
    // `Plan::new` checks, with every key).
    let (nodes, _) = b.graph.into_nodes_edges();
    let stages: Vec<Stage> = nodes.into_iter().map(|n| n.weight).collect();
    let variants = plan_variants
        .into_iter()
        .map(|(name, description, mut nodes)| {
            nodes.sort();
            nodes.dedup();
            Variant {
                name,
                description,
                stages: nodes.iter().map(|n| stages[n.index()].id.clone()).collect(),
            }
        })
        .collect();
    Ok(Plan::new(
        ir.experiment.clone(),
        ir.source.clone(),
        variants,
        stages,
    )?)
}

/// Nodes of a variant that no other node of the variant consumes.
fn terminal(graph: &DiGraph<Stage, ()>, nodes: &[NodeIndex]) -> Vec<NodeIndex> {
    nodes
        .iter()
        .copied()
        .filter(|n| {
            !graph
                .neighbors_directed(*n, petgraph::Direction::Outgoing)
                .any(|m| nodes.contains(&m))
        })
        .collect()
}

struct Builder {
    graph: DiGraph<Stage, ()>,
    by_key: HashMap<ContentKey, NodeIndex>,
}

impl Builder {
    /// Adds (or reuses) a node; returns its index.
    fn node(
        &mut self,
        variant: &str,
        kind: StageKind,
        label: Option<&str>,
        params: &Value,
        inputs: Vec<NodeIndex>,
        external: Vec<ExternalInput>,
    ) -> NodeIndex {
        let input_keys: Vec<ContentKey> =
            inputs.iter().map(|i| self.graph[*i].key.clone()).collect();
        let refs: Vec<&ContentKey> = input_keys.iter().collect();
        let key = content_key(kind, params, &external, &refs);
        if let Some(&n) = self.by_key.get(&key) {
            // Variants are built one after the other: the current one, if present, is last.
            if self.graph[n].variants.last().map(String::as_str) != Some(variant) {
                self.graph[n].variants.push(variant.to_string());
            }
            return n;
        }
        let id = match label {
            Some(l) => format!("{variant}/{}/{l}", kind.as_str()),
            None => format!("{variant}/{}", kind.as_str()),
        };
        let stage = Stage {
            id,
            kind,
            // Sorted and normalised only for new nodes; the key is computed from the same
            // canonical form either way.
            params: canonicalize(params.clone()),
            inputs: inputs.iter().map(|i| self.graph[*i].id.clone()).collect(),
            external,
            key: key.clone(),
            variants: vec![variant.to_string()],
        };
        let n = self.graph.add_node(stage);
        for i in inputs {
            self.graph.add_edge(i, n, ());
        }
        self.by_key.insert(key, n);
        n
    }

    /// Every node one variant needs, in creation order: each stage of its pipeline (in kind
    /// order) adds its nodes through the variant's [`Graph`].
    fn variant(&mut self, ir: &Ir, v: &ExpandedVariant) -> Result<Vec<NodeIndex>, BuildError> {
        let stages = v.pipeline.stage_fields();
        let view = PipelineView {
            seed: ir.seed,
            settings: &v.pipeline.settings,
            stages: &stages,
            decls: &ir.decls,
        };
        let mut graph = VariantGraph {
            builder: self,
            variant: &v.name,
            placed: Vec::new(),
            nodes: Vec::new(),
        };
        for (kind, fields) in &stages {
            let Planner::PerVariant(plan) = kind.spec().plan else {
                continue;
            };
            plan(fields, &view, &mut graph).map_err(|error| BuildError::Lower {
                kind: kind.as_str(),
                variant: v.name.clone(),
                error,
            })?;
        }
        Ok(graph.nodes)
    }
}

/// The graph of one variant as its stage kinds see it.
struct VariantGraph<'b> {
    builder: &'b mut Builder,
    variant: &'b str,
    /// Every node a stage of this variant asked for, in order.
    placed: Vec<(StageKind, Placed)>,
    /// The variant's nodes, each once, in creation order.
    nodes: Vec<NodeIndex>,
}

impl Graph for VariantGraph<'_> {
    fn nodes(&self, kind: StageKind) -> Vec<Placed> {
        self.placed
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, p)| p.clone())
            .collect()
    }

    fn add(&mut self, node: NewNode) -> NodeRef {
        let inputs = node.inputs.iter().map(|r| NodeIndex::new(r.0)).collect();
        let n = self.builder.node(
            self.variant,
            node.kind,
            node.label.as_deref(),
            &node.params,
            inputs,
            node.external,
        );
        if !self.nodes.contains(&n) {
            self.nodes.push(n);
        }
        let placed = Placed {
            node: NodeRef(n.index()),
            label: node.label,
            group: node.group,
        };
        self.placed.push((node.kind, placed));
        NodeRef(n.index())
    }
}
