//! Declarations, lowered: the field table of each declaration kind, and the lowering of a
//! declaration's checked fields into its spec (a persona, a rubric, a model, users, a
//! dataset, a judge, a reward signal). A new model source or judge backend is one entry in
//! its table (`crate::spec::model`, `crate::spec::judge`) and one arm here.

use crate::spec::dataset::{self, DatasetSource, DatasetSpec, QmsumQueries};
use crate::spec::decl_kind::DeclKind;
use crate::spec::decls::Decls;
use crate::spec::field::FieldSpec;
use crate::spec::hub_id::{HubIdError, RepoId, Revision};
use crate::spec::judge::{self, JudgeSpec};
use crate::spec::model::{self, LoraSpec, ModelSource, ModelSpec, TinyConfig};
use crate::spec::persona::{self, FewShotExample, Persona};
use crate::spec::reward::RewardSignal;
use crate::spec::rubric::{self, Criterion, RubricSpec};
use crate::spec::users;
use crate::spec::value::{Call, Fields, LowerError, Ref, StrMap, Symbol, Val};

/// The fields of a block declaration of this kind (a `reward` is an expression).
pub fn decl_fields(kind: DeclKind) -> &'static [FieldSpec] {
    match kind {
        DeclKind::Persona => persona::PERSONA,
        DeclKind::Rubric => rubric::RUBRIC,
        DeclKind::Model => model::MODEL,
        DeclKind::Users => users::USERS,
        DeclKind::Dataset => dataset::DATASET,
        DeclKind::Judge => judge::JUDGE,
        DeclKind::Reward => &[],
    }
}

/// A `persona` declaration's checked fields -> the persona.
pub fn persona(f: &Fields) -> Result<Persona, LowerError> {
    let mut examples = Vec::new();
    for (i, e) in f.req::<Vec<Fields>>("examples")?.iter().enumerate() {
        let within = |e: LowerError| e.within(&format!("examples[{i}]"));
        examples.push(FewShotExample {
            context: e.req("context").map_err(within)?,
            response: e.req("response").map_err(within)?,
        });
    }
    Ok(Persona {
        name: f.req("name")?,
        description: f.req("description")?,
        traits: f.req("traits")?,
        style: f.opt("style")?,
        examples,
    })
}

/// A `rubric` declaration's checked fields -> the rubric.
pub fn rubric(f: &Fields) -> Result<RubricSpec, LowerError> {
    Ok(RubricSpec {
        level: f.req("level")?,
        criteria: f
            .req::<StrMap>("criteria")?
            .0
            .into_iter()
            .map(|(name, description)| Criterion { name, description })
            .collect(),
        scale: f.req("scale")?,
        rescale: f.req("rescale")?,
    })
}

/// A `model` declaration's checked fields -> its spec.
pub fn model(f: &Fields) -> Result<ModelSpec, LowerError> {
    let source = f.req::<Call>("source")?;
    let args = &source.args;
    let source = match source.form {
        "tiny" => ModelSource::Tiny(tiny(args).map_err(|e| e.within("source"))?),
        "hf_dir" => ModelSource::HfDir {
            path: args.req("path")?,
        },
        "gguf" => ModelSource::Gguf {
            path: args.req("path")?,
        },
        "hf" => {
            let repo: String = args.req("repo")?;
            let revision: String = args.req("revision")?;
            ModelSource::Hf {
                repo: RepoId::parse(&repo).map_err(|e| LowerError::Other(hub_id_message(&e)))?,
                revision: Revision::parse(&revision)
                    .map_err(|e| LowerError::Other(hub_id_message(&e)))?,
            }
        }
        other => {
            return Err(LowerError::Other(format!(
                "model source `{other}` has no lowering"
            )));
        }
    };
    let lora = match f.opt::<Fields>("lora")? {
        Some(l) => Some(lora(&l).map_err(|e| e.within("lora"))?),
        None => None,
    };
    Ok(ModelSpec {
        source,
        dtype: f.req::<Symbol>("dtype")?.0,
        device: f.req("device")?,
        lora,
        thinking: f.req("thinking")?,
    })
}

fn tiny(a: &Fields) -> Result<TinyConfig, LowerError> {
    Ok(TinyConfig {
        arch: a.req::<Symbol>("arch")?.0,
        layers: a.req("layers")?,
        hidden: a.req("hidden")?,
        intermediate: a.req("intermediate")?,
        heads: a.req("heads")?,
        kv_heads: a.req("kv_heads")?,
        vocab: a.req("vocab")?,
        max_seq_len: a.req("max_seq_len")?,
        seed: a.req("seed")?,
    })
}

