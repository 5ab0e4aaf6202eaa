//! `report`: one Markdown summary for the whole plan over the final nodes of every variant
//! that lists it. Its artifact holds `report.md`.

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, Ty, f};
use crate::spec::stages::common::light;
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner, SummaryInput};
use crate::spec::value::{Fields, LowerError};
use crate::spec::wiring::{PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::Summary(lower),
    problems,
    device: light,
};

pub const FIELDS: &[FieldSpec] = &[f("title", Ty::Str, Optional)];

/// The report.
pub const REPORT: &str = "report.md";

/// What the report is titled and which variants it summarises. Inputs: the stages it
/// summarises.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportParams {
    pub title: String,
    pub variants: Vec<String>,
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
