//! `report`: the paper's report for the whole plan, one node over every variant that lists
//! it. It reads the final nodes of those variants (their `evaluate` nodes, and whatever else
//! ends a pipeline) and every training and `generate_conversations` node (curves, example
//! transcripts). Its artifact holds `report.html`, `report.md`, `tables.csv`,
//! `tables/*.csv` and `plots/*.png|svg`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, Ty, f};
use crate::spec::stages::common::light;
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner, SummaryInput, SummaryPlan};
use crate::spec::value::{Fields, LowerError};
use crate::spec::wiring::{PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::Summary(SummaryPlan {
        lower,
        reads: READS,
    }),
    problems,
    device: light,
};

pub const FIELDS: &[FieldSpec] = &[f("title", Ty::Str, Optional)];

/// The kinds whose nodes a report reads besides the final ones: the training stages (their
/// `metrics.jsonl`) and the conversations (example transcripts).
pub const READS: &[StageKind] = &[
    StageKind::TrainSft,
    StageKind::TrainRewardModel,
    StageKind::AlignPersonas,
    StageKind::OptimizeDirector,
    StageKind::GenerateConversations,
    StageKind::Evaluate,
];

/// The Markdown report.
pub const REPORT: &str = "report.md";
/// The self-contained HTML report.
pub const REPORT_HTML: &str = "report.html";

/// What the report is titled, which variants it covers, and which of them each input belongs
/// to (an input shared by several variants is shown under each). Inputs: the stages it
/// reports on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportParams {
    pub title: String,
    /// The variants listing the report, in experiment order (the base variant first).
    pub variants: Vec<String>,
    /// Input stage id -> the variants among `variants` that contain it.
    #[serde(default)]
    pub inputs: BTreeMap<String, Vec<String>>,
}

/// The title is the first one a variant gives, else the experiment's.
fn lower(input: &SummaryInput) -> Result<serde_json::Value, LowerError> {
    let mut title = None;
    for f in input.fields {
        if let Some(t) = f.opt::<String>("title")? {
            title = Some(t);
            break;
        }
    }
    let params = ReportParams {
        title: title.unwrap_or_else(|| input.experiment.to_string()),
        variants: input.variants.to_vec(),
        inputs: input
            .inputs
            .iter()
            .map(|n| (n.id.clone(), n.variants.clone()))
            .collect(),
    };
    serde_json::to_value(&params).map_err(|e| LowerError::Other(e.to_string()))
}

fn problems(_f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    let alone = p.stages.len() == 1;
    Ok(alone
        .then(|| Problem {
            stage: StageKind::Report,
            message: "`report` has nothing to summarise".into(),
            help: "add the stages whose results it reports".into(),
        })
        .into_iter()
        .collect())
}
