//! Plan building: expanded variants -> one DAG of stage nodes (petgraph), nodes
//! deduplicated by content key, validated acyclic, then sealed into the read-only [`Plan`].

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;
use serde_json::Value;

use crate::lang::ir::{Decls, Ir, Pipeline};
use crate::lang::value::{Fields, Val};
use crate::model::spec::{ModelSource, ModelSpec};
use crate::plan::expand::ExpandedVariant;
use crate::plan::ir::{ContentKey, ExternalInput, Plan, Stage, StageKind, Variant};
use crate::plan::key::{canonicalize, content_key};
use crate::plan::params::*;
use crate::plan::rules::reward_of;

/// Why a plan could not be built (a bug in the planner rather than in the file).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BuildError {
    #[error("the stage graph has a cycle through `{0}`")]
    #[diagnostic(
        code(mascot::plan_cycle),
        help("this is a planner bug; please report the experiment file")
    )]
    Cycle(String),
}

/// Builds the deduplicated DAG of every variant.
pub fn build(ir: &Ir, variants: &[ExpandedVariant]) -> Result<Plan, BuildError> {
    let mut b = Builder {
        graph: DiGraph::new(),
        by_key: HashMap::new(),
        ir,
    };
    let mut plan_variants = Vec::new();
    let mut report_inputs: Vec<NodeIndex> = Vec::new();
    let mut report_seen: std::collections::HashSet<NodeIndex> = std::collections::HashSet::new();
    let mut report_variants = Vec::new();
    let mut report_title: Option<String> = None;
    let mut report_first: Option<String> = None;
    for v in variants {
        let nodes = b.variant(&v.name, &v.pipeline);
        if let Some(r) = v.pipeline.stage(StageKind::Report) {
            for n in terminal(&b.graph, &nodes) {
                if report_seen.insert(n) {
                    report_inputs.push(n);
                }
            }
            report_variants.push(v.name.clone());
            report_first.get_or_insert_with(|| v.name.clone());
            if report_title.is_none() {
                report_title = r.fields.get("title").map(|t| t.as_str().to_string());
            }
        }
        plan_variants.push((v.name.clone(), v.description.clone(), nodes));
    }
    if let Some(first) = report_first {
        let params = ReportParams {
            title: report_title.unwrap_or_else(|| ir.experiment.clone()),
            variants: report_variants.clone(),
        };
        let report = b.node(
            &first,
            StageKind::Report,
            None,
            &to_value(&params),
            report_inputs,
            vec![],
        );
        for (name, _, nodes) in &mut plan_variants {
            if report_variants.contains(name) {
                b.graph[report].variants.push(name.clone());
                b.graph[report].variants.dedup();
                nodes.push(report);
            }
        }
    }
    if let Err(cycle) = petgraph::algo::toposort(&b.graph, None) {
        return Err(BuildError::Cycle(b.graph[cycle.node_id()].id.clone()));
    }
    // Nodes are created after their inputs, so index order is a topological order.
    let (nodes, _) = b.graph.into_nodes_edges();
    let stages: Vec<Stage> = nodes.into_iter().map(|n| n.weight).collect();
    let variants = plan_variants
        .into_iter()
        .map(|(name, description, nodes)| {
            let mut nodes = nodes;
            nodes.sort();
            nodes.dedup();
            Variant {
                name,
                description,
                stages: nodes.iter().map(|n| stages[n.index()].id.clone()).collect(),
            }
        })
        .collect();
    Ok(Plan {
        experiment: ir.experiment.clone(),
        source: ir.source.clone(),
        variants,
        stages,
    })
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

fn to_value<T: Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

struct Builder<'a> {
    graph: DiGraph<Stage, ()>,
    by_key: HashMap<ContentKey, NodeIndex>,
    ir: &'a Ir,
}

/// The nodes of one subset of a dataset.
struct Subset {
    label: String,
    load: NodeIndex,
}