/// A checked `lora: { ... }` object -> the adapter settings.
pub fn lora(l: &Fields) -> Result<LoraSpec, LowerError> {
    Ok(LoraSpec {
        r: l.req("r")?,
        alpha: l.req("alpha")?,
        dropout: l.req("dropout")?,
        targets: l
            .req::<Vec<Symbol>>("targets")?
            .into_iter()
            .map(|s| s.0)
            .collect(),
        rslora: l.req("rslora")?,
        layers: l.opt("layers")?,
    })
}

/// A `users` declaration's checked fields -> its MBTI codes.
pub fn users(f: &Fields) -> Result<Vec<String>, LowerError> {
    Ok(f.req::<Vec<Symbol>>("types")?
        .into_iter()
        .map(|s| s.0)
        .collect())
}

/// A `dataset` declaration's checked fields -> the dataset.
pub fn dataset(f: &Fields) -> Result<DatasetSpec, LowerError> {
    let source = f.req::<Call>("source")?;
    let a = &source.args;
    let within = |e: LowerError| e.within("source");
    let kind = match source.form {
        "empathetic_dialogues" => DatasetSource::EmpatheticDialogues {
            subsets: once_each(a.req("subsets").map_err(within)?),
        },
        "qmsum" => DatasetSource::Qmsum {
            domains: once_each(a.req("domains").map_err(within)?),
            queries: match a.get("queries") {
                None => QmsumQueries::All,
                Some(Val::Sym(s)) if s == "first" => QmsumQueries::First,
                Some(Val::Sym(_)) => QmsumQueries::All,
                Some(Val::Int(n)) => QmsumQueries::Count(usize::try_from(*n).unwrap_or(1)),
                Some(other) => {
                    return Err(LowerError::Other(format!(
                        "`queries` holds {}",
                        other.describe()
                    )));
                }
            },
        },
        other => {
            return Err(LowerError::Other(format!(
                "dataset source `{other}` has no lowering"
            )));
        }
    };
    Ok(DatasetSpec {
        source: kind,
        path: a.req("path").map_err(within)?,
        split: a.req("split").map_err(within)?,
        limit: f.opt("limit")?,
    })
}

fn once_each<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for x in items {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

/// A `judge` declaration's checked fields -> the judge (a local judge's model resolved).
pub fn judge(f: &Fields, decls: &Decls) -> Result<JudgeSpec, LowerError> {
    let backend = f.req::<Call>("backend")?;
    let a = &backend.args;
    let within = |e: LowerError| e.within("backend");
    Ok(match backend.form {
        "openai" => JudgeSpec::Openai {
            base_url: a.req("base_url").map_err(within)?,
            model: a.req("model").map_err(within)?,
            temperature: a.req("temperature").map_err(within)?,
            api_key_env: a.req("api_key_env").map_err(within)?,
            timeout: a.req("timeout").map_err(within)?,
            concurrency: a.req("concurrency").map_err(within)?,
            rpm: a.opt("rpm").map_err(within)?,
            max_retries: a.req("max_retries").map_err(within)?,
        },
        "local" => JudgeSpec::Local {
            model: decls
                .model(&a.req::<Ref>("model").map_err(within)?)?
                .clone(),
            temperature: a.req("temperature").map_err(within)?,
        },
        "heuristic" => JudgeSpec::Heuristic,
        other => {
            return Err(LowerError::Other(format!(
                "judge backend `{other}` has no lowering"
            )));
        }
    })
}

/// A checked signal call -> the signal (references resolved).
pub fn reward_signal(name: &str, args: &Fields, decls: &Decls) -> Result<RewardSignal, LowerError> {
    Ok(match name {
        "rm" => RewardSignal::Rm {
            base: decls.model(&args.req::<Ref>("model")?)?.clone(),
        },
        "format" => RewardSignal::Format {
            think_min: args.req("think_min")?,
            answer_max: args.req("answer_max")?,
        },
        "coherence" => RewardSignal::Coherence {
            judge: decls.judge(&args.req::<Ref>("judge")?)?.clone(),
        },
        "diverse" => RewardSignal::Diverse,
        other => {
            return Err(LowerError::Other(format!(
                "reward signal `{other}` has no lowering"
            )));
        }
    })
}

/// A Hub id error in words, with its fix.
fn hub_id_message(e: &HubIdError) -> String {
    use miette::Diagnostic;
    match e.help() {
        Some(help) => format!("{e} ({help})"),
        None => e.to_string(),
    }
}
