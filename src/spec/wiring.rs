//! What a stage kind's planner sees and does: the pipeline around it ([`PipelineView`]: the
//! settings, the other stages, the declarations, the seed) and the graph it adds its nodes to
//! ([`Graph`], implemented by the planner). A kind says here which upstream nodes it reads and
//! what its prerequisites are; the planner only does the graph mechanics.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::spec::hub_id::{HubModelRef, RepoId, Revision};

use crate::spec::decls::Decls;
use crate::spec::model::ModelSpec;
use crate::spec::persona::Persona;
use crate::spec::stages::kind::StageKind;
use crate::spec::value::{Fields, LowerError, Ref, Val};

/// A file or directory a stage reads from outside the store. Its content hash enters the
/// executor's key for the stage (the plan's key holds only the path, see `KEYS.md`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExternalInput {
    /// What the file is to the stage: `dataset`, `weights`, `tokenizer`, `personas`...
    pub role: String,
    /// Path relative to the directory of the experiment file (imports resolved, `.` and
    /// `..` normalised), so that a plan and its keys do not depend on where the checkout is.
    pub path: PathBuf,
}

impl ExternalInput {
    /// The role of a Hugging Face Hub model: its "path" is `hf:org/name@revision`, and the
    /// executor keys it by the commit the local Hugging Face cache resolves it to.
    pub const HUB_MODEL: &'static str = "hub_model";

    /// The external input of a Hub model.
    pub fn hub_model(model: &HubModelRef) -> Self {
        ExternalInput {
            role: Self::HUB_MODEL.into(),
            path: PathBuf::from(format!("hf:{model}")),
        }
    }

    /// The Hub model this input names, when it is one.
    pub fn hub_ref(&self) -> Option<HubModelRef> {
        if self.role != Self::HUB_MODEL {
            return None;
        }
        let text = self.path.to_str()?.strip_prefix("hf:")?;
        let (repo, revision) = text.rsplit_once('@')?;
        Some(HubModelRef {
            repo: RepoId::parse(repo).ok()?,
            revision: Revision::parse(revision).ok()?,
        })
    }
}

/// One (expanded) pipeline as the stage kinds see it.
#[derive(Debug, Clone, Copy)]
pub struct PipelineView<'a> {
    /// The experiment's title.
    pub experiment: &'a str,
    /// The experiment seed (a seed sweep gives each of its variants its own).
    pub seed: u64,
    /// The pipeline's own settings (`speaker`, `director`, `user`, `personas`).
    pub settings: &'a Fields,
    /// Its stages with their checked fields, in pipeline (kind) order.
    pub stages: &'a [(StageKind, &'a Fields)],
    pub decls: &'a Decls,
}

impl PipelineView<'_> {
    pub fn has(&self, kind: StageKind) -> bool {
        self.stages.iter().any(|(k, _)| *k == kind)
    }

    /// The fields of the pipeline's `kind` stage.
    pub fn fields(&self, kind: StageKind) -> Option<&Fields> {
        self.stages.iter().find(|(k, _)| *k == kind).map(|s| s.1)
    }

    fn setting_model(&self, name: &str) -> Result<Option<ModelSpec>, LowerError> {
        match self.settings.opt::<Ref>(name)? {
            Some(r) => Ok(Some(self.decls.model(&r)?.clone())),
            None => Ok(None),
        }
    }

    /// The `speaker` model.
    pub fn speaker(&self) -> Result<Option<ModelSpec>, LowerError> {
        self.setting_model("speaker")
    }

    /// The `director` model as written (None: the speaker directs).
    pub fn director(&self) -> Result<Option<ModelSpec>, LowerError> {
        self.setting_model("director")
    }

    /// The `user` model as written (None: the simulated users are played by the speaker's
    /// base model).
    pub fn user(&self) -> Result<Option<ModelSpec>, LowerError> {
        self.setting_model("user")
    }

    /// The `personas`, resolved, in the order listed.
    pub fn personas(&self) -> Result<Vec<Persona>, LowerError> {
        self.settings
            .opt::<Vec<Ref>>("personas")?
            .unwrap_or_default()
            .iter()
            .map(|r| self.decls.persona(r).cloned())
            .collect()
    }

    /// Whether any persona is listed.
    pub fn has_personas(&self) -> bool {
        matches!(self.settings.get("personas"), Some(Val::List(l)) if !l.is_empty())
    }

    /// The names of the datasets `load_dataset` loads, in order.
    pub fn loaded_datasets(&self) -> Result<Vec<String>, LowerError> {
        match self.fields(StageKind::LoadDataset) {
            Some(f) => Ok(f
                .req::<Vec<Ref>>("data")?
                .into_iter()
                .map(|r| r.name)
                .collect()),
            None => Ok(Vec::new()),
        }
    }
}

/// Why a pipeline cannot run: the stage concerned, the message and a help line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub stage: StageKind,
    pub message: String,
    pub help: String,
}

/// A node of the plan being built (an index the planner hands out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeRef(pub usize);

/// A node of the current variant, as an upstream candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub node: NodeRef,
    /// Its fan-out label (`positive`, `mascot/negative`...), part of its id.
    pub label: Option<String>,
    /// The group it belongs to (a `load_dataset` node: the dataset's name).
    pub group: Option<String>,
}

/// A node a kind's planner asks for. Equal contents give the same node (content keys).
#[derive(Debug, Clone, PartialEq)]
pub struct NewNode {
    pub kind: StageKind,
    pub label: Option<String>,
    pub group: Option<String>,
    /// The kind's typed parameters, serialised.
    pub params: serde_json::Value,
    /// Upstream nodes, in the order their keys enter this node's key.
    pub inputs: Vec<NodeRef>,
    pub external: Vec<ExternalInput>,
}

impl NewNode {
    /// A node of `kind` with these parameters and nothing else yet.
    pub fn new<P: Serialize>(kind: StageKind, params: &P) -> Result<NewNode, LowerError> {
        let params = serde_json::to_value(params).map_err(|e| {
            LowerError::Other(format!(
                "cannot serialise the parameters of `{}`: {e}",
                kind.as_str()
            ))
        })?;
        Ok(NewNode {
            kind,
            label: None,
            group: None,
            params,
            inputs: Vec::new(),
            external: Vec::new(),
        })
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }

    pub fn inputs(mut self, inputs: impl IntoIterator<Item = NodeRef>) -> Self {
        self.inputs.extend(inputs);
        self
    }

    pub fn external(mut self, external: Vec<ExternalInput>) -> Self {
        self.external = external;
        self
    }
}

/// The plan of one variant, as a kind's planner builds it.
pub trait Graph {
    /// The nodes of `kind` this variant has so far, in the order they were added.
    fn nodes(&self, kind: StageKind) -> Vec<Placed>;
    /// Adds a node (or finds the equal one another variant made); returns it.
    fn add(&mut self, node: NewNode) -> NodeRef;
    /// The variant being built.
    fn variant(&self) -> &str;
    /// The variant's results so far: its nodes that no other node of the variant reads, in
    /// the order they were added.
    fn results(&self) -> Vec<NodeRef>;
}
