//! Plan building: expanded variants -> one DAG of stage nodes (petgraph), nodes deduplicated
//! by content key, validated acyclic, then sealed into the read-only [`Plan`].
//!
//! This is graph mechanics only. What nodes a stage makes, with which parameters and which
//! upstream nodes, is the stage kind's own business (`crate::spec::stages::<kind>`); the
//! builder hands each kind a [`Graph`] of the variant being built.

use std::collections::HashMap;
use std::path::PathBuf;

use petgraph::graph::{DiGraph, NodeIndex};
use serde_json::Value;

use crate::lang::ir::Ir;
use crate::plan::expand::ExpandedVariant;
use crate::plan::ir::{Stage, Variant};
use crate::plan::key::ContentKey;
use crate::plan::key::{canonicalize, content_key};
use crate::plan::sealed::Plan;
use crate::plan::sealed::PlanError;
use crate::spec::stages::{Planner, SummaryInput, SummaryVariant};
use crate::spec::wiring::{Graph, NewNode, NodeRef, PipelineView, Placed};
use crate::spec::{ExternalInput, LowerError, StageKind};

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

/// Builds the deduplicated DAG of every variant.
pub fn build(ir: &Ir, variants: &[ExpandedVariant]) -> Result<Plan, BuildError> {
    let mut b = Builder {
        graph: DiGraph::new(),
        by_key: HashMap::new(),
    };
    let mut plan_variants = Vec::new();
    for v in variants {
        let nodes = b.variant(ir, v)?;
        plan_variants.push((v, nodes));
    }
    for kind in StageKind::ALL {
        if let Planner::Summary { over, lower } = kind.spec().plan {
            b.summary(ir, *kind, over, lower, &plan_variants)?;
        }
    }
    // Nodes are created after their inputs, so index order is a topological order (which
    // `Plan::new` checks, with every key).
    let (nodes, _) = b.graph.into_nodes_edges();
    let stages: Vec<Stage> = nodes.into_iter().map(|n| n.weight).collect();
    let variants = plan_variants
        .into_iter()
        .map(|(v, mut nodes)| {
            nodes.sort();
            nodes.dedup();
            Variant {
                name: v.name.clone(),
                description: v.description.clone(),
                stages: nodes.iter().map(|n| stages[n.index()].id.clone()).collect(),
            }
        })
        .collect();
    // The file's name only: a plan (and its snapshot) does not depend on where it was made.
    let source = ir.source.file_name().map(PathBuf::from).unwrap_or_default();
    Ok(Plan::new(ir.experiment.clone(), source, variants, stages)?
        .with_executor(ir.executor.clone()))
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

/// The identity of a node being added: its id, key and the variants that need it.
struct Made {
    id: String,
    key: ContentKey,
    variants: Vec<String>,
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
        let made = Made {
            id,
            key,
            variants: vec![variant.to_string()],
        };
        self.insert(made, kind, params, inputs, external)
    }

    /// Adds a new node (its key is not in the graph yet).
    fn insert(
        &mut self,
        made: Made,
        kind: StageKind,
        params: &Value,
        inputs: Vec<NodeIndex>,
        external: Vec<ExternalInput>,
    ) -> NodeIndex {
        let Made { id, key, variants } = made;
        let stage = Stage {
            id,
            kind,
            // Sorted and normalised only for new nodes; the key is computed from the same
            // canonical form either way.
            params: canonicalize(params.clone()),
            inputs: inputs.iter().map(|i| self.graph[*i].id.clone()).collect(),
            external,
            key: key.clone(),
            variants,
        };
        let n = self.graph.add_node(stage);
        for i in inputs {
            self.graph.add_edge(i, n, ());
        }
        self.by_key.insert(key, n);
        n
    }

    /// The one `kind` node over the results of every variant whose pipeline lists `over`
    /// (what its `over` nodes read), when at least two variants do. It belongs to no
    /// variant: a plan restricted to some variants leaves it out unless all are selected.
    fn summary(
        &mut self,
        ir: &Ir,
        kind: StageKind,
        over: StageKind,
        lower: fn(&SummaryInput) -> Result<Value, LowerError>,
        variants: &[(&ExpandedVariant, Vec<NodeIndex>)],
    ) -> Result<Option<NodeIndex>, BuildError> {
        let mut inputs: Vec<NodeIndex> = Vec::new();
        let mut position: HashMap<NodeIndex, usize> = HashMap::new();
        let mut compared = Vec::new();
        for (v, nodes) in variants {
            if !v.pipeline.has(over) {
                continue;
            }
            let mut mine = Vec::new();
            for n in nodes.iter().filter(|n| self.graph[**n].kind == over) {
                for i in self.inputs_of(*n) {
                    let at = *position.entry(i).or_insert_with(|| {
                        inputs.push(i);
                        inputs.len() - 1
                    });
                    if !mine.contains(&at) {
                        mine.push(at);
                    }
                }
            }
            compared.push(SummaryVariant {
                name: v.name.clone(),
                group: v.group.clone(),
                seed: v.seed,
                inputs: mine,
            });
        }
        if compared.len() < 2 {
            return Ok(None);
        }
        let input = SummaryInput {
            experiment: &ir.experiment,
            variants: &compared,
        };
        let lowered = lower(&input).map_err(|error| BuildError::Lower {
            kind: kind.as_str(),
            variant: compared[0].name.clone(),
            error,
        })?;
        let input_keys: Vec<ContentKey> =
            inputs.iter().map(|i| self.graph[*i].key.clone()).collect();
        let refs: Vec<&ContentKey> = input_keys.iter().collect();
        let made = Made {
            id: format!("{}/{}", ir.base, kind.as_str()),
            key: content_key(kind, &lowered, &[], &refs),
            variants: Vec::new(),
        };
        Ok(Some(self.insert(made, kind, &lowered, inputs, vec![])))
    }

    /// A node's inputs, in the order they enter its key.
    fn inputs_of(&self, n: NodeIndex) -> Vec<NodeIndex> {
        let mut found: Vec<NodeIndex> = self
            .graph
            .neighbors_directed(n, petgraph::Direction::Incoming)
            .collect();
        let order = &self.graph[n].inputs;
        found.sort_by_key(|i| order.iter().position(|id| *id == self.graph[*i].id));
        found
    }

    /// Every node one variant needs, in creation order: each stage of its pipeline (in kind
    /// order) adds its nodes through the variant's [`Graph`].
    fn variant(&mut self, ir: &Ir, v: &ExpandedVariant) -> Result<Vec<NodeIndex>, BuildError> {
        let stages = v.pipeline.stage_fields();
        let view = PipelineView {
            experiment: &ir.experiment,
            seed: v.seed,
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

    fn variant(&self) -> &str {
        self.variant
    }

    fn results(&self) -> Vec<NodeRef> {
        terminal(&self.builder.graph, &self.nodes)
            .into_iter()
            .map(|n| NodeRef(n.index()))
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
