//! Declarations -> resolved specs: personas, rubrics, models (with the tiny-config sanity
//! rules), users, datasets, judges, rewards.

use crate::lang::ast::{Block, Expr};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::fields::Checker;
use crate::lang::ir::DatasetDecl;
use crate::lang::schema;
use crate::lang::span::{Span, Spanned};
use crate::lang::value::{DeclKind, Fields, Val};
use crate::model::spec::{LoraSpec, ModelSource, ModelSpec, TinyConfig};
use crate::plan::params::{Criterion, FewShotExample, JudgeSpec, Level, Persona, RubricSpec};

/// The body of a declaration.
pub enum DeclBody<'a> {
    Block(&'a Block),
    Reward(&'a Expr),
}

impl Checker<'_> {
    /// Checks one declaration and stores its resolved value in `self.decls`.
    pub fn declaration(&mut self, kind: DeclKind, name: &Spanned<String>, body: DeclBody<'_>) {
        let n = name.node.clone();
        let block = match body {
            DeclBody::Reward(expr) => {
                if let Some(r) = self.reward(expr, None) {
                    self.decls.rewards.insert(n, r);
                }
                return;
            }
            DeclBody::Block(b) => b,
        };
        let what = format!("{} `{}`", kind.keyword(), n);
        let Some(f) = self.fields(&block.fields, schema::decl(kind), name.span, &what) else {
            return;
        };
        match kind {
            DeclKind::Persona => {
                let p = persona(&f);
                self.decls.personas.insert(n, p);
            }
            DeclKind::Rubric => {
                self.decls.rubrics.insert(n, rubric(&f));
            }
            DeclKind::Model => {
                if let Some(m) = self.model(&f, block, &what) {
                    self.decls.models.insert(n, m);
                }
            }
            DeclKind::Users => {
                let types: Vec<String> = f["types"]
                    .as_list()
                    .iter()
                    .map(|v| v.as_str().to_string())
                    .collect();
                self.decls.users.insert(n, types);
            }
            DeclKind::Dataset => {
                let Val::Call(source, args) = &f["source"] else {
                    return;
                };
                let subsets_key = if *source == "qmsum" {
                    "domains"
                } else {
                    "subsets"
                };
                let mut subsets: Vec<String> = Vec::new();
                for s in args[subsets_key].as_list() {
                    if !subsets.contains(&s.as_str().to_string()) {
                        subsets.push(s.as_str().to_string());
                    }
                }
                let Val::Path(path) = &args["path"] else {
                    return;
                };
                self.decls.datasets.insert(
                    n,
                    DatasetDecl {
                        source,
                        path: path.clone(),
                        split: args["split"].as_str().to_string(),
                        subsets,
                        limit: f.get("limit").map(Val::as_usize),
                    },
                );
            }
            DeclKind::Judge => {
                let Val::Call(backend, args) = &f["backend"] else {
                    return;
                };
                let judge = match *backend {
                    "openai" => JudgeSpec::Openai {
                        base_url: args["base_url"].as_str().into(),
                        model: args["model"].as_str().into(),
                        temperature: args["temperature"].as_f64() as f32,
                        api_key_env: args["api_key_env"].as_str().into(),
                    },
                    "local" => {
                        let Some(m) = self.decls.models.get(args["model"].as_str()) else {
                            return;
                        };
                        JudgeSpec::Local {
                            model: m.clone(),
                            temperature: args["temperature"].as_f64() as f32,
                        }
                    }
                    _ => JudgeSpec::Heuristic,
                };
                self.decls.judges.insert(n, judge);
            }
            DeclKind::Reward => {}
        }
    }

    fn model(&mut self, f: &Fields, block: &Block, what: &str) -> Option<ModelSpec> {
        let Val::Call(source, args) = &f["source"] else {
            return None;
        };
        let source = match *source {
            "tiny" => {
                let t = TinyConfig {
                    arch: args["arch"].as_str().into(),
                    layers: args["layers"].as_usize(),
                    hidden: args["hidden"].as_usize(),
                    intermediate: args["intermediate"].as_usize(),
                    heads: args["heads"].as_usize(),
                    kv_heads: args["kv_heads"].as_usize(),
                    vocab: args["vocab"].as_usize(),
                    max_seq_len: args["max_seq_len"].as_usize(),
                    seed: args["seed"].as_int() as u64,
                };
                let span = field_span(block, "source").unwrap_or(block.span);
                let problem = if !t.hidden.is_multiple_of(t.heads) {
                    Some((
                        format!(
                            "hidden ({}) is not a multiple of heads ({})",
                            t.hidden, t.heads
                        ),
                        "choose hidden = heads * head_dim",
                    ))
                } else if !t.heads.is_multiple_of(t.kv_heads) {
                    Some((
                        format!(
                            "heads ({}) is not a multiple of kv_heads ({})",
                            t.heads, t.kv_heads
                        ),
                        "grouped-query attention shares each kv head among heads / kv_heads query heads",
                    ))
                } else if !(t.hidden / t.heads).is_multiple_of(2) {
                    Some((
                        format!(
                            "head dimension hidden / heads = {} is odd",
                            t.hidden / t.heads
                        ),
                        "rotary embeddings rotate pairs of dimensions: make hidden / heads even",
                    ))
                } else {
                    None
                };
                if let Some((msg, help)) = problem {
                    self.error(
                        Diagnostic::error(
                            "E021",
                            span,
                            format!("invalid tiny model in {what}: {msg}"),
                        )
                        .label("inconsistent sizes")
                        .help(help),
                    );
                    return None;
                }
                ModelSource::Tiny(t)
            }
            "hf_dir" => ModelSource::HfDir {
                path: path_of(&args["path"]),
            },
            _ => ModelSource::Gguf {
                path: path_of(&args["path"]),
            },
        };
        let lora = match f.get("lora") {
            Some(Val::Obj(l)) => Some(LoraSpec {
                r: l["r"].as_usize(),
                alpha: l["alpha"].as_f64() as f32,
                dropout: l["dropout"].as_f64() as f32,
                targets: l["targets"]
                    .as_list()
                    .iter()
                    .map(|t| t.as_str().to_string())
                    .collect(),
                rslora: l["rslora"].as_bool(),
            }),
            _ => None,
        };
        Some(ModelSpec {
            source,
            dtype: f["dtype"].as_str().into(),
            device: f["device"].as_str().into(),
            lora,
        })
    }
}