impl Builder<'_> {
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

    fn decls(&self) -> &Decls {
        &self.ir.decls
    }

    fn model(&self, v: Option<&Val>) -> Option<ModelSpec> {
        v.and_then(|v| self.decls().models.get(v.as_str())).cloned()
    }

    fn judge(&self, v: Option<&Val>) -> Option<JudgeSpec> {
        v.and_then(|v| self.decls().judges.get(v.as_str())).cloned()
    }

    /// Every node one variant needs, in creation order.
    fn variant(&mut self, name: &str, p: &Pipeline) -> Vec<NodeIndex> {
        use StageKind::*;
        let seed = self.ir.seed;
        let mut nodes: Vec<NodeIndex> = Vec::new();
        let push = |nodes: &mut Vec<NodeIndex>, n: NodeIndex| {
            if !nodes.contains(&n) {
                nodes.push(n);
            }
        };
        let speaker = self.model(p.settings.get("speaker"));
        let director = self.model(p.settings.get("director"));
        let personas: Vec<Persona> = p
            .settings
            .get("personas")
            .map(|l| {
                l.as_list()
                    .iter()
                    .filter_map(|v| self.decls().personas.get(v.as_str()).cloned())
                    .collect()
            })
            .unwrap_or_default();

        // load_dataset: one node per (dataset, subset).
        let mut datasets: Vec<(String, Vec<Subset>)> = Vec::new();
        if let Some(s) = p.stage(LoadDataset) {
            let names: Vec<String> = s.fields["data"]
                .as_list()
                .iter()
                .map(|v| v.as_str().to_string())
                .collect();
            let many = names.len() > 1;
            for ds_name in names {
                let Some(ds) = self.decls().datasets.get(&ds_name).cloned() else {
                    continue;
                };
                let mut subsets = Vec::new();
                for sub in &ds.subsets {
                    let params = load_params(&ds, sub);
                    let label = if many {
                        format!("{ds_name}.{sub}")
                    } else {
                        sub.clone()
                    };
                    let ext = vec![ExternalInput {
                        role: "dataset".into(),
                        path: ds.path.clone(),
                    }];
                    let n = self.node(
                        name,
                        LoadDataset,
                        Some(&label),
                        &to_value(&params),
                        vec![],
                        ext,
                    );
                    push(&mut nodes, n);
                    subsets.push(Subset { label, load: n });
                }
                datasets.push((ds_name, subsets));
            }
        }
        let data_of = |fields: &Fields| -> Vec<(String, NodeIndex)> {
            let wanted = fields.get("data").map(|d| d.as_str().to_string());
            datasets
                .iter()
                .filter(|(n, _)| wanted.as_ref().is_none_or(|w| w == n))
                .take(if wanted.is_some() { usize::MAX } else { 1 })
                .flat_map(|(_, subs)| subs.iter().map(|s| (s.label.clone(), s.load)))
                .collect()
        };

        let users = p.stage(SimulatedUsers).map(|s| {
            let types = self
                .decls()
                .users
                .get(s.fields["users"].as_str())
                .cloned()
                .unwrap_or_default();
            let n = self.node(
                name,
                SimulatedUsers,
                None,
                &to_value(&SimulatedUsersParams { types }),
                vec![],
                vec![],
            );
            push(&mut nodes, n);
            n
        });

        let sft = match (p.stage(TrainSft), &speaker) {
            (Some(s), Some(model)) => {
                let params = TrainSftParams {
                    model: model.clone(),
                    personas: personas.clone(),
                    teacher: self.judge(s.fields.get("teacher")),
                    epochs: s.fields["epochs"].as_usize(),
                    batch: s.fields["batch"].as_usize(),
                    lr: s.fields["lr"].as_f64(),
                    seed,
                };
                let inputs = data_of(&s.fields).into_iter().map(|x| x.1).collect();
                let n = self.node(
                    name,
                    TrainSft,
                    None,
                    &to_value(&params),
                    inputs,
                    weights(&[model]),
                );
                push(&mut nodes, n);
                Some(n)
            }
            _ => None,
        };

        let mut samples: Vec<(String, NodeIndex)> = Vec::new();
        // An explicit `model` is a fixed sampler (the paper's teacher role): its candidates do
        // not depend on the speaker or its SFT, so every variant shares them.
        let sampler = p
            .stage(SampleCandidates)
            .and_then(|s| self.model(s.fields.get("model")));
        let from_sft = if sampler.is_some() { None } else { sft };
        if let (Some(s), Some(model)) = (
            p.stage(SampleCandidates),
            sampler.as_ref().or(speaker.as_ref()),
        ) {
            let f = &s.fields;
            let params = SampleCandidatesParams {
                model: model.clone(),
                personas: personas.clone(),
                k: f["k"].as_usize(),
                temperature: f["temperature"].as_f64() as f32,
                top_p: f["top_p"].as_f64() as f32,
                top_k: f.get("top_k").map(Val::as_usize),
                max_tokens: f["max_tokens"].as_usize(),
                seed,
                limit: f.get("limit").map(Val::as_usize),
            };
            for (label, load) in data_of(f) {
                let mut inputs = vec![load];
                inputs.extend(from_sft);
                let n = self.node(
                    name,
                    SampleCandidates,
                    Some(&label),
                    &to_value(&params),
                    inputs,
                    weights(&[model]),
                );
                push(&mut nodes, n);
                samples.push((label, n));
            }
        }

        let mut judged = Vec::new();
        if let Some(s) = p.stage(JudgeCandidates) {
            let judge = self.judge(s.fields.get("judge"));
            let rubric = self
                .decls()
                .rubrics
                .get(s.fields["rubric"].as_str())
                .cloned();
            if let (Some(judge), Some(rubric)) = (judge, rubric) {
                let ext = judge_weights(&judge);
                let params = to_value(&JudgeCandidatesParams { judge, rubric });
                for (label, sample) in &samples {
                    let n = self.node(
                        name,
                        JudgeCandidates,
                        Some(label),
                        &params,
                        vec![*sample],
                        ext.clone(),
                    );
                    push(&mut nodes, n);
                    judged.push((label.clone(), n));
                }
            }
        }

        let mut prefs = Vec::new();
        if let Some(s) = p.stage(BuildPreferences) {
            let params = to_value(&BuildPreferencesParams {
                delta: s.fields["delta"].as_f64(),
            });
            for (label, j) in &judged {
                let n = self.node(
                    name,
                    BuildPreferences,
                    Some(label),
                    &params,
                    vec![*j],
                    vec![],
                );
                push(&mut nodes, n);
                prefs.push(n);
            }
        }

        let rm = match p.stage(TrainRewardModel) {
            Some(s) => self.model(s.fields.get("base")).map(|base| {
                let ext = weights(&[&base]);
                let params = TrainRewardModelParams {
                    base,
                    epochs: s.fields["epochs"].as_usize(),
                    batch: s.fields["batch"].as_usize(),
                    lr: s.fields["lr"].as_f64(),
                    seed,
                };
                let n = self.node(
                    name,
                    TrainRewardModel,
                    None,
                    &to_value(&params),
                    prefs.clone(),
                    ext,
                );
                push(&mut nodes, n);
                n
            }),
            None => None,
        };

        let align =
            match (p.stage(AlignPersonas), &speaker) {
                (Some(s), Some(model)) => reward_of(&s.fields["reward"], self.decls())
                    .cloned()
                    .map(|reward| {
                        let uses_rm = reward
                            .terms
                            .iter()
                            .any(|t| matches!(t.signal, RewardSignal::Rm { .. }));
                        let params = AlignPersonasParams {
                            model: model.clone(),
                            personas: personas.clone(),
                            reward,
                            grpo: grpo(&s.fields),
                            seed,
                        };
                        let mut inputs: Vec<NodeIndex> = sft.into_iter().collect();
                        if uses_rm {
                            inputs.extend(rm);
                        }
                        inputs.extend(data_of(&s.fields).into_iter().map(|x| x.1));
                        let n = self.node(
                            name,
                            AlignPersonas,
                            None,
                            &to_value(&params),
                            inputs,
                            weights(&[model]),
                        );
                        push(&mut nodes, n);
                        n
                    }),
                _ => None,
            };
        let policy = align.or(sft);

        let director_spec = director.clone().or_else(|| speaker.clone());
        let share = director.is_none() || director == speaker;
        let directed = match (p.stage(OptimizeDirector), &speaker, &director_spec) {
            (Some(s), Some(model), Some(dir)) => reward_of(&s.fields["reward"], self.decls())
                .cloned()
                .map(|reward| {
                    let mut ext = weights(&[dir, model]);
                    if let Some(RewardSignal::Coherence { judge }) = reward
                        .terms
                        .iter()
                        .map(|t| &t.signal)
                        .find(|s| matches!(s, RewardSignal::Coherence { .. }))
                    {
                        ext.extend(judge_weights(judge));
                    }
                    let params = OptimizeDirectorParams {
                        director: dir.clone(),
                        speaker: model.clone(),
                        share_params: share,
                        personas: personas.clone(),
                        reward,
                        turns: s.fields["turns"].as_usize(),
                        grpo: grpo(&s.fields),
                        seed,
                    };
                    let mut inputs: Vec<NodeIndex> = policy.into_iter().collect();
                    inputs.extend(data_of(&s.fields).into_iter().map(|x| x.1));
                    dedup_ext(&mut ext);
                    let n = self.node(
                        name,
                        OptimizeDirector,
                        None,
                        &to_value(&params),
                        inputs,
                        ext,
                    );
                    push(&mut nodes, n);
                    n
                }),
            _ => None,
        };

        let mut conversations = Vec::new();
        if let (Some(s), Some(model)) = (p.stage(GenerateConversations), &speaker) {
            let f = &s.fields;
            let order = f["order"].as_str().to_string();
            for system in f["systems"]
                .as_list()
                .iter()
                .map(|v| v.as_str().to_string())
            {
                let mascot = system == "mascot";
                let uses_director = mascot && order == "director";
                let params = GenerateConversationsParams {
                    system: system.clone(),
                    speaker: model.clone(),
                    director: if uses_director {
                        director_spec.clone()
                    } else {
                        None
                    },
                    personas: personas.clone(),
                    order: if mascot {
                        order.clone()
                    } else {
                        "fixed".into()
                    },
                    turns: f["turns"].as_usize(),
                    temperature: f["temperature"].as_f64() as f32,
                    max_tokens: f["max_tokens"].as_usize(),
                    samples: if system == "self_consistency" {
                        f["samples"].as_usize()
                    } else {
                        1
                    },
                    limit: f.get("limit").map(Val::as_usize),
                    seed,
                };
                let mut trained: Vec<NodeIndex> = Vec::new();
                if mascot {
                    trained.extend(policy);
                    if uses_director {
                        trained.extend(directed);
                    }
                } else if system == "sft" {
                    trained.extend(sft);
                }
                if f.contains_key("users") {
                    trained.extend(users);
                }
                let mut ext = weights(&[model]);
                if let Some(d) = &params.director {
                    ext.extend(weights(&[d]));
                    dedup_ext(&mut ext);
                }
                let value = to_value(&params);
                for (label, load) in data_of(f) {
                    let mut inputs = vec![load];
                    inputs.extend(trained.iter().copied());
                    let l = format!("{system}/{label}");
                    let n = self.node(
                        name,
                        GenerateConversations,
                        Some(&l),
                        &value,
                        inputs,
                        ext.clone(),
                    );
                    push(&mut nodes, n);
                    conversations.push((l, n));
                }
            }
        }

        if let Some(s) = p.stage(Evaluate) {
            let judge = self.judge(s.fields.get("judge"));
            let rubrics: Vec<RubricSpec> = s.fields["rubrics"]
                .as_list()
                .iter()
                .filter_map(|r| self.decls().rubrics.get(r.as_str()).cloned())
                .collect();
            if let Some(judge) = judge {
                let ext = judge_weights(&judge);
                let params = to_value(&EvaluateParams { judge, rubrics });
                for (label, conv) in &conversations {
                    let n = self.node(
                        name,
                        Evaluate,
                        Some(label),
                        &params,
                        vec![*conv],
                        ext.clone(),
                    );
                    push(&mut nodes, n);
                }
            }
        }
        nodes
    }
}

