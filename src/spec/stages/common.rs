//! What several stage kinds share: the `data` field, the upstream nodes a stage reads, the
//! external weight files of its models, and the prerequisites of the stages that prompt a
//! speaker (a dataset, a `speaker`, `personas`).

use serde::de::DeserializeOwned;

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset, Ty, f, int};
use crate::spec::judge::JudgeSpec;
use crate::spec::model::ModelSpec;
use crate::spec::stages::kind::StageKind;
use crate::spec::value::{Fields, LowerError, Ref};
use crate::spec::wiring::{ExternalInput, Graph, NodeRef, PipelineView, Placed, Problem};

/// `data: <dataset>`: which loaded dataset a stage reads (the first loaded when absent).
pub const DATA: FieldSpec = f("data", Ty::Ref(DeclKind::Dataset), Preset::Optional);

/// `transcript_tokens: N`: how many tokens of a QMSum meeting transcript an episode shows
/// (the first turns that fit). Absent: the models' smallest context window minus the
/// prompts and the conversation (`ConversationConfig::transcript_budget`).
pub const TRANSCRIPT_TOKENS: FieldSpec = f("transcript_tokens", int(1), Preset::Optional);

/// The `load_dataset` nodes a stage reads: every subset of its `data` dataset, or of the
/// first dataset loaded when it names none.
pub fn subsets(f: &Fields, g: &dyn Graph) -> Result<Vec<Placed>, LowerError> {
    let loads = g.nodes(StageKind::LoadDataset);
    let group = match f.opt::<Ref>("data")? {
        Some(r) => Some(r.name),
        None => loads.first().and_then(|p| p.group.clone()),
    };
    Ok(loads.into_iter().filter(|p| p.group == group).collect())
}

/// The first node of `kind` in this variant.
pub fn first(g: &dyn Graph, kind: StageKind) -> Option<NodeRef> {
    g.nodes(kind).first().map(|p| p.node)
}

/// The pipeline's speaker, which this stage cannot do without.
pub fn speaker(p: &PipelineView) -> Result<ModelSpec, LowerError> {
    p.speaker()?.ok_or_else(|| LowerError::Missing {
        field: "speaker".into(),
    })
}

/// The weight files of models that are not built in, each once.
pub fn weights(models: &[&ModelSpec]) -> Vec<ExternalInput> {
    let mut out: Vec<ExternalInput> = models
        .iter()
        .filter_map(|m| match (m.source.weights_path(), m.source.hub_ref()) {
            (Some(path), _) => Some(ExternalInput {
                role: "weights".into(),
                path: path.clone(),
            }),
            (None, Some(hub)) => Some(ExternalInput::hub_model(&hub)),
            (None, None) => None,
        })
        .collect();
    dedup(&mut out);
    out
}

/// The weight files a judge reads (a local judge's model).
pub fn judge_weights(j: &JudgeSpec) -> Vec<ExternalInput> {
    weights(&j.local_model().into_iter().collect::<Vec<_>>())
}

/// Drops repeated entries, keeping the first of each.
pub fn dedup(v: &mut Vec<ExternalInput>) {
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

/// "stage `stage` needs stage `pre`" when the pipeline lacks `pre`.
pub fn needs(p: &PipelineView, stage: StageKind, pre: StageKind, why: &str) -> Option<Problem> {
    (!p.has(pre)).then(|| Problem {
        stage,
        message: format!(
            "stage `{}` needs stage `{}`, which the pipeline lacks",
            stage.as_str(),
            pre.as_str()
        ),
        help: format!("add `{} {{ ... }}` to the pipeline ({why})", pre.as_str()),
    })
}

/// The prerequisites of a stage that prompts the speaker with dataset contexts: a
/// `load_dataset` stage, a `speaker` (unless `own_model`), `personas`, and a `data` field
/// that names a loaded dataset (needed when several are loaded).
pub fn prompting_stage_problems(
    stage: StageKind,
    f: &Fields,
    p: &PipelineView,
    own_model: bool,
) -> Result<Vec<Problem>, LowerError> {
    let name = stage.as_str();
    let mut out: Vec<Problem> = needs(p, stage, StageKind::LoadDataset, "it reads the contexts")
        .into_iter()
        .collect();
    if p.settings.get("speaker").is_none() && !own_model {
        out.push(Problem {
            stage,
            message: format!("stage `{name}` needs the pipeline setting `speaker`"),
            help: "add `speaker: <model>` at the top of the pipeline block".into(),
        });
    }
    if !p.has_personas() {
        out.push(Problem {
            stage,
            message: format!("stage `{name}` needs the pipeline setting `personas`"),
            help:
                "add `personas: [anchor, catalyst, beacon]` (persona names) to the pipeline block"
                    .into(),
        });
    }
    let loaded = p.loaded_datasets()?;
    match f.opt::<Ref>("data")? {
        Some(d) if !loaded.is_empty() && !loaded.contains(&d.name) => out.push(Problem {
            stage,
            message: format!(
                "stage `{name}` reads dataset `{}`, which `load_dataset` does not load",
                d.name
            ),
            help: format!("add `{}` to `load_dataset {{ data: [...] }}`", d.name),
        }),
        None if loaded.len() > 1 => out.push(Problem {
            stage,
            message: format!(
                "stage `{name}` does not say which dataset it reads; the pipeline loads {}",
                loaded.join(", ")
            ),
            help: "add `data: <dataset>` to the stage".into(),
        }),
        _ => {}
    }
    Ok(out)
}

/// Problems of a stage whose only prerequisite is another stage.
pub fn only_needs(stage: StageKind, p: &PipelineView, pre: StageKind, why: &str) -> Vec<Problem> {
    needs(p, stage, pre, why).into_iter().collect()
}

/// A stage that needs no device token.
pub fn light(_params: &serde_json::Value) -> Option<String> {
    None
}

/// The device of the model a node runs (`cpu` when its parameters do not say).
pub fn model_device<P: DeserializeOwned>(
    params: &serde_json::Value,
    model: impl Fn(&P) -> Option<&ModelSpec>,
) -> Option<String> {
    let device = serde_json::from_value::<P>(params.clone())
        .ok()
        .and_then(|p| model(&p).map(|m| m.device.clone()));
    Some(device.unwrap_or_else(|| "cpu".into()))
}