fn path_of(v: &Val) -> std::path::PathBuf {
    match v {
        Val::Path(p) => p.clone(),
        _ => Default::default(),
    }
}

fn field_span(block: &Block, name: &str) -> Option<Span> {
    block
        .fields
        .iter()
        .find(|f| f.key.node == name)
        .map(|f| f.value.span)
}

fn persona(f: &Fields) -> Persona {
    Persona {
        name: f["name"].as_str().into(),
        description: f["description"].as_str().into(),
        traits: f["traits"]
            .as_list()
            .iter()
            .map(|t| t.as_str().to_string())
            .collect(),
        style: f.get("style").map(|s| s.as_str().to_string()),
        examples: f["examples"]
            .as_list()
            .iter()
            .filter_map(|e| match e {
                Val::Obj(o) => Some(FewShotExample {
                    context: o["context"].as_str().into(),
                    response: o["response"].as_str().into(),
                }),
                _ => None,
            })
            .collect(),
    }
}

fn rubric(f: &Fields) -> RubricSpec {
    let range = |v: &Val| match v {
        Val::Range(a, b) => [*a, *b],
        _ => [0.0, 0.0],
    };
    RubricSpec {
        level: if f["level"].as_str() == "group" {
            Level::Group
        } else {
            Level::Agent
        },
        criteria: match &f["criteria"] {
            Val::StrMap(m) => m
                .iter()
                .map(|(n, d)| Criterion {
                    name: n.clone(),
                    description: d.clone(),
                })
                .collect(),
            _ => vec![],
        },
        scale: range(&f["scale"]),
        rescale: range(&f["rescale"]),
    }
}