fn load_params(ds: &crate::lang::ir::DatasetDecl, sub: &str) -> LoadDatasetParams {
    if ds.source == "qmsum" {
        let domain = match sub {
            "academic" => QmsumDomain::Academic,
            "committee" => QmsumDomain::Committee,
            "product" => QmsumDomain::Product,
            _ => QmsumDomain::All,
        };
        LoadDatasetParams::Qmsum {
            path: ds.path.clone(),
            split: ds.split.clone(),
            domain,
            limit: ds.limit,
        }
    } else {
        let subset = match sub {
            "positive" => EdSubset::Positive,
            "negative" => EdSubset::Negative,
            "neutral" => EdSubset::Neutral,
            _ => EdSubset::All,
        };
        LoadDatasetParams::EmpatheticDialogues {
            path: ds.path.clone(),
            split: ds.split.clone(),
            subset,
            limit: ds.limit,
        }
    }
}

fn grpo(f: &Fields) -> GrpoParams {
    GrpoParams {
        group: f["group"].as_usize(),
        clip: f["clip"].as_f64(),
        beta: f["beta"].as_f64(),
        epochs: f["epochs"].as_usize(),
        batch: f["batch"].as_usize(),
        lr: f["lr"].as_f64(),
        max_tokens: f["max_tokens"].as_usize(),
        temperature: f["temperature"].as_f64() as f32,
    }
}

/// Weight files of models that are not built in.
fn weights(models: &[&ModelSpec]) -> Vec<ExternalInput> {
    let mut out: Vec<ExternalInput> = models
        .iter()
        .filter_map(|m| match &m.source {
            ModelSource::HfDir { path } | ModelSource::Gguf { path } => Some(ExternalInput {
                role: "weights".into(),
                path: path.clone(),
            }),
            // Not reachable from the language yet: its key input is the cached commit hash.
            ModelSource::Tiny(_) | ModelSource::Hf { .. } => None,
        })
        .collect();
    dedup_ext(&mut out);
    out
}

fn judge_weights(j: &JudgeSpec) -> Vec<ExternalInput> {
    match j {
        JudgeSpec::Local { model, .. } => weights(&[model]),
        _ => vec![],
    }
}

fn dedup_ext(v: &mut Vec<ExternalInput>) {
    let mut seen = Vec::new();
    v.retain(|e| {
        if seen.contains(e) {
            false
        } else {
            seen.push(e.clone());
            true
        }
    });
}
