//! `report`: one Markdown summary per variant over that variant's results (its nodes that no
//! other node of the variant reads). Its artifact holds `report.md`. When several variants
//! list `report`, the planner also adds one `compare` node over every variant's results
//! (`crate::spec::stages::compare`).

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, Ty, f};
use crate::spec::stages::common::light;
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::value::{Fields, LowerError};
use crate::spec::wiring::{Graph, NewNode, PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: light,
};

pub const FIELDS: &[FieldSpec] = &[f("title", Ty::Str, Optional)];

/// The report.
pub const REPORT: &str = "report.md";

/// What the report is titled and which variant it summarises (a list of one, the shape a
/// report over several variants would have). Inputs: the variant's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportParams {
    pub title: String,
    pub variants: Vec<String>,
}

/// One report node for the variant being built: its title is the variant's own `title`
/// (a variant may `set report.title`), else the experiment's.
fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let params = ReportParams {
        title: f
            .opt::<String>("title")?
            .unwrap_or_else(|| p.experiment.to_string()),
        variants: vec![g.variant().to_string()],
    };
    let inputs = g.results();
    g.add(NewNode::new(StageKind::Report, &params)?.inputs(inputs));
    Ok(())
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
